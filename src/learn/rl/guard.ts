/**
 * Guards around the learned policy (issue 4, "Live"): a fallback heuristic runs beside it, fed the
 * same enqueue/remove/allocated calls so it can take over at any round boundary without losing a
 * task. The guard switches to the fallback when
 *   - the model is missing or incompatible (permanently: nothing to return to),
 *   - the network returns a non-finite score (mid-round: the learned round ends, the fallback's
 *     round starts),
 *   - one decision exceeds the latency budget, timed with an injected `timer` (the engine passes
 *     performance.now; the simulator passes none, so the budget is off in virtual time),
 *   - the learned policy does worse live than the fallback would have (regret by replay): the
 *     engine's replay loop (src/engine/learned-regret.ts) sets `regret.engaged`; the guard reads
 *     it at the next round boundary and stays on the fallback, whatever the cooldown, until the
 *     loop clears it (the hysteresis is the loop's: src/learn/rl/regret-guard.ts),
 * and returns to the learned policy after `cooldownRounds` rounds. Every fallback and return is
 * counted in `GuardStats` and reported to `onEvent` (the engine logs it).
 */
import type { Policy, PlacementChoice, PlacementOption } from '../../sched/policy.js';
import type { SchedTask } from '../../sched/types.js';
import type { WaitReason } from '../../core/wait-reason.js';

export type FallbackReason = 'model' | 'non-finite' | 'latency' | 'regret';

/**
 * The regret-by-replay switch, shared between the engine's replay loop (writer) and the guard
 * (reader, once per round): plain data, so the replay never touches the policy mid-round.
 */
export interface RegretHold {
  engaged: boolean;
  /** Why (the replay's numbers), for the fallback or return event. */
  detail: string;
}

export function newRegretHold(): RegretHold {
  return { engaged: false, detail: '' };
}

export interface GuardEvent {
  readonly kind: 'fallback' | 'return';
  readonly reason: FallbackReason | null;
  readonly detail: string;
  /** Scheduler time of the round (ms). */
  readonly at: number;
}

/** Counters a caller may pass in (settings.stats) to read them back. */
export interface GuardStats {
  fallbacks: Record<FallbackReason, number>;
  returns: number;
  learnedDecisions: number;
  fallbackDecisions: number;
  active: 'learned' | 'fallback';
  last: GuardEvent | null;
}

export function newGuardStats(): GuardStats {
  return { fallbacks: { model: 0, 'non-finite': 0, latency: 0, regret: 0 }, returns: 0, learnedDecisions: 0, fallbackDecisions: 0, active: 'learned', last: null };
}

export interface GuardOptions {
  /** The learned policy, or the reason it could not be built (missing / incompatible model). */
  readonly learned: Policy | { readonly error: string };
  readonly fallback: Policy;
  readonly budgetMs: number;
  readonly timer?: () => number;
  readonly cooldownRounds: number;
  readonly stats: GuardStats;
  readonly onEvent?: (e: GuardEvent) => void;
  /** Regret-by-replay switch (the engine's); absent = no regret guard. */
  readonly regret?: RegretHold;
}

export class GuardedPolicy implements Policy {
  readonly name = 'learned';
  readonly #o: GuardOptions;
  readonly #learned: Policy | null;
  readonly #fb: Policy;
  #active: Policy;
  #resumeAtRound = Number.POSITIVE_INFINITY;
  #round = 0;
  #now = 0;

  constructor(o: GuardOptions) {
    this.#o = o;
    this.#fb = o.fallback;
    if ('error' in o.learned) {
      this.#learned = null;
      this.#active = this.#fb;
      this.#event('fallback', 'model', o.learned.error);
    } else {
      this.#learned = o.learned;
      this.#active = o.learned;
    }
  }

  get stats(): GuardStats {
    return this.#o.stats;
  }

  get size(): number {
    return this.#fb.size;
  }

  queueOf(t: SchedTask): string {
    return this.#active.queueOf(t);
  }

  enqueue(t: SchedTask): void {
    this.#learned?.enqueue(t);
    this.#fb.enqueue(t);
  }

  remove(key: string): void {
    this.#learned?.remove(key);
    this.#fb.remove(key);
  }

  #event(kind: GuardEvent['kind'], reason: FallbackReason | null, detail: string): void {
    const s = this.#o.stats;
    if (kind === 'fallback') s.fallbacks[reason!]++;
    else s.returns++;
    s.active = kind === 'fallback' ? 'fallback' : 'learned';
    s.last = { kind, reason, detail, at: this.#now };
    this.#o.onEvent?.(s.last);
  }

  #fallBack(reason: FallbackReason, detail: string): void {
    this.#active = this.#fb;
    this.#resumeAtRound = this.#round + this.#o.cooldownRounds;
    this.#event('fallback', reason, detail);
  }

  beginRound(now: number): void {
    this.#round++;
    this.#now = now;
    const hold = this.#o.regret;
    if (hold !== undefined && this.#learned !== null && hold.engaged !== this.#regretHeld) {
      this.#regretHeld = hold.engaged;
      if (hold.engaged) {
        // Counted even when another guard already had the fallback driving: from now on only the
        // replay loop brings the model back.
        this.#active = this.#fb;
        this.#resumeAtRound = Number.POSITIVE_INFINITY;
        this.#event('fallback', 'regret', hold.detail);
      } else {
        this.#active = this.#learned;
        this.#resumeAtRound = Number.POSITIVE_INFINITY;
        this.#event('return', null, hold.detail);
      }
    }
    if (this.#learned !== null && this.#active === this.#fb && !this.#regretHeld && this.#round >= this.#resumeAtRound) {
      this.#active = this.#learned;
      this.#event('return', null, `after ${this.#o.cooldownRounds} rounds on the fallback`);
    }
    this.#active.beginRound(now);
  }

  /** Called by the learned policy's onFault (wired in register.ts). */
  fault(detail: string): void {
    if (this.#active === this.#learned) this.#pendingFault = detail;
  }
  #pendingFault: string | null = null;
  #regretHeld = false;

  next(): SchedTask | undefined {
    const a = this.#active;
    if (a !== this.#learned) {
      const t = a.next();
      if (t) this.#o.stats.fallbackDecisions++;
      return t;
    }
    const timer = this.#o.timer;
    const t0 = timer ? timer() : 0;
    const t = a.next();
    const dt = timer ? timer() - t0 : 0;
    if (this.#pendingFault !== null) {
      const detail = this.#pendingFault;
      this.#pendingFault = null;
      a.endRound();
      this.#fallBack('non-finite', detail);
      this.#fb.beginRound(this.#now);
      return this.next();
    }
    if (t) this.#o.stats.learnedDecisions++;
    if (dt > this.#o.budgetMs) {
      // This decision stands (it is valid, only late); the next round runs on the fallback.
      this.#resumeAtRound = Number.NaN; // marker: switch at endRound
      this.#lateDetail = `decision took ${dt.toFixed(3)} ms > budget ${this.#o.budgetMs} ms`;
    }
    return t;
  }
  #lateDetail = '';

  placed(t: SchedTask, workerId: string): void {
    this.#active.placed(t, workerId);
    // The task left the queue: the policy not driving this round forgets it.
    if (this.#active === this.#fb) this.#learned?.remove(t.key);
    else this.#fb.remove(t.key);
  }

  blockQueue(q: string): void {
    this.#active.blockQueue(q);
  }

  endRound(): void {
    this.#active.endRound();
    if (Number.isNaN(this.#resumeAtRound) && this.#active === this.#learned) this.#fallBack('latency', this.#lateDetail);
  }

  heads(): SchedTask[] {
    return this.#active.heads();
  }

  allocated(t: SchedTask, sign: 1 | -1): void {
    this.#learned?.allocated(t, sign);
    this.#fb.allocated(t, sign);
  }

  /** The active policy's Score point, or none (the framework's best fit), read per placement. */
  get choosePlacement(): ((task: SchedTask, options: readonly PlacementOption[], now: number) => PlacementChoice) | undefined {
    const a = this.#active;
    const p = a.choosePlacement;
    return p ? (task, options, now) => p.call(a, task, options, now) : undefined;
  }

  explain(t: SchedTask): WaitReason | null {
    return this.#active.explain?.(t) ?? null;
  }
}
