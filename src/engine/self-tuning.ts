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
   * attempt feeds the controller (latency from start, success, attempts in flight), its limit is
   * applied to the local worker at once, and each change is a `tuning` decision.
   */
  concurrencyFeed(): ((latencyMs: number, ok: boolean, now: number) => void) | null {
    const e = this.engine;
    const c = e.concurrencyController;
    if (c === null) return null;
    return (latencyMs, ok, now) => {
      const before = c.decisions.length;
      c.observe({ latencyMs, ok, inflight: e.scheduler.runningCount, atMs: now });
      if (c.limit !== e.concurrency) e.setConcurrency(c.limit);
      if (c.decisions.length !== before) e.emit('tuning', fromConcurrency(c.decisions[c.decisions.length - 1]!));
    };
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
