/**
 * Exponentially weighted mean and variance (West's weighted form of Welford's algorithm), fed the
 * same growing weights as DecayedHistogram so both forget at the same rate. O(1) per sample;
 * `scale(f)` follows a histogram rescale (the mean is unchanged, the sums shrink).
 */

export interface DecayedMomentsJSON {
  readonly w: number;
  readonly mean: number;
  readonly m2: number;
}

export class DecayedMoments {
  #w = 0;
  #mean = 0;
  #m2 = 0;

  add(x: number, w: number): void {
    if (!(w > 0) || !Number.isFinite(x)) return;
    this.#w += w;
    const d = x - this.#mean;
    this.#mean += (w / this.#w) * d;
    this.#m2 += w * d * (x - this.#mean);
    if (this.#m2 < 0) this.#m2 = 0; // rounding
  }

  /** Back to a new instance's state (RuntimeEstimator.reset reuses evicted estimators). */
  reset(): void {
    this.#w = 0;
    this.#mean = 0;
    this.#m2 = 0;
  }

  scale(f: number): void {
    this.#w *= f;
    this.#m2 *= f;
  }

  get weight(): number {
    return this.#w;
  }
  get mean(): number {
    return this.#mean;
  }
  /** Weighted population variance; 0 with no weight. */
  get variance(): number {
    return this.#w > 0 ? this.#m2 / this.#w : 0;
  }

  toJSON(): DecayedMomentsJSON {
    return { w: this.#w, mean: this.#mean, m2: this.#m2 };
  }

  static fromJSON(j: DecayedMomentsJSON): DecayedMoments {
    if (j === null || typeof j !== 'object') throw new Error('DecayedMoments must be an object');
    if (!(j.w >= 0) || !Number.isFinite(j.w) || !Number.isFinite(j.mean) || !(j.m2 >= 0) || !Number.isFinite(j.m2)) {
      throw new Error('moments are invalid');
    }
    const m = new DecayedMoments();
    m.#w = j.w;
    m.#mean = j.mean;
    m.#m2 = j.m2;
    return m;
  }
}
