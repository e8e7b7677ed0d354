/**
 * Online calibration of predicted runtime quantiles: adaptive conformal inference (Gibbs &
 * Candès, NeurIPS 2021) in multiplicative form. The histograms' p90/p99 describe past runs, and
 * the next run of a task differs from them (another machine, another input), so raw coverage
 * falls short of nominal (measured: p90 covers 84-88%, p99 90-96%; Alibaba's cold starts 67% /
 * 73%; docs/self-tuning.md). Each prediction level (signature, prefix, global) keeps one log
 * factor per quantile, applied to what the histograms say; after each observation
 *
 *   theta <- theta + rate x (miss - alpha)        miss = actual > raw x e^theta
 *
 * so a level that misses more often than alpha (0.10 for p90, 0.01 for p99) widens its quantile,
 * one that misses less narrows it, and the long-run miss rate tends to alpha whatever the data.
 * Factors are clamped to [e^-3, e^3]; a raw quantile of 0 (instant tasks) is left out: no factor
 * can cover a positive runtime with it.
 *
 * Pure and tiny: six numbers, persisted with the predictor.
 */
export type CalibratedLevel = 'signature' | 'prefix' | 'global';

const ALPHA = [0.1, 0.01] as const;
const LIMIT = 3;

function step(theta: number, rate: number, miss: number, alpha: number): number {
  return Math.max(-LIMIT, Math.min(LIMIT, theta + rate * (miss - alpha)));
}

export interface QuantileCalibrationJSON {
  readonly rate: number;
  readonly theta: Readonly<Record<CalibratedLevel, readonly [number, number]>>;
}

export class QuantileCalibration {
  readonly rate: number;
  readonly #theta: Record<CalibratedLevel, [number, number]> = { signature: [0, 0], prefix: [0, 0], global: [0, 0] };

  /** `rate`: step of theta per observation (0.02: a miss at p90 widens it by ~1.8%); 0 = off. */
  constructor(rate = 0.02) {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`calibration rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
  }

  /** The factors to apply to a level's raw p90 and p99. */
  factors(level: CalibratedLevel): readonly [number, number] {
    const t = this.#theta[level];
    return [Math.exp(t[0]), Math.exp(t[1])];
  }

  /** Folds in one runtime against the raw quantiles the level predicted for it. */
  observe(level: CalibratedLevel, rawP90: number, rawP99: number, actualMs: number): void {
    if (this.rate === 0) return;
    const t = this.#theta[level];
    // Unrolled (was a loop over a [rawP90, rawP99] array: an allocation per observed task).
    if (rawP90 > 0) t[0] = step(t[0], this.rate, actualMs > rawP90 * Math.exp(t[0]) ? 1 : 0, ALPHA[0]);
    if (rawP99 > 0) t[1] = step(t[1], this.rate, actualMs > rawP99 * Math.exp(t[1]) ? 1 : 0, ALPHA[1]);
  }

  toJSON(): QuantileCalibrationJSON {
    return { rate: this.rate, theta: { signature: [...this.#theta.signature], prefix: [...this.#theta.prefix], global: [...this.#theta.global] } };
  }

  /** From `toJSON()` output, stepping at `rate`; anything missing or malformed starts at factor 1. */
  static fromJSON(j: unknown, rate: number): QuantileCalibration {
    const o = (j ?? {}) as Partial<QuantileCalibrationJSON>;
    const c = new QuantileCalibration(rate);
    for (const level of ['signature', 'prefix', 'global'] as const) {
      const t = o.theta?.[level];
      if (Array.isArray(t) && t.length === 2 && t.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        c.#theta[level] = [Math.max(-LIMIT, Math.min(LIMIT, t[0])), Math.max(-LIMIT, Math.min(LIMIT, t[1]))];
      }
    }
    return c;
  }
}
