/**
 * Adaptive concurrency (issue 7, "Adaptive concurrency"): the contract every controller meets.
 *
 *   const c = new GradientLimiter({ objective: { p95TargetMs: 500, maxErrorRate: 0.05 } });
 *   c.observe({ latencyMs, ok, inflight, atMs });   // one finished task of the pool
 *   pool.setConcurrency(c.limit);                   // the caller applies the limit
 *   c.decisions                                     // every change, with its reason
 *
 * Samples are folded into windows (see window.ts); the controller decides once per closed window,
 * so its cost is O(1) per sample plus O(w log w) per window of w samples (the p95).
 * Pure: no clock, no randomness, no I/O; time comes in as `atMs`.
 */

/** One finished task (attempt) of the pool. */
export interface ConcurrencySample {
  /** Its latency (dispatch to end, or whatever the caller measures consistently), ms >= 0. */
  readonly latencyMs: number;
  /** False for a failure that should count against the error-rate objective. */
  readonly ok: boolean;
  /** Tasks of the pool in flight when it finished (including itself), >= 0. */
  readonly inflight: number;
  /** When it finished, on the caller's clock (ms). */
  readonly atMs: number;
}

/** What the controller aims for: highest throughput with these held. */
export interface ConcurrencyObjective {
  /** p95 latency of a window must stay at or under this (ms). Default Infinity (no target). */
  readonly p95TargetMs?: number;
  /** Failures / samples of a window must stay at or under this, in [0, 1]. Default 0.05. */
  readonly maxErrorRate?: number;
}

/** Statistics of one closed window of samples. Latency figures count successful samples only. */
export interface WindowStats {
  readonly startMs: number;
  readonly endMs: number;
  readonly samples: number;
  readonly errors: number;
  readonly errorRate: number;
  /** Mean / p95 latency of the successful samples (NaN when there are none). */
  readonly meanMs: number;
  readonly p95Ms: number;
  readonly maxInflight: number;
}

/** Which rule moved (or held) the limit. */
export type DecisionRule =
  | 'errors'
  | 'latency-target'
  | 'gradient'
  | 'increase'
  | 'app-limited'
  | 'no-latency'
  | 'warm-up';

/** One change of the limit. */
export interface Decision {
  readonly at: number;
  readonly from: number;
  readonly to: number;
  readonly rule: DecisionRule;
  /** Human-readable, with the numbers that drove it, e.g. `latency gradient 0.62 < 1 (...): decrease`. */
  readonly reason: string;
  readonly window: WindowStats;
}

export interface ConcurrencyController {
  /** 'gradient' or 'aimd'. */
  readonly kind: string;
  /**
   * Folds in one finished task. Returns false, changing nothing, for an invalid sample (a latency
   * or inflight that is not a finite number >= 0, a non-finite time, ok not a boolean).
   */
  observe(sample: ConcurrencySample): boolean;
  /** The concurrency limit to apply now: an integer in [minLimit, maxLimit]. */
  readonly limit: number;
  /** Changes of `limit`, oldest first (the most recent `maxDecisions` are kept). */
  readonly decisions: readonly Decision[];
  /** Why the limit is what it is after the latest window (also when it did not change). */
  readonly lastReason: string;
  /** Windows closed so far. */
  readonly windows: number;
}

/** Settings every controller shares. */
export interface CommonControllerOptions {
  readonly objective?: ConcurrencyObjective;
  /** Default 10. */
  readonly initialLimit?: number;
  /** Default 1. */
  readonly minLimit?: number;
  /** Default 1,000. */
  readonly maxLimit?: number;
  /** A window closes after this many samples (default 20). */
  readonly windowSamples?: number;
  /** ... or after this long since it opened, when it has `minWindowSamples` (default 60,000 ms). */
  readonly maxWindowMs?: number;
  /** Default 5. */
  readonly minWindowSamples?: number;
  /** A window whose largest inflight is under `appLimitedRatio x limit` does not raise the limit (default 0.5). */
  readonly appLimitedRatio?: number;
  /** Multiplier applied when a window's error rate exceeds the objective (default 0.5). */
  readonly errorBackoff?: number;
  /** Multiplier applied when a window's p95 exceeds the target (default 0.9). */
  readonly latencyBackoff?: number;
  /** Decisions kept (default 1,000). */
  readonly maxDecisions?: number;
}

export type ResolvedCommon = Required<Omit<CommonControllerOptions, 'objective'>> & {
  readonly objective: Required<ConcurrencyObjective>;
};

export const COMMON_DEFAULTS: ResolvedCommon = Object.freeze({
  objective: Object.freeze({ p95TargetMs: Infinity, maxErrorRate: 0.05 }),
  initialLimit: 10,
  minLimit: 1,
  maxLimit: 1000,
  windowSamples: 20,
  maxWindowMs: 60_000,
  minWindowSamples: 5,
  appLimitedRatio: 0.5,
  errorBackoff: 0.5,
  latencyBackoff: 0.9,
  maxDecisions: 1000,
});

export function resolveCommon(o: CommonControllerOptions): ResolvedCommon {
  const d = COMMON_DEFAULTS;
  const objective = {
    p95TargetMs: o.objective?.p95TargetMs ?? d.objective.p95TargetMs,
    maxErrorRate: o.objective?.maxErrorRate ?? d.objective.maxErrorRate,
  };
  const r: ResolvedCommon = {
    objective,
    initialLimit: o.initialLimit ?? d.initialLimit,
    minLimit: o.minLimit ?? d.minLimit,
    maxLimit: o.maxLimit ?? d.maxLimit,
    windowSamples: o.windowSamples ?? d.windowSamples,
    maxWindowMs: o.maxWindowMs ?? d.maxWindowMs,
    minWindowSamples: o.minWindowSamples ?? d.minWindowSamples,
    appLimitedRatio: o.appLimitedRatio ?? d.appLimitedRatio,
    errorBackoff: o.errorBackoff ?? d.errorBackoff,
    latencyBackoff: o.latencyBackoff ?? d.latencyBackoff,
    maxDecisions: o.maxDecisions ?? d.maxDecisions,
  };
  if (!(objective.p95TargetMs > 0)) throw new RangeError(`objective.p95TargetMs must be > 0 (got ${objective.p95TargetMs})`);
  if (!(objective.maxErrorRate >= 0 && objective.maxErrorRate <= 1)) throw new RangeError(`objective.maxErrorRate must be in [0, 1] (got ${objective.maxErrorRate})`);
  if (!(Number.isInteger(r.minLimit) && r.minLimit >= 1)) throw new RangeError(`minLimit must be an integer >= 1 (got ${r.minLimit})`);
  if (!(Number.isInteger(r.maxLimit) && r.maxLimit >= r.minLimit)) throw new RangeError(`maxLimit must be an integer >= minLimit (got ${r.maxLimit})`);
  if (!(r.initialLimit >= r.minLimit && r.initialLimit <= r.maxLimit)) throw new RangeError(`initialLimit must be in [minLimit, maxLimit] (got ${r.initialLimit})`);
  if (!(Number.isInteger(r.windowSamples) && r.windowSamples >= 1)) throw new RangeError(`windowSamples must be an integer >= 1 (got ${r.windowSamples})`);
  if (!(Number.isInteger(r.minWindowSamples) && r.minWindowSamples >= 1 && r.minWindowSamples <= r.windowSamples)) {
    throw new RangeError(`minWindowSamples must be an integer in [1, windowSamples] (got ${r.minWindowSamples})`);
  }
  if (!(r.maxWindowMs > 0)) throw new RangeError(`maxWindowMs must be > 0 (got ${r.maxWindowMs})`);
  if (!(r.appLimitedRatio >= 0 && r.appLimitedRatio <= 1)) throw new RangeError(`appLimitedRatio must be in [0, 1] (got ${r.appLimitedRatio})`);
  if (!(r.errorBackoff > 0 && r.errorBackoff < 1)) throw new RangeError(`errorBackoff must be in (0, 1) (got ${r.errorBackoff})`);
  if (!(r.latencyBackoff > 0 && r.latencyBackoff < 1)) throw new RangeError(`latencyBackoff must be in (0, 1) (got ${r.latencyBackoff})`);
  if (!(Number.isInteger(r.maxDecisions) && r.maxDecisions >= 1)) throw new RangeError(`maxDecisions must be an integer >= 1 (got ${r.maxDecisions})`);
  return r;
}

export function isValidSample(s: ConcurrencySample): boolean {
  return (
    s !== null && typeof s === 'object' &&
    typeof s.latencyMs === 'number' && Number.isFinite(s.latencyMs) && s.latencyMs >= 0 &&
    typeof s.inflight === 'number' && Number.isFinite(s.inflight) && s.inflight >= 0 &&
    typeof s.atMs === 'number' && Number.isFinite(s.atMs) &&
    typeof s.ok === 'boolean'
  );
}

/** Formats a number for a reason string: 3 significant digits, no exponent for ordinary values. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}
