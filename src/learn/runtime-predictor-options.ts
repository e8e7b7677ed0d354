/**
 * The runtime predictor's options: their defaults, and how saved or given ones are checked
 * (runtime-predictor.ts).
 */

export interface RuntimePredictorOptions {
  /**
   * After this many newer observations of the same key an observation weighs half (default 300).
   * Bounds how fast a shifted runtime is followed: see docs/self-tuning.md.
   */
  readonly halfLifeObservations?: number;
  /** After this much time an observation weighs half (default 7 days; Infinity = off). */
  readonly halfLifeMs?: number;
  /** Signature estimators kept (LRU beyond; default 10,000). */
  readonly maxSignatures?: number;
  /** Prefix estimators kept (LRU beyond; default 2,000). */
  readonly maxPrefixes?: number;
  /** Observations a prefix needs before it answers for an unseen signature (default 3). */
  readonly minPrefixCount?: number;
  /** Effective samples before a feature regression may be used (default 8). */
  readonly minRegressionCount?: number;
  /** Log-variance a regression must explain to be used (default 0.5). */
  readonly minRegressionR2?: number;
  /**
   * Step of the online calibration of p90/p99 (quantile-calibration.ts; default 0.02); 0 turns
   * it off, leaving the histograms' quantiles as they are.
   */
  readonly calibrationRate?: number;
}

export type Resolved = Required<RuntimePredictorOptions>;

export const RUNTIME_PREDICTOR_DEFAULTS: Resolved = Object.freeze({
  halfLifeObservations: 300,
  halfLifeMs: 7 * 24 * 3600 * 1000,
  maxSignatures: 10_000,
  maxPrefixes: 2_000,
  minPrefixCount: 3,
  minRegressionCount: 8,
  minRegressionR2: 0.5,
  calibrationRate: 0.02,
});

/** The known numeric options of a saved snapshot (JSON writes Infinity as null). */
export function pickOptions(o: object): RuntimePredictorOptions {
  const out: Record<string, number> = {};
  for (const k of Object.keys(RUNTIME_PREDICTOR_DEFAULTS)) {
    const v = (o as Record<string, unknown>)[k];
    if (typeof v === 'number') out[k] = v;
    else if (v === null && (k === 'halfLifeMs' || k === 'halfLifeObservations')) out[k] = Infinity; // JSON writes Infinity as null
  }
  return out;
}

/** The options with defaults filled in, checked (a RangeError names the bad one). */
export function resolveOptions(o: RuntimePredictorOptions): Resolved {
  const r = { ...RUNTIME_PREDICTOR_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Resolved;
  const pos = (k: keyof Resolved, allowInf: boolean): void => {
    const v = r[k];
    if (typeof v !== 'number' || !(v > 0) || (!allowInf && !Number.isFinite(v))) throw new RangeError(`RuntimePredictor option ${k} must be a number > 0 (got ${String(v)})`);
  };
  pos('halfLifeObservations', true);
  pos('halfLifeMs', true);
  for (const k of ['maxSignatures', 'maxPrefixes'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new RangeError(`RuntimePredictor option ${k} must be an integer >= 1 (got ${String(r[k])})`);
  }
  for (const k of ['minPrefixCount', 'minRegressionCount'] as const) {
    if (!(r[k] >= 0) || !Number.isFinite(r[k])) throw new RangeError(`RuntimePredictor option ${k} must be a number >= 0 (got ${String(r[k])})`);
  }
  if (!(r.calibrationRate >= 0 && r.calibrationRate < 1)) throw new RangeError(`RuntimePredictor option calibrationRate must be in [0, 1) (got ${String(r.calibrationRate)})`);
  if (!(r.minRegressionR2 >= 0 && r.minRegressionR2 <= 1)) throw new RangeError(`RuntimePredictor option minRegressionR2 must be in [0, 1] (got ${String(r.minRegressionR2)})`);
  return Object.freeze(r);
}
