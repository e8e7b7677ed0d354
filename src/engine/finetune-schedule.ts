/**
 * Scheduled online fine-tuning (issue 4, "Live"; off by default; engine/server option
 * `finetune`): every `every` (default 24 h) the leader reads the finished runs of the last
 * `since` (default 24 h) from the store and runs `kairos finetune`'s job (src/learn/rl/finetune.ts)
 * in a worker thread (finetune-thread.ts), so training never stops the engine's event loop. A
 * candidate that wins on the held-out replay is promoted (previous model kept as
 * `<name>.prev.json`); if the engine is serving `learned` from that model file, the policy is
 * reconfigured to load it (a fresh guard: its counters and regret switch restart with the new
 * model). Each outcome is a log line; a promotion is also a `tuning` decision (tuner `policy`,
 * action `promote`). Failures are logged and counted, never thrown into the engine (the timer,
 * busy guard and error path are periodic-task.ts's).
 */
import { resolve } from 'node:path';
import { KairosError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { learnedModelPath, paramsDigest, promoteModel, type FinetuneOptions } from '../learn/rl/finetune.js';
import { runFinetuneJobInThread, type FinetuneJob, type FinetuneJobResult } from '../learn/rl/finetune-thread.js';
import type { Engine } from './engine.js';
import { loadHistoryTrace } from './history-trace.js';
import { PeriodicTask } from './periodic-task.js';

export interface FinetuneScheduleOptions extends Pick<FinetuneOptions, 'iterations' | 'imitation' | 'seed' | 'holdout' | 'minGain' | 'episodeRuns' | 'minRuns'> {
  /** How often: ms or a duration. Default '24h'. */
  readonly every?: number | string;
  /** How far back the history goes: ms or a duration. Default '24h'. */
  readonly since?: number | string;
  /** The model file to fine-tune and replace. Default `<stateDir>/learned/model.json`. */
  readonly model?: string;
  /** Where to start when `model` does not exist yet. Default: the shipped model. */
  readonly base?: string;
  /** Most runs read. Default 5,000. */
  readonly maxRuns?: number;
}

export interface FinetuneScheduleDeps {
  readonly isLeader?: () => boolean;
  readonly log?: (line: string) => void;
  /** Runs the job; default: in a worker thread. Tests pass runFinetuneJob (this thread). */
  readonly run?: (job: FinetuneJob) => Promise<FinetuneJobResult>;
}

export interface FinetuneOutcome {
  readonly at: number;
  readonly runs: number;
  readonly promoted: boolean;
  readonly reloaded: boolean;
  readonly reason: string;
}

/** The last promotion or refusal as GET /tuning shows it (learned.finetune). */
export interface FinetuneEvent {
  readonly at: number;
  readonly runs: number;
  readonly reason: string;
}

function ms(field: string, v: number | string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const d = typeof v === 'number' ? { ok: true as const, value: v } : parseDuration(v);
  if (!d.ok || !(d.value > 0)) throw new KairosError('PARAM_INVALID', `finetune.${field}: must be a duration > 0 (got ${JSON.stringify(v)})`, { field: `finetune.${field}` });
  return d.value;
}

export class FinetuneSchedule {
  readonly everyMs: number;
  readonly sinceMs: number;
  readonly modelPath: string;
  readonly #o: FinetuneScheduleOptions;
  readonly #isLeader: () => boolean;
  readonly #log: (line: string) => void;
  readonly #run: (job: FinetuneJob) => Promise<FinetuneJobResult>;
  readonly #task: PeriodicTask<FinetuneOutcome | null>;
  #last: FinetuneOutcome | null = null;
  #lastPromotion: FinetuneEvent | null = null;
  /** The last candidate the held-out replay refused (or a history too small to train on). */
  #lastRefusal: FinetuneEvent | null = null;
  #lastError: { readonly at: number; readonly message: string } | null = null;
  #attempts = 0;
  #promotions = 0;
  #errors = 0;

  constructor(readonly engine: Engine, o: FinetuneScheduleOptions = {}, deps: FinetuneScheduleDeps = {}) {
    this.everyMs = ms('every', o.every, 24 * 3600_000);
    this.sinceMs = ms('since', o.since, 24 * 3600_000);
    this.modelPath = resolve(o.model ?? learnedModelPath(engine.options.stateDir));
    this.#o = o;
    this.#isLeader = deps.isLeader ?? (() => true);
    this.#log = deps.log ?? ((l) => process.stderr.write(l + '\n'));
    this.#run = deps.run ?? runFinetuneJobInThread;
    this.#task = new PeriodicTask({
      everyMs: this.everyMs,
      body: () => this.#runOnce(),
      onError: (err) => {
        this.#errors++;
        this.#lastError = { at: engine.options.clock.now(), message: err.message };
        this.#log(`kairos: scheduled fine-tuning failed (model unchanged): ${err.message}`);
      },
      now: () => engine.options.clock.now(),
    });
  }

  start(): this {
    this.#task.start();
    return this;
  }

  stop(): void {
    this.#task.stop();
  }

  /** One fine-tuning now (null when one is running, this server is not the leader, or it failed: logged, counted). Never rejects. */
  runOnce(): Promise<FinetuneOutcome | null> {
    return this.#task.run();
  }

  async #runOnce(): Promise<FinetuneOutcome | null> {
    if (!this.#isLeader()) return null;
    const e = this.engine;
    const now = e.options.clock.now();
    this.#attempts++;
    const trace = await loadHistoryTrace(e.options.store, { fromMs: now - this.sinceMs, toMs: now + 1, capacity: e.options.capacity, concurrency: e.concurrency, maxRuns: this.#o.maxRuns ?? 5000 });
    const { every: _e, since: _s, model: _m, base, maxRuns: _x, ...options } = this.#o;
    const { result, started } = await this.#run({ trace, modelPath: this.modelPath, ...(base !== undefined ? { base } : {}), options });
    let reloaded = false;
    if (result.promote) {
      const written = promoteModel(this.modelPath, started.previous, result.candidate);
      this.#promotions++;
      reloaded = this.#reload(paramsDigest(written));
      e.emit('tuning', { at: now, tuner: 'policy', action: 'promote', from: started.path, to: this.modelPath, reason: `fine-tuned on ${trace.runs.length} runs: ${result.reason}` });
    }
    const reason = `fine-tuning on ${trace.runs.length} runs of the last ${Math.round(this.sinceMs / 60_000)} min: ${result.reason}${reloaded ? '; the live learned policy now uses it' : ''}`;
    this.#log(`kairos: ${reason}`);
    const event: FinetuneEvent = { at: now, runs: trace.runs.length, reason };
    if (result.promote) this.#lastPromotion = event;
    else this.#lastRefusal = event;
    return (this.#last = { at: now, runs: trace.runs.length, promoted: result.promote, reloaded, reason });
  }

  /** Makes a live `learned` policy serving this model file load the new one. */
  #reload(digest: string): boolean {
    const e = this.engine;
    const c = e.scheduler.config;
    const s = (c.settings ?? {}) as Record<string, unknown>;
    if (c.policy !== 'learned' || typeof s['model'] !== 'string' || resolve(s['model']) !== this.modelPath) return false;
    // Same path, new contents: a changed `modelRevision` makes the scheduler rebuild the policy
    // (it compares settings), and saveModel already dropped the path from the model cache.
    e.configureScheduler({ ...c, settings: { ...s, modelRevision: digest } });
    return true;
  }

  /** The state GET /tuning shows (learned.finetune). */
  state(): Record<string, unknown> {
    const l = this.#last;
    return {
      enabled: true,
      everyMs: this.everyMs,
      sinceMs: this.sinceMs,
      model: this.modelPath,
      attempts: this.#attempts,
      promotions: this.#promotions,
      errors: this.#errors,
      lastAt: l?.at ?? null,
      lastReason: l?.reason ?? null,
      lastPromotion: this.#lastPromotion,
      lastRefusal: this.#lastRefusal,
      lastError: this.#lastError,
      running: this.#task.running,
      nextAt: this.#task.nextAt,
    };
  }
}
