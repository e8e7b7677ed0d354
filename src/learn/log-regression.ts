/**
 * A tiny exponentially weighted simple linear regression of y = ln(1 + runtimeMs) on
 * x = ln(1 + feature), one per (signature, feature name): runtime as a power law of, e.g., input
 * size. Weighted co-moments are updated in O(1) (the bivariate Welford form) with the estimator's
 * decaying weights. The fit is only worth using when it explains most of the log-variance; see
 * `fit()`.
 */

export interface LogRegressionJSON {
  readonly w: number;
  readonly mx: number;
  readonly my: number;
  readonly cxx: number;
  readonly cxy: number;
  readonly cyy: number;
  readonly xMin: number;
  readonly xMax: number;
}

export interface LogFit {
  /** Predicted ln(1 + runtimeMs) at the (clamped) x. */
  readonly y: number;
  /** Residual standard deviation in log space. */
  readonly sigma: number;
  /** Fraction of the log-variance explained, in [0, 1]. */
  readonly r2: number;
}

/** Prediction x may lie at most this far (in ln units, i.e. a factor e) outside the seen range. */
const EXTRAPOLATE = 1;
/** x must have varied at least this much (sd in ln units: ~10%) before a slope is trusted. */
const MIN_SD_X = 0.1;
/** |slope| cap: runtime at most cubic (or inverse-cubic) in the feature. */
const MAX_SLOPE = 3;

export class LogRegression {
  #w = 0;
  #mx = 0;
  #my = 0;
  #cxx = 0;
  #cxy = 0;
  #cyy = 0;
  #xMin = Infinity;
  #xMax = -Infinity;

  add(feature: number, runtimeMs: number, w: number): void {
    if (!(w > 0) || !(feature >= 0) || !Number.isFinite(feature)) return;
    const x = Math.log1p(feature);
    const y = Math.log1p(runtimeMs);
    this.#w += w;
    const a = w / this.#w;
    const dx = x - this.#mx;
    const dy = y - this.#my;
    this.#mx += a * dx;
    this.#my += a * dy;
    this.#cxx += w * dx * (x - this.#mx);
    this.#cxy += w * dx * (y - this.#my);
    this.#cyy += w * dy * (y - this.#my);
    if (this.#cxx < 0) this.#cxx = 0; // rounding when one weight dwarfs the rest
    if (this.#cyy < 0) this.#cyy = 0;
    if (x < this.#xMin) this.#xMin = x;
    if (x > this.#xMax) this.#xMax = x;
  }

  scale(f: number): void {
    this.#w *= f;
    this.#cxx *= f;
    this.#cxy *= f;
    this.#cyy *= f;
  }

  get weight(): number {
    return this.#w;
  }

  /** The fit at `feature`, or null while x has not varied (no slope can be learned). */
  fit(feature: number): LogFit | null {
    if (!(this.#w > 0) || !(this.#cxx >= MIN_SD_X * MIN_SD_X * this.#w) || !(feature >= 0) || !Number.isFinite(feature)) return null;
    const b = this.#cxy / this.#cxx;
    if (!(Math.abs(b) <= MAX_SLOPE)) return null;
    const x = Math.min(this.#xMax + EXTRAPOLATE, Math.max(this.#xMin - EXTRAPOLATE, Math.log1p(feature)));
    const y = this.#my + b * (x - this.#mx);
    const resid = Math.max(0, this.#cyy - b * this.#cxy) / this.#w;
    const vy = this.#cyy / this.#w;
    const r2 = vy > 0 ? Math.min(1, Math.max(0, 1 - resid / vy)) : 0;
    return { y, sigma: Math.sqrt(resid), r2 };
  }

  toJSON(): LogRegressionJSON {
    return { w: this.#w, mx: this.#mx, my: this.#my, cxx: this.#cxx, cxy: this.#cxy, cyy: this.#cyy, xMin: this.#xMin, xMax: this.#xMax };
  }

  static fromJSON(j: LogRegressionJSON): LogRegression {
    if (j === null || typeof j !== 'object') throw new Error('LogRegression must be an object');
    const fin = [j.w, j.mx, j.my, j.cxx, j.cxy, j.cyy].every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!fin || j.w < 0 || j.cxx < 0 || j.cyy < 0) throw new Error('regression is invalid');
    const r = new LogRegression();
    r.#w = j.w;
    r.#mx = j.mx;
    r.#my = j.my;
    r.#cxx = j.cxx;
    r.#cxy = j.cxy;
    r.#cyy = j.cyy;
    // JSON turns +-Infinity into null: an empty range comes back as the empty range.
    r.#xMin = typeof j.xMin === 'number' ? j.xMin : Infinity;
    r.#xMax = typeof j.xMax === 'number' ? j.xMax : -Infinity;
    return r;
  }
}
