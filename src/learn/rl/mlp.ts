/**
 * A small multi-layer perceptron written by hand: Float64Array weights, a batched forward pass
 * over a candidates x features matrix (row-major), and manual back-propagation for training.
 * Hidden layers use leaky ReLU; the output is one linear score per row.
 *
 * Why our own and not a library: scoring is a few hundred multiply-adds per candidate, so the
 * cost is loop overhead, which typed arrays and a tight inner loop keep low, and training needs
 * gradients, which inference runtimes lack. Measured on these machines
 * (bench/learn/score-latency.ts, docs/learned-policy.md): 1,000 candidates x 22 features through
 * 16 -> 8 -> 1 take ~0.3 ms p50 (32 -> 16 -> 1: ~0.8 ms, over the 1 ms p99 budget when loaded).
 *
 * Parameter layout in `params` (one flat array, so optimisers and model files see one vector):
 * for each layer l (in -> out): W_l row-major [out][in], then b_l [out].
 *
 * Residual form (optional `prior`): score = prior . x + network(x), with `prior` a fixed weight
 * per input, not a parameter (no gradient, not in `params`). With prior = the job-SRPT ordering
 * (features.ts SRPT_PRIOR) and a zero output layer, an untrained model already acts as srpt, and
 * training learns only the correction (docs/learned-policy.md, "What was tried").
 */
import type { Rng } from '../../core/clock.js';
import type { TrainableScorer } from './scorer.js';

const LEAK = 0.01;

export class Mlp implements TrainableScorer {
  readonly layers: readonly number[];
  readonly params: Float64Array;
  readonly grads: Float64Array;
  /** Fixed linear term over the inputs added to every score (residual form), or null. */
  readonly prior: Float64Array | null;
  /** Offset of W and b of each layer in params. */
  readonly #wOff: number[] = [];
  readonly #bOff: number[] = [];
  /** Activations per layer for the last `forwardTrain` (rows x width), grown on demand. */
  #acts: Float64Array[] = [];
  #rows = 0;
  /** Scratch buffers for `score` (two ping-pong activations). */
  #bufA = new Float64Array(0);
  #bufB = new Float64Array(0);

  constructor(layers: readonly number[], params?: ArrayLike<number>, prior?: ArrayLike<number> | null) {
    if (layers.length < 2 || layers[layers.length - 1] !== 1 || layers.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new TypeError(`mlp layers must be positive integers ending in 1, got [${layers.join(', ')}]`);
    }
    this.layers = [...layers];
    let off = 0;
    for (let l = 0; l + 1 < layers.length; l++) {
      this.#wOff.push(off);
      off += layers[l]! * layers[l + 1]!;
      this.#bOff.push(off);
      off += layers[l + 1]!;
    }
    this.params = new Float64Array(off);
    this.grads = new Float64Array(off);
    if (params !== undefined) {
      if (params.length !== off) throw new TypeError(`mlp [${layers.join(', ')}] has ${off} parameters, got ${params.length}`);
      this.params.set(params);
    }
    if (prior != null && prior.length !== layers[0]) throw new TypeError(`mlp prior has ${prior.length} weights, the network takes ${layers[0]} inputs`);
    this.prior = prior == null ? null : Float64Array.from(prior);
    const nz = this.prior === null ? [] : [...this.prior.keys()].filter((i) => this.prior![i] !== 0);
    this.#priorIdx = Int32Array.from(nz);
    this.#priorW = Float64Array.from(nz, (i) => this.prior![i]!);
  }

  /** The prior's non-zero weights and their inputs (the teacher's prior uses 3 of 29). */
  readonly #priorIdx: Int32Array;
  readonly #priorW: Float64Array;

  /** Zeroes the output layer: a residual model then scores exactly as its prior. */
  zeroOutput(): this {
    const l = this.layers.length - 2;
    this.params.fill(0, this.#wOff[l]!, this.#bOff[l]! + this.layers[l + 1]!);
    return this;
  }

  /** out[r] += prior . x[r] (no-op without a prior). */
  #addPrior(x: Float64Array, rows: number, out: Float64Array): void {
    if (this.prior === null) return;
    const nin = this.prior.length;
    const idx = this.#priorIdx;
    const w = this.#priorW;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const xo = r * nin;
      for (let k = 0; k < idx.length; k++) s += w[k]! * x[xo + idx[k]!]!;
      out[r] += s;
    }
  }

  get inputs(): number {
    return this.layers[0]!;
  }

  /** He initialisation from an injected Rng (Box-Muller), biases 0: deterministic per seed. */
  init(rng: Rng): this {
    for (let l = 0; l + 1 < this.layers.length; l++) {
      const fanIn = this.layers[l]!;
      const n = fanIn * this.layers[l + 1]!;
      const std = Math.sqrt(2 / fanIn) * (l + 2 === this.layers.length ? 0.1 : 1);
      for (let i = 0; i < n; i++) {
        const u = Math.max(rng.next(), 1e-12);
        this.params[this.#wOff[l]! + i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
      }
    }
    return this;
  }

  /** Scores `rows` candidates: x is rows x inputs (row-major), out[r] = score of row r. */
  score(x: Float64Array, rows: number, out: Float64Array): void {
    const L = this.layers;
    let widest = 0;
    for (let l = 1; l < L.length; l++) widest = Math.max(widest, L[l]!);
    if (this.#bufA.length < rows * widest) {
      this.#bufA = new Float64Array(rows * widest);
      this.#bufB = new Float64Array(rows * widest);
    }
    let src = x;
    let dst = this.#bufA;
    for (let l = 0; l + 1 < L.length; l++) {
      const last = l + 2 === L.length;
      this.#layer(l, src, rows, last ? out : dst, !last);
      src = dst;
      dst = dst === this.#bufA ? this.#bufB : this.#bufA;
    }
    this.#addPrior(x, rows, out);
  }

  /**
   * One dense layer over all rows; `act` applies leaky ReLU. Four rows share each weight load
   * (register blocking): measured 0.9 -> 0.7 ms for 1,000 rows of 22 -> 32 -> 16 -> 1.
   */
  #layer(l: number, x: Float64Array, rows: number, y: Float64Array, act: boolean): void {
    const nin = this.layers[l]!;
    const nout = this.layers[l + 1]!;
    const p = this.params;
    const wo = this.#wOff[l]!;
    const bo = this.#bOff[l]!;
    const k = act ? LEAK : 1;
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const x0 = r * nin;
      const x1 = x0 + nin;
      const x2 = x1 + nin;
      const x3 = x2 + nin;
      const y0 = r * nout;
      let j = 0;
      // Two outputs x four rows per pass: each x load feeds two products.
      for (; j + 2 <= nout; j += 2) {
        let s0 = p[bo + j]!;
        let s1 = s0;
        let s2 = s0;
        let s3 = s0;
        let t0 = p[bo + j + 1]!;
        let t1 = t0;
        let t2 = t0;
        let t3 = t0;
        const w = wo + j * nin;
        const v = w + nin;
        for (let i = 0; i < nin; i++) {
          const wi = p[w + i]!;
          const vi = p[v + i]!;
          const a0 = x[x0 + i]!;
          const a1 = x[x1 + i]!;
          const a2 = x[x2 + i]!;
          const a3 = x[x3 + i]!;
          s0 += wi * a0;
          s1 += wi * a1;
          s2 += wi * a2;
          s3 += wi * a3;
          t0 += vi * a0;
          t1 += vi * a1;
          t2 += vi * a2;
          t3 += vi * a3;
        }
        y[y0 + j] = s0 < 0 ? s0 * k : s0;
        y[y0 + nout + j] = s1 < 0 ? s1 * k : s1;
        y[y0 + 2 * nout + j] = s2 < 0 ? s2 * k : s2;
        y[y0 + 3 * nout + j] = s3 < 0 ? s3 * k : s3;
        y[y0 + j + 1] = t0 < 0 ? t0 * k : t0;
        y[y0 + nout + j + 1] = t1 < 0 ? t1 * k : t1;
        y[y0 + 2 * nout + j + 1] = t2 < 0 ? t2 * k : t2;
        y[y0 + 3 * nout + j + 1] = t3 < 0 ? t3 * k : t3;
      }
      for (; j < nout; j++) {
        let s0 = p[bo + j]!;
        let s1 = s0;
        let s2 = s0;
        let s3 = s0;
        const w = wo + j * nin;
        for (let i = 0; i < nin; i++) {
          const wi = p[w + i]!;
          s0 += wi * x[x0 + i]!;
          s1 += wi * x[x1 + i]!;
          s2 += wi * x[x2 + i]!;
          s3 += wi * x[x3 + i]!;
        }
        y[y0 + j] = s0 < 0 ? s0 * k : s0;
        y[y0 + nout + j] = s1 < 0 ? s1 * k : s1;
        y[y0 + 2 * nout + j] = s2 < 0 ? s2 * k : s2;
        y[y0 + 3 * nout + j] = s3 < 0 ? s3 * k : s3;
      }
    }
    for (; r < rows; r++) {
      const xo = r * nin;
      const yo = r * nout;
      for (let j = 0; j < nout; j++) {
        let s = p[bo + j]!;
        const w = wo + j * nin;
        for (let i = 0; i < nin; i++) s += p[w + i]! * x[xo + i]!;
        y[yo + j] = s < 0 ? s * k : s;
      }
    }
  }

  /** Forward pass that keeps the activations for `backward`; returns the scores (a view, reused). */
  forwardTrain(x: Float64Array, rows: number): Float64Array {
    const L = this.layers;
    this.#rows = rows;
    while (this.#acts.length < L.length) this.#acts.push(new Float64Array(0));
    if (this.#acts[0]!.length < rows * L[0]!) this.#acts[0] = new Float64Array(rows * L[0]!);
    this.#acts[0]!.set(x.subarray(0, rows * L[0]!));
    for (let l = 0; l + 1 < L.length; l++) {
      if (this.#acts[l + 1]!.length < rows * L[l + 1]!) this.#acts[l + 1] = new Float64Array(rows * L[l + 1]!);
      this.#layer(l, this.#acts[l]!, rows, this.#acts[l + 1]!, l + 2 < L.length);
    }
    const out = this.#acts[L.length - 1]!.subarray(0, rows);
    this.#addPrior(this.#acts[0]!, rows, out); // the output activation is not read by backward
    return out;
  }

  /** Adds d(loss)/d(params) to `grads`, given d(loss)/d(score) per row of the last forwardTrain. */
  backward(dScore: Float64Array): void {
    const L = this.layers;
    const rows = this.#rows;
    let delta = Float64Array.from(dScore.subarray(0, rows));
    for (let l = L.length - 2; l >= 0; l--) {
      const nin = L[l]!;
      const nout = L[l + 1]!;
      const x = this.#acts[l]!;
      const wo = this.#wOff[l]!;
      const bo = this.#bOff[l]!;
      const g = this.grads;
      const p = this.params;
      const prev = l > 0 ? new Float64Array(rows * nin) : null;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < nout; j++) {
          const d = delta[r * nout + j]!;
          if (d === 0) continue;
          g[bo + j] += d;
          const w = wo + j * nin;
          const xo = r * nin;
          for (let i = 0; i < nin; i++) g[w + i] += d * x[xo + i]!;
          if (prev !== null) for (let i = 0; i < nin; i++) prev[xo + i] += d * p[w + i]!;
        }
      }
      if (prev !== null) {
        // x of layer l is the leaky-ReLU output of layer l-1: its slope is 1 or LEAK.
        for (let k = 0; k < prev.length; k++) if (x[k]! < 0) prev[k] *= LEAK;
        delta = prev;
      }
    }
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }
}
