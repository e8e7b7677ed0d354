/**
 * History retention: a background job that deletes the runs that ended more than `keep` ago,
 * with everything stored under them (Store.deleteFinishedRuns), so the store does not grow
 * without bound. Off unless configured (server config `retention`, docs/operations.md).
 *
 * Each pass deletes in batches of `batch` runs (one transaction each, oldest first) until a
 * batch comes back short or `maxPerPass` runs are gone — a first pass over a long history is
 * spread over several passes instead of holding the store for minutes. Between batches the job
 * yields (the engine's commits go on in between). Only the scheduling leader prunes when several
 * servers share a store (`isLeader`); a run that has not ended is never deleted, whatever its age.
 */
import { parseDuration } from '../core/units.js';
import { KairosError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import { PeriodicTask } from './periodic-task.js';

export interface HistoryRetentionOptions {
  /** Runs that ended longer ago than this are deleted: ms or a duration ('30d'). */
  readonly keep: number | string;
  /** How often a pass runs: ms or a duration. Default '10m'. */
  readonly every?: number | string;
  /** Runs per transaction. Default 20. */
  readonly batch?: number;
  /** Most runs one pass deletes. Default 10,000. */
  readonly maxPerPass?: number;
}

export interface HistoryRetentionDeps {
  readonly now: () => number;
  readonly isLeader?: () => boolean;
  readonly log?: (line: string) => void;
  /** Called after each batch with the number of runs it deleted (metrics). */
  readonly onDeleted?: (runs: number) => void;
}

export interface RetentionPass {
  readonly at: number;
  /** Runs that ended before this were eligible. */
  readonly before: number;
  readonly deleted: number;
  /** True when the pass stopped at `maxPerPass` with runs left for the next one. */
  readonly more: boolean;
}

function durationMs(field: string, v: number | string, min: number): number {
  const d = typeof v === 'number' ? { ok: true as const, value: v } : parseDuration(v);
  if (!d.ok || !(d.value >= min)) {
    throw new KairosError('PARAM_INVALID', `retention.${field}: must be a duration of at least ${min / 1000} s, e.g. '30d' (got ${JSON.stringify(v)})`, { field: `retention.${field}` });
  }
  return d.value;
}

function count(field: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1) throw new KairosError('PARAM_INVALID', `retention.${field}: must be an integer >= 1 (got ${JSON.stringify(v)})`, { field: `retention.${field}` });
  return v;
}

/** The settings with their defaults, checked (KairosError PARAM_INVALID naming the field). */
export function retentionSettings(o: HistoryRetentionOptions): { keepMs: number; everyMs: number; batch: number; maxPerPass: number } {
  return {
    // At least a minute: a run's history must outlive the clients that poll it after it ends.
    keepMs: durationMs('keep', o.keep, 60_000),
    everyMs: o.every === undefined ? 600_000 : durationMs('every', o.every, 1000),
    batch: count('batch', o.batch, 20),
    maxPerPass: count('maxPerPass', o.maxPerPass, 10_000),
  };
}

export class HistoryRetention {
  readonly keepMs: number;
  readonly everyMs: number;
  readonly batch: number;
  readonly maxPerPass: number;
  readonly #store: Store;
  readonly #d: HistoryRetentionDeps;
  readonly #task: PeriodicTask<RetentionPass | null>;
  #deleted = 0;
  #last: RetentionPass | null = null;

  constructor(store: Store, o: HistoryRetentionOptions, deps: HistoryRetentionDeps) {
    ({ keepMs: this.keepMs, everyMs: this.everyMs, batch: this.batch, maxPerPass: this.maxPerPass } = retentionSettings(o));
    this.#store = store;
    this.#d = deps;
    this.#task = new PeriodicTask({
      everyMs: this.everyMs,
      body: () => this.pass(),
      onError: (err) => this.#log(`kairos: history retention failed (retried in ${Math.round(this.everyMs / 1000)} s): ${err.message}`),
      now: deps.now,
    });
  }

  /** Starts the timer and runs a first pass now. */
  start(): this {
    this.#task.start();
    void this.#task.run();
    return this;
  }

  stop(): void {
    this.#task.stop();
  }

  /** Runs deleted since start. */
  get deleted(): number {
    return this.#deleted;
  }

  get last(): RetentionPass | null {
    return this.#last;
  }

  /** One pass now; null when one is running, this server is not the leader, or it failed (logged). Never rejects. */
  runOnce(): Promise<RetentionPass | null> {
    return this.#task.run();
  }

  /**
   * The pass itself, outside the timer's busy guard and error path: rejects with the store's
   * error (`kairos prune`, a one-shot); null when this server is not the leader.
   */
  async pass(): Promise<RetentionPass | null> {
    if (this.#d.isLeader !== undefined && !this.#d.isLeader()) return null;
    const at = this.#d.now();
    const before = at - this.keepMs;
    let deleted = 0;
    let more = false;
    for (;;) {
      const limit = Math.min(this.batch, this.maxPerPass - deleted);
      const ids = await this.#store.deleteFinishedRuns(before, limit);
      deleted += ids.length;
      this.#deleted += ids.length;
      if (ids.length > 0) this.#d.onDeleted?.(ids.length);
      if (ids.length < limit) break;
      if (deleted >= this.maxPerPass) {
        more = true;
        break;
      }
      await new Promise<void>((r) => setImmediate(r));
    }
    if (deleted > 0) {
      this.#log(`kairos: history retention deleted ${deleted} run(s) that ended before ${new Date(before).toISOString()}${more ? ` (more next pass, in ${Math.round(this.everyMs / 1000)} s)` : ''}`);
    }
    return (this.#last = { at, before, deleted, more });
  }

  #log(line: string): void {
    (this.#d.log ?? ((l: string) => process.stderr.write(l + '\n')))(line);
  }
}
