/**
 * Gradient limiter, after Netflix concurrency-limits' Gradient2Limit, decided once per window.
 *
 * Per closed window (short = the window's mean latency of successful samples):
 *   1. objective rules (window.ts): error rate over the bound -> x errorBackoff; p95 over the
 *      target -> x latencyBackoff;
 *   2. the long-window baseline `long` (an exponential average over ~`longWindow` windows; the
 *      plain average of the first `warmupWindows`) is updated — see "baseline" below;
 *   3. app-limited (largest inflight < appLimitedRatio x limit): hold — a window that did not
 *      use the limit says nothing about a higher one;
 *   4. gradient = clamp(rttTolerance x long / short, 0.5, 1); target = limit x gradient +
 *      queueSize; limit = limit x (1 - smoothing) + target x smoothing.
 *      While latency stays within `rttTolerance` of the baseline the gradient is 1 and the limit
 *      grows by `smoothing x queueSize` per window (x `slowStart` per window until the first
 *      congested window, as TCP's slow start); past the knee, latency rises, the gradient
 *      falls under 1 and the limit shrinks (at most ~10% per window with the defaults).
 *
 * Baseline: Gradient2 feeds every window into the long average, so while the limit sits past the
 * knee the baseline drifts up and the limit creeps up with it (measured: without a p95 target it
 * crept to 1.25x the knee and doubled the latency in bench/learn/concurrency-sim.ts). Here a
 * window moves the long average down whenever its latency is lower, but up only when the window
 * was app-limited or taken at the minimum limit — latency we cannot be causing, so a service that
 * became slower for good is re-learned there (the limit first shrinks to the minimum, then the
 * baseline rises and the limit grows again). The baseline therefore sits near the low end of the
 * window means (~10% under their median with 20-sample windows of +-20% noise). Like Gradient2,
 * a long average more than twice the short one also decays 5% per window.
 */
import { fmt, type CommonControllerOptions, type WindowStats } from './types.js';
import { LimiterBase, type WindowVerdict } from './window.js';

export interface GradientOptions extends CommonControllerOptions {
  /** Weight of the new target in the limit per window (default 0.2). */
  readonly smoothing?: number;
  /** Latency up to this multiple of the baseline counts as no queueing (default 1.5). */
  readonly rttTolerance?: number;
  /** Headroom added to the target each window, in tasks (default 4). */
  readonly queueSize?: number;
  /** Windows the long average spans (EMA weight 2 / (n + 1); default 30). */
  readonly longWindow?: number;
  /** Windows averaged plainly before the EMA starts (default 3). */
  readonly warmupWindows?: number;
  /**
   * Slow start: until the first window that is congested (gradient < 1) or breaks the objective,
   * a healthy window multiplies the limit by this instead of adding the queue allowance
   * (default 1.25; 1 turns it off).
   */
  readonly slowStart?: number;
}

export const GRADIENT_DEFAULTS = Object.freeze({
  smoothing: 0.2,
  rttTolerance: 1.25,
  queueSize: 2,
  longWindow: 30,
  warmupWindows: 3,
  slowStart: 1,
});

export class GradientLimiter extends LimiterBase {
  readonly kind = 'gradient';
  readonly smoothing: number;
  readonly rttTolerance: number;
  readonly queueSize: number;
  readonly longWindow: number;
  readonly warmupWindows: number;
  readonly slowStart: number;
  #inSlowStart: boolean;
  #long = NaN;
  #longCount = 0;

  constructor(o: GradientOptions = {}) {
    super(o);
    const d = GRADIENT_DEFAULTS;
    this.smoothing = o.smoothing ?? d.smoothing;
    this.rttTolerance = o.rttTolerance ?? d.rttTolerance;
    this.queueSize = o.queueSize ?? d.queueSize;
    this.longWindow = o.longWindow ?? d.longWindow;
    this.warmupWindows = o.warmupWindows ?? d.warmupWindows;
    this.slowStart = o.slowStart ?? d.slowStart;
    this.#inSlowStart = this.slowStart > 1;
    if (!(this.smoothing > 0 && this.smoothing <= 1)) throw new RangeError(`smoothing must be in (0, 1] (got ${this.smoothing})`);
    if (!(this.rttTolerance >= 1 && Number.isFinite(this.rttTolerance))) throw new RangeError(`rttTolerance must be a number >= 1 (got ${this.rttTolerance})`);
    if (!(this.queueSize >= 0 && Number.isFinite(this.queueSize))) throw new RangeError(`queueSize must be a number >= 0 (got ${this.queueSize})`);
    if (!(this.longWindow >= 1 && Number.isFinite(this.longWindow))) throw new RangeError(`longWindow must be a number >= 1 (got ${this.longWindow})`);
    if (!(Number.isInteger(this.warmupWindows) && this.warmupWindows >= 1)) throw new RangeError(`warmupWindows must be an integer >= 1 (got ${this.warmupWindows})`);
    if (!(this.slowStart >= 1 && this.slowStart <= 10)) throw new RangeError(`slowStart must be in [1, 10] (got ${this.slowStart})`);
  }

  /** True until the first congested window (see `slowStart`). */
  get inSlowStart(): boolean {
    return this.#inSlowStart;
  }

  /** The long-window latency baseline (ms); NaN before the first window with a latency. */
  get longMs(): number {
    return this.#long;
  }

  protected onWindow(w: WindowStats, est: number): WindowVerdict {
    const obj = this.objectiveRules(w, est);
    const short = w.meanMs;
    if (short >= 0) this.#learn(w, short, est);
    if (obj !== null) {
      this.#inSlowStart = false;
      return obj;
    }
    if (this.#longCount < this.warmupWindows) {
      return { next: est, rule: 'warm-up', reason: `warm-up: baseline from ${this.#longCount}/${this.warmupWindows} windows (long ${fmt(this.#long)} ms): hold` };
    }
    const idle = this.appLimited(w, est);
    if (idle !== null) return idle;
    const long = this.#long;
    // short > 0 here: a zero mean latency (all samples 0 ms) means no queueing at all.
    const raw = short > 0 ? (this.rttTolerance * long) / short : 1;
    const gradient = Math.max(0.5, Math.min(1, raw));
    const target = est * gradient + this.queueSize;
    const next = est * (1 - this.smoothing) + target * this.smoothing;
    const detail = `(short ${fmt(short)} ms, long ${fmt(long)} ms x tolerance ${fmt(this.rttTolerance)})`;
    if (gradient < 1) {
      this.#inSlowStart = false;
      return { next, rule: 'gradient', reason: `latency gradient ${fmt(gradient)} < 1 ${detail}: ${next < est ? 'decrease' : 'hold near'} ${fmt(next)}` };
    }
    if (this.#inSlowStart) {
      const grown = Math.max(next, est * this.slowStart);
      return { next: grown, rule: 'increase', reason: `latency gradient 1 ${detail}: slow start x${fmt(this.slowStart)} to ${fmt(grown)}` };
    }
    return { next, rule: 'increase', reason: `latency gradient 1 ${detail}: increase by queue allowance to ${fmt(next)}` };
  }

  #learn(w: WindowStats, short: number, est: number): void {
    if (this.#longCount < this.warmupWindows) {
      this.#long = this.#longCount === 0 ? short : (this.#long * this.#longCount + short) / (this.#longCount + 1);
      this.#longCount++;
      return;
    }
    // Down at once; up only by noise-sized steps, or when the latency cannot be ours (see top).
    const atMin = est <= this.common.minLimit;
    const idle = w.maxInflight < this.common.appLimitedRatio * est;
    const near = short <= this.#long * (1 + (this.rttTolerance - 1) / 2);
    if (near || atMin || idle) {
      const a = 2 / (this.longWindow + 1);
      this.#long += a * (short - this.#long);
      this.#longCount++;
    }
    if (this.#long > 2 * short) this.#long *= 0.95;
  }
}
