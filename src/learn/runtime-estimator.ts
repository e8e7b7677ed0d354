/**
 * The runtime model of ONE key (a task signature, a signature prefix, or everything): a decaying
 * log-scale histogram for the quantiles, decayed mean/variance of the runtime for the mean, and
 * optional per-feature log-log regressions. All share one decay clock,
 *
 *     tau = observationIndex / halfLifeObservations + atMs / halfLifeMs      (in half-lives),
 *
 * so an observation counts half as much as a fresh one after `halfLifeObservations` newer
 * observations of the same key OR after `halfLifeMs` of time, whichever comes first in effect
 * (they multiply). Either half-life may be Infinity to switch that decay off. O(1) amortised per
 * observation; memory bounded by the histogram's bucket count plus MAX_FEATURES regressions.
 */
import { DecayedHistogram, type DecayedHistogramJSON } from './decayed-histogram.js';
import { DecayedMoments, type DecayedMomentsJSON } from './decayed-moments.js';
import { LogRegression, type LogRegressionJSON } from './log-regression.js';

/** Regressions kept per key; further feature names are ignored (bounded memory). */
export const MAX_FEATURES = 4;

export interface DecayConfig {
  readonly halfLifeObservations: number;
  readonly halfLifeMs: number;
  /** Effective samples a regression needs before it may be used. */
  readonly minRegressionCount: number;
  /** Fraction of the log-variance a regression must explain to be used instead of the histogram. */
  readonly minRegressionR2: number;
}

export type RuntimeFeatures = Readonly<Record<string, number>>;

export interface Estimate {
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  /** Observations ever folded in (not decayed). */
  readonly count: number;
  /** Decayed sample size: the total weight relative to the newest observation's. */
  readonly effectiveCount: number;
  /** `regression` when a feature fit was used, else `histogram`. */
  readonly model: 'histogram' | 'regression';
  /** Feature the regression used, when `model` is `regression`. */
  readonly feature?: string;
}

export interface RuntimeEstimatorJSON {
  readonly count: number;
  readonly lastTau: number;
  readonly lastAtMs: number;
  readonly hist: DecayedHistogramJSON;
  readonly moments: DecayedMomentsJSON;
  readonly regressions: readonly (readonly [string, LogRegressionJSON])[];
}

/** Standard normal quantiles for the log-normal residual of a regression. */
const Z = { p50: 0, p90: 1.2815515655446004, p99: 2.3263478740408408 } as const;

export class RuntimeEstimator {
  #hist = new DecayedHistogram();
  #moments = new DecayedMoments();
  /** Made on the first observation with features (most keys never get one: an allocation saved per key). */
  #regs: Map<string, LogRegression> | null = null;
  #count = 0;
  #lastTau = 0;
  #lastAtMs = 0;
  /**
   * What a caller derived from this estimator (RuntimePredictor.memoOf): kept until the next
   * observation or reset, so the derived answer is never older than what was learned. Not persisted.
   */
  memo: unknown = undefined;

  get count(): number {
    return this.#count;
  }
  get lastAtMs(): number {
    return this.#lastAtMs;
  }
  /** Decayed stdev / decayed mean of the runtimes (the histogram estimate's mean); null while the mean is 0. */
  get cv(): number | null {
    const m = this.#moments.mean;
    return m > 0 ? Math.sqrt(this.#moments.variance) / m : null;
  }

  tauOf(atMs: number, cfg: DecayConfig): number {
    const byObs = Number.isFinite(cfg.halfLifeObservations) ? this.#count / cfg.halfLifeObservations : 0;
    const byTime = Number.isFinite(cfg.halfLifeMs) ? atMs / cfg.halfLifeMs : 0;
    return byObs + byTime;
  }

  /**
   * Back to the state of `new RuntimeEstimator()` (toJSON and every answer identical), keeping
   * its objects: the predictor reuses evicted estimators instead of allocating (lru-map.ts).
   */
  reset(): this {
    this.#hist.reset();
    this.#moments.reset();
    this.#regs = null;
    this.#count = 0;
    this.#lastTau = 0;
    this.#lastAtMs = 0;
    this.memo = undefined;
    return this;
  }

  /** Folds in one runtime (ms, finite, >= 0; the caller has checked). */
  observe(runtimeMs: number, atMs: number, cfg: DecayConfig, features?: RuntimeFeatures): void {
    this.memo = undefined;
    const tau = this.tauOf(atMs, cfg);
    const factor = this.#hist.add(runtimeMs, tau);
    if (factor !== 1) {
      this.#moments.scale(factor);
      if (this.#regs !== null) for (const r of this.#regs.values()) r.scale(factor);
    }
    const w = this.#hist.lastWeight; // = weightAt(tau), already computed by add
    this.#moments.add(runtimeMs, w);
    if (features !== undefined) {
      for (const name of Object.keys(features)) {
        const v = features[name]!;
        if (!(v >= 0) || !Number.isFinite(v)) continue;
        const regs = (this.#regs ??= new Map());
        let r = regs.get(name);
        if (r === undefined) {
          if (regs.size >= MAX_FEATURES) continue;
          r = new LogRegression();
          regs.set(name, r);
        }
        r.add(v, runtimeMs, w);
      }
    }
    this.#count++;
    this.#lastTau = tau;
    this.#lastAtMs = atMs;
  }

  /** The estimate, or null before any observation. */
  estimate(cfg: DecayConfig, features?: RuntimeFeatures): Estimate | null {
    if (this.#count === 0 || !(this.#hist.totalWeight > 0)) return null;
    const newest = this.#hist.weightAt(this.#lastTau);
    // At most `count`: with timestamps in order every weight is <= the newest's, so the bound
    // never binds; a sample ~1,000 half-lives older than the one before it made the newest
    // weight subnormal and the ratio Infinity (found by the property test in runtime-predictor.test.ts).
    const effectiveCount = newest > 0 ? Math.min(this.#count, this.#hist.totalWeight / newest) : 0;
    const count = this.#count;
    const reg = features === undefined || this.#regs === null ? null : this.#bestFit(this.#regs, features, newest, cfg);
    if (reg !== null) {
      const { fit, name } = reg;
      const at = (z: number): number => Math.max(0, Math.expm1(fit.y + z * fit.sigma));
      return {
        count,
        effectiveCount,
        meanMs: Math.max(0, Math.expm1(fit.y + (fit.sigma * fit.sigma) / 2)),
        p50Ms: at(Z.p50),
        p90Ms: at(Z.p90),
        p99Ms: at(Z.p99),
        model: 'regression',
        feature: name,
      };
    }
    // Object literals in the key order of the former `{ ...base, meanMs, ... }` (JSON of an
    // estimate is unchanged): the spread took V8's slow define path, 24% of a prediction's CPU.
    const p50 = this.#hist.quantile(0.5)!;
    const p90 = Math.max(p50, this.#hist.quantile(0.9)!);
    const p99 = Math.max(p90, this.#hist.quantile(0.99)!);
    return { count, effectiveCount, meanMs: Math.max(0, this.#moments.mean), p50Ms: p50, p90Ms: p90, p99Ms: p99, model: 'histogram' };
  }

  #bestFit(regs: Map<string, LogRegression>, features: RuntimeFeatures, newest: number, cfg: DecayConfig): { fit: NonNullable<ReturnType<LogRegression['fit']>>; name: string } | null {
    let best: { fit: NonNullable<ReturnType<LogRegression['fit']>>; name: string } | null = null;
    for (const [name, r] of regs) {
      const v = features[name];
      if (v === undefined || !(newest > 0) || r.weight / newest < cfg.minRegressionCount) continue;
      const fit = r.fit(v);
      if (fit === null || fit.r2 < cfg.minRegressionR2 || !Number.isFinite(fit.y) || !Number.isFinite(fit.sigma)) continue;
      if (best === null || fit.r2 > best.fit.r2) best = { fit, name };
    }
    return best;
  }

  toJSON(): RuntimeEstimatorJSON {
    return {
      count: this.#count,
      lastTau: this.#lastTau,
      lastAtMs: this.#lastAtMs,
      hist: this.#hist.toJSON(),
      moments: this.#moments.toJSON(),
      regressions: this.#regs === null ? [] : [...this.#regs].map(([k, r]) => [k, r.toJSON()] as const),
    };
  }

  static fromJSON(j: RuntimeEstimatorJSON): RuntimeEstimator {
    if (j === null || typeof j !== 'object') throw new Error('estimator must be an object');
    if (!Number.isInteger(j.count) || j.count < 0 || !Number.isFinite(j.lastTau) || !Number.isFinite(j.lastAtMs)) {
      throw new Error('estimator count/lastTau/lastAtMs are invalid');
    }
    if (!Array.isArray(j.regressions) || j.regressions.length > MAX_FEATURES) throw new Error('estimator regressions are invalid');
    const e = new RuntimeEstimator();
    e.#hist = DecayedHistogram.fromJSON(j.hist);
    e.#moments = DecayedMoments.fromJSON(j.moments);
    for (const row of j.regressions) {
      if (!Array.isArray(row) || typeof row[0] !== 'string') throw new Error('estimator regression row is invalid');
      (e.#regs ??= new Map()).set(row[0], LogRegression.fromJSON(row[1]));
    }
    e.#count = j.count;
    e.#lastTau = j.lastTau;
    e.#lastAtMs = j.lastAtMs;
    return e;
  }
}
