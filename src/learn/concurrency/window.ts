/**
 * Sample windows and the bookkeeping both limiters share (limit clamping, decision log).
 *
 * A window closes when it holds `windowSamples` samples, or when `maxWindowMs` has passed since
 * its first sample and it holds at least `minWindowSamples` (a slow pool still gets decisions).
 * Its statistics: sample and error counts, mean and p95 (nearest rank) latency of the successful
 * samples (a failure is often fast — a refused connection — and would make latency look good),
 * and the largest inflight seen (for the app-limited test).
 */
import {
  fmt,
  isValidSample,
  resolveCommon,
  type CommonControllerOptions,
  type ConcurrencyController,
  type ConcurrencySample,
  type Decision,
  type DecisionRule,
  type ResolvedCommon,
  type WindowStats,
} from './types.js';

export class SampleWindow {
  #startMs = NaN;
  #endMs = NaN;
  #samples = 0;
  #errors = 0;
  #maxInflight = 0;
  readonly #okLatencies: number[] = [];

  get samples(): number {
    return this.#samples;
  }
  get startMs(): number {
    return this.#startMs;
  }

  add(s: ConcurrencySample): void {
    if (this.#samples === 0) this.#startMs = s.atMs;
    this.#endMs = this.#samples === 0 ? s.atMs : Math.max(this.#endMs, s.atMs);
    this.#samples++;
    if (s.inflight > this.#maxInflight) this.#maxInflight = s.inflight;
    if (s.ok) this.#okLatencies.push(s.latencyMs);
    else this.#errors++;
  }

  /** Statistics of the samples so far; resets the window. */
  close(): WindowStats {
    const lat = this.#okLatencies.sort((a, b) => a - b);
    let sum = 0;
    for (const x of lat) sum += x;
    const n = lat.length;
    const stats: WindowStats = {
      startMs: this.#startMs,
      endMs: this.#endMs,
      samples: this.#samples,
      errors: this.#errors,
      errorRate: this.#samples > 0 ? this.#errors / this.#samples : 0,
      meanMs: n > 0 ? sum / n : NaN,
      // Nearest rank: the smallest value with at least 95% of the values at or under it.
      p95Ms: n > 0 ? lat[Math.min(n - 1, Math.ceil(0.95 * n) - 1)]! : NaN,
      maxInflight: this.#maxInflight,
    };
    this.#startMs = NaN;
    this.#endMs = NaN;
    this.#samples = 0;
    this.#errors = 0;
    this.#maxInflight = 0;
    lat.length = 0;
    return stats;
  }
}

/** What a limiter's window rule returns: the new (real-valued) estimate and why. */
export interface WindowVerdict {
  readonly next: number;
  readonly rule: DecisionRule;
  readonly reason: string;
}

/**
 * The shared part of a limiter: windows, the real-valued estimate, clamping to [min, max], the
 * integer `limit` (floor of the estimate, as in concurrency-limits) and the decision log.
 */
export abstract class LimiterBase implements ConcurrencyController {
  abstract readonly kind: string;
  readonly common: ResolvedCommon;
  readonly #window = new SampleWindow();
  #estimate: number;
  #limit: number;
  readonly #decisions: Decision[] = [];
  #lastReason = 'initial limit';
  #windows = 0;

  constructor(o: CommonControllerOptions) {
    this.common = resolveCommon(o);
    this.#estimate = this.common.initialLimit;
    this.#limit = this.#toLimit(this.#estimate);
  }

  get limit(): number {
    return this.#limit;
  }
  /** The real-valued limit the integer `limit` is the floor of. */
  get estimate(): number {
    return this.#estimate;
  }
  get decisions(): readonly Decision[] {
    return this.#decisions;
  }
  get lastReason(): string {
    return this.#lastReason;
  }
  get windows(): number {
    return this.#windows;
  }

  observe(sample: ConcurrencySample): boolean {
    if (!isValidSample(sample)) return false;
    const w = this.#window;
    w.add(sample);
    const c = this.common;
    if (w.samples >= c.windowSamples || (w.samples >= c.minWindowSamples && sample.atMs - w.startMs >= c.maxWindowMs)) {
      this.#decide(w.close());
    }
    return true;
  }

  /** The rule of this limiter for one closed window; `estimate` is the current real-valued limit. */
  protected abstract onWindow(w: WindowStats, estimate: number): WindowVerdict;

  /** The objective rules both limiters apply first: errors, then the p95 target. */
  protected objectiveRules(w: WindowStats, estimate: number): WindowVerdict | null {
    const c = this.common;
    const o = c.objective;
    if (w.errorRate > o.maxErrorRate) {
      return {
        next: estimate * c.errorBackoff,
        rule: 'errors',
        reason: `error rate ${w.errors}/${w.samples} = ${fmt(100 * w.errorRate)}% > ${fmt(100 * o.maxErrorRate)}%: x${fmt(c.errorBackoff)}`,
      };
    }
    if (!(w.p95Ms >= 0)) return { next: estimate, rule: 'no-latency', reason: 'no successful sample in the window: hold' };
    if (w.p95Ms > o.p95TargetMs) {
      return {
        next: estimate * c.latencyBackoff,
        rule: 'latency-target',
        reason: `p95 ${fmt(w.p95Ms)} ms > target ${fmt(o.p95TargetMs)} ms: x${fmt(c.latencyBackoff)}`,
      };
    }
    return null;
  }

  /** Whether the window was app-limited (too little in flight to learn anything about a higher limit). */
  protected appLimited(w: WindowStats, estimate: number): WindowVerdict | null {
    const r = this.common.appLimitedRatio;
    if (w.maxInflight >= r * estimate) return null;
    return {
      next: estimate,
      rule: 'app-limited',
      reason: `app-limited: max inflight ${fmt(w.maxInflight)} < ${fmt(r)} x limit ${fmt(estimate)}: hold`,
    };
  }

  #decide(w: WindowStats): void {
    this.#windows++;
    const v = this.onWindow(w, this.#estimate);
    const c = this.common;
    const next = Number.isFinite(v.next) ? Math.min(c.maxLimit, Math.max(c.minLimit, v.next)) : this.#estimate;
    this.#estimate = next;
    const from = this.#limit;
    const to = this.#toLimit(next);
    this.#lastReason = v.reason;
    if (to === from) return;
    this.#limit = to;
    this.#decisions.push({ at: w.endMs, from, to, rule: v.rule, reason: v.reason, window: w });
    if (this.#decisions.length > c.maxDecisions) this.#decisions.splice(0, this.#decisions.length - c.maxDecisions);
  }

  #toLimit(estimate: number): number {
    const c = this.common;
    return Math.min(c.maxLimit, Math.max(c.minLimit, Math.floor(estimate + 1e-9)));
  }
}
