/**
 * Gradients of the two training losses over recorded decisions, each decision a softmax over its
 * candidates' scores:
 *   imitation (behaviour cloning):  -log p(teacher's choice)
 *   policy gradient (REINFORCE):    -A x log p(chosen) - entropy x H(p)
 * Decisions are batched into chunks of up to CHUNK_ROWS candidate rows per forward/backward pass.
 */
import { FEATURE_COUNT } from './features.js';
import type { TrainableScorer } from './scorer.js';
import type { Episode } from './rollout.js';

const CHUNK_ROWS = 4096;

export interface LossSpec {
  readonly kind: 'imitation' | 'pg';
  /** PG: advantage per decision (already normalised). */
  readonly advantages?: Float64Array;
  readonly entropy?: number;
  readonly temperature?: number;
  /** Multiplies every gradient (1 / decisions in the batch). */
  readonly scale: number;
  /** Only these decisions (indexes), e.g. a minibatch; default all. */
  readonly only?: Int32Array;
}

export interface LossResult {
  loss: number;
  /** Imitation: decisions where the argmax equals the teacher's choice. */
  agree: number;
  decisions: number;
}

export function accumulate(model: TrainableScorer, ep: Episode, spec: LossSpec, acc: LossResult): void {
  const F = FEATURE_COUNT;
  const temp = spec.temperature ?? 1;
  const idx = spec.only ?? Int32Array.from({ length: ep.decisions }, (_, k) => k);
  let x = new Float64Array(CHUNK_ROWS * F);
  let d = new Float64Array(CHUNK_ROWS);
  let p = 0;
  while (p < idx.length) {
    // Gather decisions p..q into one matrix.
    let rows = 0;
    let q = p;
    while (q < idx.length) {
      const k = idx[q]!;
      const n = ep.start[k + 1]! - ep.start[k]!;
      if (rows > 0 && rows + n > CHUNK_ROWS) break;
      if (rows + n > x.length / F) {
        x = new Float64Array((rows + n) * F);
        d = new Float64Array(rows + n);
      }
      const from = ep.start[k]! * F;
      for (let i = 0; i < n * F; i++) x[rows * F + i] = ep.x[from + i]!;
      rows += n;
      q++;
    }
    const s = model.forwardTrain(x, rows);
    d.fill(0, 0, rows);
    let off = 0;
    for (let r = p; r < q; r++) {
      const k = idx[r]!;
      const n = ep.start[k + 1]! - ep.start[k]!;
      let max = Number.NEGATIVE_INFINITY;
      let arg = 0;
      for (let i = 0; i < n; i++) if (s[off + i]! > max) (max = s[off + i]!), (arg = i);
      let z = 0;
      for (let i = 0; i < n; i++) z += Math.exp((s[off + i]! - max) / temp);
      const logZ = Math.log(z);
      const target = spec.kind === 'imitation' ? ep.teacher[k]! : ep.chosen[k]!;
      const logp = (s[off + target]! - max) / temp - logZ;
      if (spec.kind === 'imitation') {
        acc.loss -= logp;
        if (arg === target) acc.agree++;
        for (let i = 0; i < n; i++) d[off + i] = (Math.exp((s[off + i]! - max) / temp - logZ) - (i === target ? 1 : 0)) * (spec.scale / temp);
      } else {
        const A = spec.advantages![k]!;
        const beta = spec.entropy ?? 0;
        let H = 0;
        for (let i = 0; i < n; i++) {
          const lp = (s[off + i]! - max) / temp - logZ;
          H -= Math.exp(lp) * lp;
        }
        acc.loss += -A * logp - beta * H;
        for (let i = 0; i < n; i++) {
          const lp = (s[off + i]! - max) / temp - logZ;
          const pi = Math.exp(lp);
          const gPg = -A * ((i === target ? 1 : 0) - pi);
          const gEnt = beta * pi * (lp + H);
          d[off + i] = ((gPg + gEnt) * spec.scale) / temp;
        }
      }
      acc.decisions++;
      off += n;
    }
    model.backward(d);
    p = q;
  }
}
