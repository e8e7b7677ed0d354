/**
 * The engine's settings tuners in one place (`engine.selfTuning`): adaptive concurrency (its
 * controller lives on the engine), priority shares (`autoShares`, share-tuning.ts) and the
 * what-if policy switch (whatif-auto.ts, started by its owner), with the ring of their recent
 * decisions. Every decision goes through the engine's `tuning` event; this object listens to it,
 * so the log also holds decisions emitted by code outside the engine.
 */
import type { Placement } from '../sched/types.js';
import type { Engine } from './engine.js';
import type { ResolvedEngineOptions } from './engine-options.js';
import { ShareTuning, type ShareTuningState } from './share-tuning.js';
import { fromConcurrency, TuningLog } from './tuning-log.js';
import { createConcurrencyController, type ConcurrencyController } from '../learn/concurrency/index.js';

/** What the what-if auto mode reports about itself (whatif-auto.ts implements it). */
export interface PolicyTunerView {
  state(): Record<string, unknown>;
}

export interface ConcurrencyState {
  readonly enabled: boolean;
  readonly kind: string | null;
  readonly limit: number;
  readonly windows: number;
  readonly lastReason: string | null;
  readonly changes: number;
}

export interface SelfTuningState {
  readonly concurrency: ConcurrencyState;
  readonly shares: ShareTuningState | { readonly enabled: false; readonly shares: Readonly<Record<string, number>> | null };
  readonly policy: Record<string, unknown>;
}

export class SelfTuning {
  readonly log = new TuningLog(500);
  readonly shares: ShareTuning | null;
  /** Set by the what-if auto mode when it starts (whatif-auto.ts). */
  policy: PolicyTunerView | null = null;

  constructor(readonly engine: Engine, o: ResolvedEngineOptions) {
    this.shares = o.autoShares === null ? null : new ShareTuning(o.autoShares, engine.scheduler, (c) => engine.configureScheduler(c), (d) => engine.emit('tuning', d));
    engine.on('tuning', (d) => this.log.push(d));
  }

  /**
   * The task flow's `onAttemptEnd` when `autoConcurrency` is on (null otherwise): every finished
   * attempt feeds the controller of its pool (latency from start, success, attempts in flight),
   * its limit is applied at once, and each change is a `tuning` decision. Embedded: one pool, the
   * local worker, whose limit is the engine's `concurrency`. With remote workers: one controller
   * per pool, created at the pool's first finished attempt, capping the pool's total slots
   * (worker-capacity.ts splits the limit over its workers).
   */
  concurrencyFeed(): ((latencyMs: number, ok: boolean, now: number, worker: string | null) => void) | null {
    const e = this.engine;
    const c = e.concurrencyController;
    if (c === null) return null;
    if (e.options.broker !== null) return (latencyMs, ok, now, worker) => this.#poolFeed(latencyMs, ok, now, worker);
    return (latencyMs, ok, now) => {
      const before = c.decisions.length;
      c.observe({ latencyMs, ok, inflight: e.scheduler.runningCount, atMs: now });
      if (c.limit !== e.concurrency) e.setConcurrency(c.limit);
      if (c.decisions.length !== before) e.emit('tuning', fromConcurrency(c.decisions[c.decisions.length - 1]!));
    };
  }

  /** Per-pool controllers (remote workers), by pool name. */
  readonly pools = new Map<string, ConcurrencyController>();

  #poolFeed(latencyMs: number, ok: boolean, now: number, worker: string | null): void {
    const e = this.engine;
    const pool = worker === null ? undefined : e.workers.real(worker)?.pool;
    if (pool === undefined) return; // the worker left: its pool is fed by the next attempts
    let c = this.pools.get(pool);
    if (c === undefined) {
      // Starts at the pool's registered slots (as the local limit starts at `concurrency`).
      const spec = e.options.autoConcurrency!;
      const initialLimit = Math.min(Math.max(e.workers.poolSlots(pool), spec.minLimit ?? 1), spec.maxLimit ?? 1000);
      c = createConcurrencyController({ ...spec, initialLimit });
      this.pools.set(pool, c);
    }
    let inflight = 0;
    for (const w of e.scheduler.workers()) if (w.pool === pool) inflight += e.scheduler.allocated(w.id).slots ?? 0;
    const before = c.decisions.length;
    c.observe({ latencyMs, ok, inflight, atMs: now });
    if (c.decisions.length === before) return;
    e.workers.setPoolLimit(pool, c.limit);
    const d = fromConcurrency(c.decisions[c.decisions.length - 1]!);
    e.emit('tuning', { ...d, reason: `pool ${pool}: ${d.reason}` });
  }

  /** Hook: after each scheduling round of the engine's tick. */
  onRound(now: number, placements: readonly Placement[]): void {
    if (this.shares !== null) this.shares.onRound(now, placements);
  }

  state(): SelfTuningState {
    const e = this.engine;
    const c = e.concurrencyController;
    const config = e.scheduler.config;
    const wrrShares = config.policy === 'wrr' ? (((config.settings ?? {})['shares'] ?? null) as Record<string, number> | null) : null;
    return {
      concurrency: {
        enabled: c !== null,
        kind: c?.kind ?? null,
        limit: e.concurrency,
        windows: c?.windows ?? 0,
        lastReason: c === null || c.windows === 0 ? null : c.lastReason,
        changes: c?.decisions.length ?? 0,
      },
      shares: this.shares !== null ? this.shares.state() : { enabled: false, shares: wrrShares },
      policy: this.policy !== null ? this.policy.state() : { enabled: false, current: config.policy },
    };
  }
}
