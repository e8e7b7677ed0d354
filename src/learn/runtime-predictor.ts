/**
 * Online runtime prediction per task signature (issue 7, "Runtime prediction").
 *
 *   const p = new RuntimePredictor();
 *   p.observe('etl/extract', 1234, clock.now(), { inputBytes: 5e6 });   // after each attempt
 *   p.predict('etl/extract', { inputBytes: 6e6 })                      // before dispatch
 *     // → { meanMs, p50Ms, p90Ms, p99Ms, count, effectiveCount, source, sourceKey, model } | null
 *
 * Each signature has a RuntimeEstimator (decaying histogram + decayed mean + optional log-log
 * regressions). Every observation also feeds one estimator per prefix of the signature (`etl/`)
 * and a global one, so a never-seen signature is predicted from the longest prefix that has data
 * (`source: 'prefix'`), else from everything (`'global'`); `null` means nothing has been observed
 * at all (the level `'none'`). Memory is bounded: at most `maxSignatures` signature estimators and
 * `maxPrefixes` prefix estimators, each evicting its least recently used (observed or predicted)
 * key; an estimator holds at most ~290 histogram buckets and 4 regressions.
 *
 * Pure: no clock, no randomness, no I/O; the caller passes the time of each observation.
 * `toJSON()`/`RuntimePredictor.fromJSON()` snapshot it to a versioned plain object.
 */
import { RuntimeEstimator, type DecayConfig, type Estimate, type RuntimeEstimatorJSON, type RuntimeFeatures } from './runtime-estimator.js';
import { LruMap } from './lru-map.js';
import { isValidSignature, prefixesOf } from './signature.js';
import { QuantileCalibration, type QuantileCalibrationJSON } from './quantile-calibration.js';
import { pickOptions, resolveOptions, type Resolved, type RuntimePredictorOptions } from './runtime-predictor-options.js';

export { RUNTIME_PREDICTOR_DEFAULTS, type RuntimePredictorOptions } from './runtime-predictor-options.js';

export type { RuntimeFeatures } from './runtime-estimator.js';

export type PredictionSource = 'signature' | 'prefix' | 'global' | 'none';

export interface RuntimePrediction extends Estimate {
  /** Which level answered; `'none'` is never returned (predict gives null instead). */
  readonly source: Exclude<PredictionSource, 'none'>;
  /** The signature or prefix whose data answered (`''` for global). */
  readonly sourceKey: string;
}

export const RUNTIME_PREDICTOR_VERSION = 1;
/** RuntimePredictor.memoOf's answer for a signature without an estimator of its own. */
export const NO_ESTIMATOR: unique symbol = Symbol('no estimator');
/** Longest runtime accepted (~317 years): keeps every sum finite. */
export const MAX_RUNTIME_MS = 1e13;

export interface RuntimePredictorJSON {
  readonly kind: 'kairos.runtime-predictor';
  readonly version: typeof RUNTIME_PREDICTOR_VERSION;
  readonly options: Resolved;
  readonly global: RuntimeEstimatorJSON;
  /** Least to most recently used. */
  readonly prefixes: readonly (readonly [string, RuntimeEstimatorJSON])[];
  readonly signatures: readonly (readonly [string, RuntimeEstimatorJSON])[];
  /** The quantile calibration (absent in snapshots written before it existed: starts at 1). */
  readonly calibration?: QuantileCalibrationJSON;
}

interface Issued {
  readonly source: Exclude<PredictionSource, 'none'>;
  readonly p90Ms: number;
  readonly p99Ms: number;
}

export class RuntimePredictor {
  readonly options: Resolved;
  readonly #cfg: DecayConfig;
  readonly #signatures: LruMap<string, RuntimeEstimator>;
  readonly #prefixes: LruMap<string, RuntimeEstimator>;
  #global = new RuntimeEstimator();
  #calibration: QuantileCalibration;
  /**
   * The raw quantiles last issued per signature: an observation is scored against the prediction
   * that was actually made for it (made at dispatch, before the runs of its wave were learned),
   * not against what the model would say by the time it ends. Not persisted.
   */
  readonly #issued: LruMap<string, Issued>;
  /**
   * The last cold-start prediction (source prefix or global) issued, by the level's key ('' for
   * global). A caller that shares one cold answer among a workflow's unseen signatures (the
   * engine does: one prediction per workflow prefix, runtime-estimates.ts) never predicts those
   * signatures individually; their observations are scored against this, the answer actually
   * used. `observe` never computes a prediction itself: that cost ~5 µs per task, 15-18% of the
   * engine's thread on a 20,000-distinct-task benchmark.
   */
  readonly #issuedCold: LruMap<string, Issued>;

  constructor(options: RuntimePredictorOptions = {}) {
    this.options = resolveOptions(options);
    this.#cfg = this.options;
    this.#signatures = new LruMap(this.options.maxSignatures, { recycle: true });
    this.#prefixes = new LruMap(this.options.maxPrefixes, { recycle: true });
    this.#issued = new LruMap(this.options.maxSignatures);
    this.#issuedCold = new LruMap(this.options.maxPrefixes + 1);
    this.#calibration = new QuantileCalibration(this.options.calibrationRate);
  }

  /**
   * Folds in one finished attempt's runtime, observed at `atMs` (the caller's clock). Returns
   * false, changing nothing, for an invalid signature, a runtime that is not a number in
   * [0, MAX_RUNTIME_MS], or a non-finite time. Feature values that are not finite and >= 0 are ignored.
   */
  observe(signature: string, runtimeMs: number, atMs: number, features?: RuntimeFeatures): boolean {
    return this.#observe(signature, runtimeMs, atMs, features, true);
  }

  /**
   * `observe` at the prefix and global levels only: the signature gets no estimator of its own
   * (an existing one is left as it is). For tasks whose signatures cannot be kept: a run with
   * more distinct tasks than `maxSignatures` evicts its own signatures before its next run can
   * use them (an LRU under a cyclic scan keeps nothing), and would evict every other
   * workflow's on the way (runtime-estimates.ts, `keepsSignatures`).
   */
  observeShared(signature: string, runtimeMs: number, atMs: number, features?: RuntimeFeatures): boolean {
    return this.#observe(signature, runtimeMs, atMs, features, false);
  }

  #observe(signature: string, runtimeMs: number, atMs: number, features: RuntimeFeatures | undefined, own: boolean): boolean {
    if (!isValidSignature(signature) || !(runtimeMs >= 0 && runtimeMs <= MAX_RUNTIME_MS) || !Number.isFinite(atMs)) return false;
    const feats = features !== undefined && features !== null && typeof features === 'object' ? features : undefined;
    // Calibrate the quantiles against what would have been predicted for this very runtime.
    const prefixes = this.#prefixesOf(signature);
    const issued = this.#issued.get(signature) ?? this.#coldIssued(prefixes);
    if (issued !== undefined) this.#calibration.observe(issued.source, issued.p90Ms, issued.p99Ms, runtimeMs);
    if (own) upsert(this.#signatures, signature).observe(runtimeMs, atMs, this.#cfg, feats);
    for (const p of prefixes) upsert(this.#prefixes, p).observe(runtimeMs, atMs, this.#cfg, feats);
    this.#global.observe(runtimeMs, atMs, this.#cfg, feats);
    return true;
  }

  /**
   * The prediction for `signature`, from the most specific level that has data; null if none.
   * p90 and p99 are calibrated online (quantile-calibration.ts) so that they cover their share.
   */
  predict(signature: string, features?: RuntimeFeatures): RuntimePrediction | null {
    return this.#predict(signature, features, true);
  }

  /** `predict` from the prefix and global levels only, as for an unseen signature (see observeShared). */
  predictShared(signature: string, features?: RuntimeFeatures): RuntimePrediction | null {
    return this.#predict(signature, features, false);
  }

  #predict(signature: string, features: RuntimeFeatures | undefined, own: boolean): RuntimePrediction | null {
    if (!isValidSignature(signature)) return null;
    const feats = features !== undefined && features !== null && typeof features === 'object' ? features : undefined;
    const raw = this.#raw(signature, feats, own);
    if (raw === null) return null;
    const source = this.#rawSource;
    const sourceKey = this.#rawKey;
    const issued: Issued = { source, p90Ms: raw.p90Ms, p99Ms: raw.p99Ms };
    this.#issued.set(signature, issued);
    if (source !== 'signature') this.#issuedCold.set(sourceKey, issued);
    const [f90, f99] = this.#calibration.factors(source);
    const p90Ms = Math.max(raw.p50Ms, raw.p90Ms * f90);
    const p99Ms = Math.max(p90Ms, raw.p99Ms * f99);
    // One object literal per prediction, in the key order the former `{ ...{ ...estimate, source,
    // sourceKey }, p90Ms, p99Ms }` had (its JSON is unchanged): the two spreads took V8's slow
    // define path and were most of a prediction's CPU (issue 6: ~5 µs per prediction, half the
    // tasks of a 20,000-task run predicted at enqueue).
    if (raw.feature === undefined) {
      return { count: raw.count, effectiveCount: raw.effectiveCount, meanMs: raw.meanMs, p50Ms: raw.p50Ms, p90Ms, p99Ms, model: raw.model, source, sourceKey };
    }
    return { count: raw.count, effectiveCount: raw.effectiveCount, meanMs: raw.meanMs, p50Ms: raw.p50Ms, p90Ms, p99Ms, model: raw.model, feature: raw.feature, source, sourceKey };
  }

  /**
   * Runtime uncertainty for the learned policy's estimate_cv feature (SchedTask.estimateCv): the
   * coefficient of variation, decayed stdev / decayed mean of the runtimes, of the level that
   * `predict(signature)` without features answers from (signature, else the longest prefix with
   * `minPrefixCount` observations, else global). The simulator's definition on the same facts:
   * population stdev / mean of a stage's measured durations (src/sim/workloads/tpch.ts `cv`).
   * Null when nothing is known or the mean is 0; 0 after a single observation. Not on the
   * per-attempt path: callers cache it with the mean (src/engine/runtime-estimates.ts).
   */
  cv(signature: string): number | null {
    return this.#cv(signature, true);
  }

  /** `cv` from the prefix and global levels only (see observeShared). */
  cvShared(signature: string): number | null {
    return this.#cv(signature, false);
  }

  #cv(signature: string, own: boolean): number | null {
    if (!isValidSignature(signature)) return null;
    let e = own ? this.#signatures.get(signature) : undefined;
    if (e === undefined || e.count === 0) {
      e = undefined;
      for (const p of prefixesOf(signature)) {
        const pe = this.#prefixes.get(p);
        if (pe !== undefined && pe.count > 0 && pe.count >= this.options.minPrefixCount) {
          e = pe;
          break;
        }
      }
      if (e === undefined && this.#global.count > 0) e = this.#global;
    }
    return e === undefined ? null : e.cv;
  }

  /** The quantile calibration's current factors per level (for reports). */
  get calibration(): QuantileCalibration {
    return this.#calibration;
  }

  /**
   * prefixesOf(signature), reusing the previous answer when `signature` only differs from the
   * previous one after its longest prefix (a workflow's tasks come in together): no new strings
   * or array per observation.
   */
  #prefixesOf(signature: string): readonly string[] {
    const last = this.#lastPrefixes;
    const first = last[0];
    if (first !== undefined && signature.length > first.length + 1 && signature.startsWith(first) && signature.lastIndexOf('/', signature.length - 2) === first.length - 1) return last;
    return (this.#lastPrefixes = prefixesOf(signature));
  }

  #lastPrefixes: readonly string[] = [];

  /** The cold-start prediction last issued at the most specific level of a signature's `prefixes`. */
  #coldIssued(prefixes: readonly string[]): Issued | undefined {
    if (this.#issuedCold.size === 0) return undefined;
    for (const p of prefixes) {
      const c = this.#issuedCold.get(p);
      if (c !== undefined) return c;
    }
    return this.#issuedCold.get('');
  }

  /** The level that answered the last non-null `#raw` (no object per call). */
  #rawSource: Exclude<PredictionSource, 'none'> = 'global';
  #rawKey = '';

  /** The estimate of the most specific level with data (its level in #rawSource/#rawKey); null if none. */
  #raw(signature: string, feats: RuntimeFeatures | undefined, ownLevel: boolean): Estimate | null {
    const own = ownLevel ? this.#signatures.get(signature) : undefined;
    if (own !== undefined) {
      const e = own.estimate(this.#cfg, feats);
      if (e !== null) {
        this.#rawSource = 'signature';
        this.#rawKey = signature;
        return e;
      }
    }
    for (const p of prefixesOf(signature)) {
      const pe = this.#prefixes.get(p);
      if (pe === undefined || pe.count < this.options.minPrefixCount) continue;
      const e = pe.estimate(this.#cfg, feats);
      if (e !== null) {
        this.#rawSource = 'prefix';
        this.#rawKey = p;
        return e;
      }
    }
    const g = this.#global.estimate(this.#cfg, feats);
    this.#rawSource = 'global';
    this.#rawKey = '';
    return g;
  }

  /** Number of signatures held (<= maxSignatures). */
  get size(): number {
    return this.#signatures.size;
  }
  /** Signatures dropped by the LRU bound since construction (not persisted). */
  get evicted(): number {
    return this.#signatures.evicted;
  }
  has(signature: string): boolean {
    return this.#signatures.has(signature);
  }

  /**
   * The caller's memo for `signature` (see setMemo): NO_ESTIMATOR when the signature has no
   * estimator of its own, undefined when it has one but no memo since it last learned. One hash
   * lookup, recency untouched (as `has`): a caller caching its answers per signature needs no
   * map of its own, and nothing to delete when the signature learns (runtime-estimates.ts).
   */
  memoOf(signature: string): unknown {
    const e = this.#signatures.peek(signature);
    return e === undefined ? NO_ESTIMATOR : e.memo;
  }

  /** Keeps `memo` with the signature's estimator until it next learns or is evicted (no-op without one). */
  setMemo(signature: string, memo: unknown): void {
    const e = this.#signatures.peek(signature);
    if (e !== undefined) e.memo = memo;
  }

  toJSON(): RuntimePredictorJSON {
    return {
      kind: 'kairos.runtime-predictor',
      version: RUNTIME_PREDICTOR_VERSION,
      options: { ...this.options },
      global: this.#global.toJSON(),
      prefixes: [...this.#prefixes.entries()].map(([k, e]) => [k, e.toJSON()] as const),
      signatures: [...this.#signatures.entries()].map(([k, e]) => [k, e.toJSON()] as const),
      calibration: this.#calibration.toJSON(),
    };
  }

  /**
   * Rebuilds a predictor from `toJSON()` output (e.g. parsed from a file: checked, not trusted).
   * `overrides` replace saved options (a smaller cap keeps the most recently used keys). Throws
   * an Error naming the problem on a wrong kind, an unknown version or a malformed estimator.
   */
  static fromJSON(json: unknown, overrides: RuntimePredictorOptions = {}): RuntimePredictor {
    const j = json as Partial<RuntimePredictorJSON> | null;
    if (j === null || typeof j !== 'object' || j.kind !== 'kairos.runtime-predictor') throw new Error('runtime predictor snapshot: not a kairos.runtime-predictor object');
    if (j.version !== RUNTIME_PREDICTOR_VERSION) throw new Error(`runtime predictor snapshot: version ${String(j.version)} is not supported (expected ${RUNTIME_PREDICTOR_VERSION})`);
    if (!Array.isArray(j.prefixes) || !Array.isArray(j.signatures)) throw new Error('runtime predictor snapshot: prefixes/signatures must be arrays');
    const saved = j.options !== null && typeof j.options === 'object' ? j.options : {};
    const p = new RuntimePredictor({ ...pickOptions(saved), ...overrides });
    const load = (what: string, key: unknown, e: unknown): RuntimeEstimator => {
      try {
        if (typeof key !== 'string') throw new Error('key must be a string');
        return RuntimeEstimator.fromJSON(e as RuntimeEstimatorJSON);
      } catch (err) {
        throw new Error(`runtime predictor snapshot: ${what} ${JSON.stringify(key)}: ${(err as Error).message}`);
      }
    };
    p.#global = load('global', '', j.global);
    if (p.options.calibrationRate > 0) p.#calibration = QuantileCalibration.fromJSON(j.calibration, p.options.calibrationRate);
    for (const row of j.prefixes) {
      if (!Array.isArray(row)) throw new Error('runtime predictor snapshot: a prefixes row is not [key, estimator]');
      p.#prefixes.set(row[0], load('prefix', row[0], row[1]));
    }
    for (const row of j.signatures) {
      if (!Array.isArray(row) || !isValidSignature(row[0])) throw new Error(`runtime predictor snapshot: signature ${JSON.stringify(row[0])} is invalid`);
      p.#signatures.set(row[0], load('signature', row[0], row[1]));
    }
    return p;
  }
}

/**
 * The key's estimator, made on first sight: an evicted one reset in place when the LRU has one
 * (a fresh estimator's exact state), else a new one. On the engine's benchmark (20,000 distinct
 * task ids through the 10,000-signature LRU) nearly every observation makes one.
 */
function upsert(m: LruMap<string, RuntimeEstimator>, key: string): RuntimeEstimator {
  return m.getOrInsert(key, fresh);
}

function fresh(recycled: RuntimeEstimator | undefined): RuntimeEstimator {
  return recycled === undefined ? new RuntimeEstimator() : recycled.reset();
}
