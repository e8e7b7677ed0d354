/**
 * Scores a RuntimePredictor on a replay: for each predicted task, the absolute percentage error
 * of the mean and p50 predictions, whether the real runtime was at or below p90 / p99 (coverage),
 * and which cold-start level answered; the same errors for two naive baselines (the signature's
 * last observed runtime, else the global mean; and the running global mean).
 *
 * APE = |predicted - actual| / max(actual, floorMs): the floor is the data's time resolution
 * (runtimes of 0 exist: 2,533 Alibaba tasks, Nextflow's whole seconds), so a 0 ms actual does not
 * divide by zero. Tasks predicted with nothing observed yet (level `none`) get no error.
 */
import { RuntimePredictor, type PredictionSource, type RuntimePredictorOptions } from '../../src/learn/runtime-predictor.js';
import type { Step } from './replay.js';

export interface Score {
  readonly predictions: number;
  readonly mdapeMean: number;
  readonly mdapeP50: number;
  readonly mapeMean: number;
  readonly mapeP50: number;
  readonly coverP90: number;
  readonly coverP99: number;
  /** Coverage on warm predictions only (source = signature). */
  readonly warmCoverP90: number;
  readonly warmCoverP99: number;
  readonly sources: Record<PredictionSource, number>;
  readonly regressionShare: number;
  readonly lastValue: { mdape: number; mape: number };
  readonly globalMean: { mdape: number; mape: number };
  readonly signatures: number;
}

class Errors {
  readonly a: number[] = [];
  add(pred: number, actual: number, floor: number): void {
    this.a.push(Math.abs(pred - actual) / Math.max(actual, floor));
  }
  median(): number {
    if (this.a.length === 0) return NaN;
    const s = Float64Array.from(this.a).sort();
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  }
  mean(): number {
    let t = 0;
    for (const x of this.a) t += x;
    return this.a.length ? t / this.a.length : NaN;
  }
}

export function score(steps: readonly Step[], floorMs: number, options: RuntimePredictorOptions = {}): Score {
  const p = new RuntimePredictor(options);
  const eMean = new Errors(), eP50 = new Errors(), eLast = new Errors(), eGlob = new Errors();
  let c90 = 0, c99 = 0, n = 0, w90 = 0, w99 = 0, wn = 0, reg = 0;
  const sources: Record<PredictionSource, number> = { signature: 0, prefix: 0, global: 0, none: 0 };
  const last = new Map<string, number>();
  let gSum = 0, gN = 0;
  const sigs = new Set<string>();
  for (const s of steps) {
    if (s.kind === 'observe') {
      for (const r of s.runtimesMs) p.observe(s.signature, r, s.atMs, s.features);
      last.set(s.signature, s.runtimesMs[s.runtimesMs.length - 1]!);
      for (const r of s.runtimesMs) { gSum += r; gN++; }
      sigs.add(s.signature);
      continue;
    }
    const pr = p.predict(s.signature, s.features);
    if (pr === null) {
      sources.none += s.runtimesMs.length;
      continue;
    }
    sources[pr.source] += s.runtimesMs.length;
    const lastV = last.get(s.signature) ?? gSum / gN;
    for (const a of s.runtimesMs) {
      n++;
      eMean.add(pr.meanMs, a, floorMs);
      eP50.add(pr.p50Ms, a, floorMs);
      eLast.add(lastV, a, floorMs);
      eGlob.add(gSum / gN, a, floorMs);
      if (a <= pr.p90Ms) c90++;
      if (a <= pr.p99Ms) c99++;
      if (pr.model === 'regression') reg++;
      if (pr.source === 'signature') {
        wn++;
        if (a <= pr.p90Ms) w90++;
        if (a <= pr.p99Ms) w99++;
      }
    }
  }
  return {
    predictions: n,
    mdapeMean: eMean.median(),
    mdapeP50: eP50.median(),
    mapeMean: eMean.mean(),
    mapeP50: eP50.mean(),
    coverP90: c90 / n,
    coverP99: c99 / n,
    warmCoverP90: w90 / wn,
    warmCoverP99: w99 / wn,
    sources,
    regressionShare: reg / n,
    lastValue: { mdape: eLast.median(), mape: eLast.mean() },
    globalMean: { mdape: eGlob.median(), mape: eGlob.mean() },
    signatures: sigs.size,
  };
}
