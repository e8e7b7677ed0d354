/**
 * A decaying log-scale histogram of non-negative values (runtimes in ms), after the Kubernetes VPA
 * recommender's `DecayingHistogram`: instead of shrinking every bucket as time passes (O(buckets)
 * per step), each new sample is added with a weight that GROWS exponentially, `2^(tau - refTau)`,
 * where `tau` is the caller's decay clock (in half-lives). Old samples therefore count half as much
 * per half-life relative to new ones. When the exponent passes `RESCALE_AT`, every bucket is
 * multiplied by `2^-(tau - refTau)` and `refTau` moves to `tau` (amortised O(1); negligible buckets
 * are dropped then, so a histogram whose values moved keeps no dead buckets).
 *
 * Buckets are geometric: bucket 0 holds [0, 1 ms), bucket i >= 1 holds [r^(i-1), r^i) ms with
 * r = BUCKET_RATIO, up to MAX_BUCKET (values above land in the last bucket). Memory is bounded by
 * the bucket count (<= MAX_BUCKET + 1), and each bucket also keeps the smallest and largest value
 * it has seen, so a quantile interpolates between real values (a constant input gives that exact
 * constant back for every quantile, not a bucket edge).
 */

export const BUCKET_RATIO = 1.1;
/** ln(1e12 ms) / ln(1.1) ~ 290: ~31 years; everything longer shares the last bucket. */
export const MAX_BUCKET = 290;
/** Rescale when the newest weight exceeds 2^RESCALE_AT (float64 keeps ~2^1023; stay far away). */
export const RESCALE_AT = 40;
/** After a rescale, buckets lighter than this fraction of the total are dropped. */
const PRUNE_FRACTION = 1e-9;

const LN_RATIO = Math.log(BUCKET_RATIO);

export function bucketOf(value: number): number {
  if (!(value >= 1)) return 0;
  return Math.min(MAX_BUCKET, 1 + Math.floor(Math.log(value) / LN_RATIO));
}

interface Bucket {
  w: number;
  lo: number;
  hi: number;
}

/**
 * The last `2 ** d` that `add` computed (a pure function: reusing it is bit-identical). A
 * predictor's prefix and global estimators observe in lockstep — same count, same reference — so
 * all but the first of a result's estimators ask for the same power: on issue 6's pattern
 * (`default/bench-independent/t<i>`: two prefixes and the global) two of every three pow calls,
 * which were ~1.6% of a fleet engine's CPU (perf, session 6).
 */
let lastD = NaN;
let lastW = NaN;

/** Plain-JSON form: `[bucketIndex, weight, lo, hi]` rows, the total weight and the reference tau. */
export interface DecayedHistogramJSON {
  readonly refTau: number;
  readonly total: number;
  readonly buckets: readonly (readonly [number, number, number, number])[];
}

export class DecayedHistogram {
  /**
   * The buckets once there are two or more (insertion order); null before. Most keys of a runtime
   * model see one bucket only (a task signature observed once or with a steady runtime), and an
   * empty Map is ~200 B: the first bucket lives in #one until a second one arrives, then both
   * move here, the first first (the Map's iteration order is as if it had always been used).
   */
  #buckets: Map<number, Bucket> | null = null;
  #one: Bucket | null = null;
  #oneIndex = 0;
  #sorted: number[] | null = null;
  #total = 0;
  #refTau: number | null = null;
  /** The weight of the last `add`: weightAt(its tau) without a second pow. */
  #lastWeight = 1;
  /** A bucket object to reuse as #one (kept by reset). */
  #spare: Bucket | null = null;

  /**
   * Back to a new instance's state (toJSON and every answer identical). The single bucket's
   * object is kept for the next first sample: a reset estimator allocates nothing on its first add.
   */
  reset(): void {
    if (this.#one !== null) this.#spare = this.#one;
    this.#buckets = null;
    this.#one = null;
    this.#oneIndex = 0;
    this.#sorted = null;
    this.#total = 0;
    this.#refTau = null;
    this.#lastWeight = 1;
  }

  /** Sum of the (relative) weights held; 0 when empty. */
  get totalWeight(): number {
    return this.#total;
  }

  get bucketCount(): number {
    return this.#buckets !== null ? this.#buckets.size : this.#one !== null ? 1 : 0;
  }

  /** The weight a sample added at `tau` gets, relative to the current reference. */
  weightAt(tau: number): number {
    if (this.#refTau === null) return 1;
    return 2 ** (tau - this.#refTau);
  }

  /** `weightAt(tau)` of the last `add(value, tau)`, computed once (the estimator reads it). */
  get lastWeight(): number {
    return this.#lastWeight;
  }

  /**
   * Adds `value` at decay time `tau` (half-lives). Returns the factor every earlier weight was
   * multiplied by if this call rescaled (1 otherwise), so companions sharing the clock can follow.
   */
  add(value: number, tau: number): number {
    let factor = 1;
    if (this.#refTau === null) this.#refTau = tau;
    else if (tau - this.#refTau > RESCALE_AT) factor = this.rescale(tau);
    // 2 ** 0 is exactly 1: no pow for a key's first sample (most keys of the engine's benchmark).
    const d = tau - this.#refTau;
    const w = d === 0 ? 1 : d === lastD ? lastW : ((lastD = d), (lastW = 2 ** d));
    this.#lastWeight = w;
    if (!(w > 0) || !Number.isFinite(w)) return factor;
    const i = bucketOf(value);
    let b: Bucket | undefined;
    if (this.#buckets !== null) b = this.#buckets.get(i);
    else if (this.#one !== null && this.#oneIndex === i) b = this.#one;
    if (b === undefined) {
      if (this.#buckets !== null) this.#buckets.set(i, { w, lo: value, hi: value });
      else if (this.#one === null) {
        const spare = this.#spare;
        if (spare === null) this.#one = { w, lo: value, hi: value };
        else {
          spare.w = w;
          spare.lo = value;
          spare.hi = value;
          this.#one = spare;
          this.#spare = null;
        }
        this.#oneIndex = i;
      } else {
        this.#buckets = new Map([[this.#oneIndex, this.#one]]);
        this.#buckets.set(i, { w, lo: value, hi: value });
        this.#one = null;
      }
      this.#sorted = null;
    } else {
      b.w += w;
      if (value < b.lo) b.lo = value;
      if (value > b.hi) b.hi = value;
    }
    this.#total += w;
    return factor;
  }

  /** Moves the reference to `tau`; returns the factor applied to every weight. */
  rescale(tau: number): number {
    if (this.#refTau === null) {
      this.#refTau = tau;
      return 1;
    }
    const factor = 2 ** (this.#refTau - tau);
    this.#refTau = tau;
    let total = 0;
    const one = this.#one;
    if (one !== null) {
      one.w *= factor;
      total += one.w;
      if (one.w <= Math.max(total, 1) * PRUNE_FRACTION) {
        this.#one = null;
        total -= one.w;
      }
      this.#total = total;
      return factor;
    }
    if (this.#buckets === null) {
      this.#total = total;
      return factor;
    }
    for (const b of this.#buckets.values()) {
      b.w *= factor;
      total += b.w;
    }
    // Relative to what is left, and to the sample about to be added at the new reference (weight 1).
    const floor = Math.max(total, 1) * PRUNE_FRACTION;
    for (const [i, b] of this.#buckets) {
      if (b.w <= floor) {
        this.#buckets.delete(i);
        this.#sorted = null;
        total -= b.w;
      }
    }
    this.#total = total;
    return factor;
  }

  /**
   * The weighted p-quantile (0 <= p <= 1), interpolated geometrically between the smallest and
   * largest value of the bucket where the cumulative weight reaches p; null when empty.
   */
  quantile(p: number): number | null {
    if (this.#total <= 0 || this.bucketCount === 0) return null;
    const one = this.#one;
    if (one !== null) {
      // The loop below over one bucket: reached at once, or (rounding) its hi.
      const target = Math.min(1, Math.max(0, p)) * this.#total;
      if (0 + one.w >= target) return interpolate(one.lo, one.hi, one.w > 0 ? Math.min(1, Math.max(0, (target - 0) / one.w)) : 1);
      return one.hi;
    }
    if (this.#buckets === null) return null;
    if (this.#sorted === null) this.#sorted = [...this.#buckets.keys()].sort((a, b) => a - b);
    const target = Math.min(1, Math.max(0, p)) * this.#total;
    let cum = 0;
    let last: Bucket | undefined;
    for (const i of this.#sorted) {
      const b = this.#buckets.get(i)!;
      last = b;
      if (cum + b.w >= target) {
        const frac = b.w > 0 ? Math.min(1, Math.max(0, (target - cum) / b.w)) : 1;
        return interpolate(b.lo, b.hi, frac);
      }
      cum += b.w;
    }
    return last === undefined ? null : last.hi; // rounding: p = 1 on a sum a hair short
  }

  toJSON(): DecayedHistogramJSON {
    const rows: [number, number, number, number][] = [];
    if (this.#one !== null) rows.push([this.#oneIndex, this.#one.w, this.#one.lo, this.#one.hi]);
    if (this.#buckets !== null) for (const [i, b] of this.#buckets) rows.push([i, b.w, b.lo, b.hi]);
    rows.sort((a, b) => a[0] - b[0]);
    return { refTau: this.#refTau ?? 0, total: this.#total, buckets: rows };
  }

  static fromJSON(j: DecayedHistogramJSON): DecayedHistogram {
    if (j === null || typeof j !== 'object') throw new Error('DecayedHistogram must be an object');
    const h = new DecayedHistogram();
    if (!Number.isFinite(j.refTau) || !Array.isArray(j.buckets)) throw new Error('histogram refTau/buckets are invalid');
    let total = 0;
    const buckets = (h.#buckets = new Map());
    for (const [i, w, lo, hi] of j.buckets) {
      if (!Number.isInteger(i) || i < 0 || i > MAX_BUCKET || !(w >= 0) || !Number.isFinite(w) || !(lo >= 0) || !(hi >= lo) || !Number.isFinite(hi)) {
        throw new Error(`histogram bucket [${i}, ${w}, ${lo}, ${hi}] is invalid`);
      }
      buckets.set(i, { w, lo, hi });
      total += w;
    }
    // Keep the saved running total (bit-identical predictions after a round trip) when consistent.
    h.#total = Number.isFinite(j.total) && Math.abs(j.total - total) <= 1e-9 * Math.max(1, total) ? j.total : total;
    h.#refTau = buckets.size > 0 ? j.refTau : null;
    return h;
  }
}

function interpolate(lo: number, hi: number, frac: number): number {
  if (hi <= lo) return lo;
  if (lo < 1) return lo + (hi - lo) * frac; // bucket 0 ([0, 1 ms)) is linear; hi/lo may overflow
  const v = lo * (hi / lo) ** frac;
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : hi;
}
