/**
 * Runtime estimates for scheduling: the declared `estimate` of a task when it has one, else the
 * runtime predictor's mean for its signature (`namespace/workflow/task`), learned from every
 * attempt that succeeds. SJF, least-slack, critical-path, HEFT and backfill read these.
 *
 * `lookup` also gives the runtime uncertainty the learned policy's features read
 * (SchedTask.estimateCv): the predictor's decayed stdev / mean at the level that answered
 * (RuntimePredictor.cv), computed with the mean and cached with it — the same definition as the
 * simulator's (stdev / mean of a stage's measured durations), 0 after one observation.
 *
 * Hot path: `estimate` is one hash lookup (a prediction is computed once per signature and reused
 * until that signature learns something new: ~4.5 µs saved per task). The reused answer is kept
 * with the signature's estimator (RuntimePredictor.memoOf), which drops it when it learns or is
 * evicted: until 2026-11-24 (session 10) it sat in a map of up to 50,000 answers here, set and
 * deleted again for every task of the issue-2 benchmark's 20,000 distinct ids; without it the
 * benchmark's tasks/s rose 6-8% (medians of 9 fresh processes, old and new alternated). `observe` is ~1.1-1.2 µs
 * on the issue-2 benchmark's pattern (20,000 distinct ids through the 10,000-signature LRU: a
 * recycled estimator per task, an eviction per 1,000; ~2.2 µs before 2026-11-24, lru-map.ts).
 * The model persists as JSON in the state folder (written every minute when it changed, and on
 * close, through a temp file and rename), so estimates survive restarts.
 */
import { NO_ESTIMATOR, RuntimePredictor } from '../learn/runtime-predictor.js';
import { ModelFile } from './model-file.js';
/** A cold-start answer (from the workflow's prefix or the global level) is reused this long. */
const COLD_TTL_MS = 1000;
/** Bound on cached cold-start answers (one per workflow prefix; a bound all the same). */
const MAX_CACHED = 50_000;

/** A runtime estimate of one signature: the predicted mean and its coefficient of variation. */
export interface RuntimeEstimate {
  /** Predicted mean runtime (ms), or null when nothing at all is known. */
  readonly value: number | null;
  /** Decayed stdev / mean of the runtimes behind `value`; null with `value`, or when the mean is 0. */
  readonly cv: number | null;
}

interface Cached extends RuntimeEstimate {
  /** Until when it may be reused (Infinity for a signature's own prediction until it learns). */
  readonly until: number;
}

export class RuntimeEstimates {
  readonly predictor: RuntimePredictor;
  readonly #file: ModelFile<RuntimePredictor>;
  /** Cold-start answers by workflow prefix (`namespace/workflow/`), each reused COLD_TTL_MS. */
  readonly #cold = new Map<string, Cached>();
  /** Why the saved model could not be loaded, if it could not (the engine logs it once). */
  readonly loadError: string | null;

  constructor(file: string | null) {
    this.#file = new ModelFile(file, 'runtime model', (json) => RuntimePredictor.fromJSON(json), () => new RuntimePredictor());
    this.predictor = this.#file.model;
    this.loadError = this.#file.loadError;
  }

  /** Predicted mean runtime (ms) for a signature, or null when nothing at all is known. */
  estimate(signature: string, now: number): number | null {
    return this.lookup(signature, now).value;
  }

  /** The mean and its coefficient of variation (the object is cached and shared: do not keep it). */
  lookup(signature: string, now: number): RuntimeEstimate {
    const memo = this.predictor.memoOf(signature);
    // An unseen signature gets its workflow's shared (cold-start) answer: without an estimator
    // of its own, its prediction is exactly the shared one.
    if (memo === NO_ESTIMATOR) return this.lookupShared(signature, now);
    // A signature's own answer is kept with its estimator, which drops it when it learns.
    if (memo !== undefined && (memo as Cached).until >= now) return memo as Cached;
    const fresh = this.#predict(signature, now);
    this.predictor.setMemo(signature, fresh);
    return fresh;
  }

  #predict(signature: string, now: number): Cached {
    const p = this.predictor.predict(signature);
    const value = p?.meanMs ?? null;
    return { value, cv: value === null ? null : this.predictor.cv(signature), until: p?.source === 'signature' ? Infinity : now + COLD_TTL_MS };
  }

  observe(signature: string, runtimeMs: number, atMs: number): void {
    // Its own answer is dropped by its estimator; cold-start answers expire on their own.
    if (this.predictor.observe(signature, runtimeMs, atMs)) this.#file.changed();
  }

  /**
   * Whether a run with `distinctTasks` task specs (foreach instances share their spec's) learns
   * per signature. A wider run cannot: each of its runs would evict its own signatures from the
   * LRU before the next one could use them (a cyclic scan longer than an LRU keeps nothing:
   * the issue-2 benchmark's 20,000 ids never found their own estimate), and would flush every
   * other workflow's signatures on the way. Its tasks learn and are answered at the workflow
   * (prefix) and global levels instead (`lookupShared`, `observeShared`): what they got anyway,
   * without the churn of an insert and an eviction per result. On that benchmark the engine
   * thread's CPU per warm DAG run fell 30% (175 -> 122 ms; docs/benchmarks.md session 11).
   */
  keepsSignatures(distinctTasks: number): boolean {
    return distinctTasks <= this.predictor.options.maxSignatures;
  }

  /**
   * The workflow's shared answer for `signature` (prefix or global level, never its own): for an
   * unseen signature and for a task of a run that does not keep signatures. Cached once per
   * workflow prefix for COLD_TTL_MS, so a generated workflow with 50,000 distinct task ids costs
   * 50,000 lookups, not 50,000 predictions.
   */
  lookupShared(signature: string, now: number): RuntimeEstimate {
    const key = signature.slice(0, signature.lastIndexOf('/') + 1);
    const c = this.#cold.get(key);
    if (c !== undefined && c.until >= now) return c;
    if (this.#cold.size >= MAX_CACHED) this.#cold.clear();
    const p = this.predictor.predictShared(signature);
    const value = p?.meanMs ?? null;
    const fresh: Cached = { value, cv: value === null ? null : this.predictor.cvShared(signature), until: now + COLD_TTL_MS };
    this.#cold.set(key, fresh);
    return fresh;
  }

  /** `observe` for a task of a run that does not keep signatures (see keepsSignatures). */
  observeShared(signature: string, runtimeMs: number, atMs: number): void {
    if (this.predictor.observeShared(signature, runtimeMs, atMs)) this.#file.changed();
  }

  /** Writes the model if it changed since the last save. Never throws (a full disk must not stop runs). */
  save(): string | null {
    return this.#file.save();
  }

  close(): string | null {
    return this.#file.close();
  }
}
