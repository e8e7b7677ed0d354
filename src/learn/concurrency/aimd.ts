/**
 * AIMD limiter (additive increase, multiplicative decrease), after concurrency-limits' AIMDLimit,
 * decided once per window:
 *   - error rate over the objective's bound -> limit x errorBackoff (default 0.5: halve);
 *   - p95 over the objective's target       -> limit x latencyBackoff (default 0.9);
 *   - app-limited window                    -> hold;
 *   - otherwise                             -> limit + additiveIncrease (default 1).
 * It needs a p95 target to find a latency knee: without one only errors stop its growth.
 */
import { fmt, type CommonControllerOptions, type WindowStats } from './types.js';
import { LimiterBase, type WindowVerdict } from './window.js';

export interface AimdOptions extends CommonControllerOptions {
  /** Added per healthy, fully used window (default 1). */
  readonly additiveIncrease?: number;
}

export const AIMD_DEFAULTS = Object.freeze({ additiveIncrease: 1 });

export class AimdLimiter extends LimiterBase {
  readonly kind = 'aimd';
  readonly additiveIncrease: number;

  constructor(o: AimdOptions = {}) {
    super(o);
    this.additiveIncrease = o.additiveIncrease ?? AIMD_DEFAULTS.additiveIncrease;
    if (!(this.additiveIncrease > 0 && Number.isFinite(this.additiveIncrease))) {
      throw new RangeError(`additiveIncrease must be a number > 0 (got ${this.additiveIncrease})`);
    }
  }

  protected onWindow(w: WindowStats, est: number): WindowVerdict {
    const obj = this.objectiveRules(w, est);
    if (obj !== null) return obj;
    const idle = this.appLimited(w, est);
    if (idle !== null) return idle;
    const next = est + this.additiveIncrease;
    const target = this.common.objective.p95TargetMs;
    const why = Number.isFinite(target) ? `p95 ${fmt(w.p95Ms)} ms <= target ${fmt(target)} ms` : `p95 ${fmt(w.p95Ms)} ms, no target`;
    return { next, rule: 'increase', reason: `${why}, errors ${fmt(100 * w.errorRate)}%: +${fmt(this.additiveIncrease)}` };
  }
}
