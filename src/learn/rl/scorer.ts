/**
 * The interface the learned policy scores through, so the numeric library stays replaceable
 * (DESIGN.md, "Learning": chosen by measurement, behind an interface). Today's only
 * implementation is the hand-written Mlp (mlp.ts); an ONNX or TF.js scorer would implement
 * `Scorer` alone, and training needs `TrainableScorer`.
 */
export interface Scorer {
  /** Features per candidate row. */
  readonly inputs: number;
  /** x: rows x inputs, row-major; writes one score per row into out[0..rows). */
  score(x: Float64Array, rows: number, out: Float64Array): void;
}

export interface TrainableScorer extends Scorer {
  /** All parameters as one vector (model files, optimisers). */
  readonly params: Float64Array;
  /** Gradient accumulator, same layout as params. */
  readonly grads: Float64Array;
  /** Forward pass keeping activations; returns the scores (a reused view). */
  forwardTrain(x: Float64Array, rows: number): Float64Array;
  /** Accumulates into grads given d(loss)/d(score) of each row of the last forwardTrain. */
  backward(dScore: Float64Array): void;
  zeroGrad(): void;
}

/** Adam (Kingma & Ba 2015) over a flat parameter vector. */
export class Adam {
  readonly #m: Float64Array;
  readonly #v: Float64Array;
  #t = 0;
  lr: number;

  constructor(size: number, lr = 1e-3, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly eps = 1e-8) {
    this.#m = new Float64Array(size);
    this.#v = new Float64Array(size);
    this.lr = lr;
  }

  /** params -= lr * adam(grads); grads are left untouched (caller zeroes them). */
  step(params: Float64Array, grads: Float64Array): void {
    this.#t++;
    const { beta1: b1, beta2: b2 } = this;
    const c1 = 1 - b1 ** this.#t;
    const c2 = 1 - b2 ** this.#t;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i]!;
      this.#m[i] = b1 * this.#m[i]! + (1 - b1) * g;
      this.#v[i] = b2 * this.#v[i]! + (1 - b2) * g * g;
      params[i] -= (this.lr * (this.#m[i]! / c1)) / (Math.sqrt(this.#v[i]! / c2) + this.eps);
    }
  }

  /** State for checkpoints (resume continues the same moments). */
  toJSON(): { t: number; m: number[]; v: number[]; lr: number } {
    return { t: this.#t, m: Array.from(this.#m), v: Array.from(this.#v), lr: this.lr };
  }

  restore(s: { t: number; m: number[]; v: number[]; lr: number }): void {
    this.#t = s.t;
    this.#m.set(s.m);
    this.#v.set(s.v);
    this.lr = s.lr;
  }
}
