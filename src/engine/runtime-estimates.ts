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
 * Hot path: `estimate` is a Map lookup (a prediction is computed once per signature and reused
 * until that signature learns something new: ~4.5 µs saved per task); `observe` is ~1.1-1.2 µs
 * on the issue-2 benchmark's pattern (20,000 distinct ids through the 10,000-signature LRU: a
 * recycled estimator per task, an eviction per 1,000; ~2.2 µs before 2026-11-24, lru-map.ts).
 * The model persists as JSON in the state folder (written every minute when it changed, and on
 * close, through a temp file and rename), so estimates survive restarts.
 */
import { RuntimePredictor } from '../learn/runtime-predictor.js';
import { ModelFile } from './model-file.js';
/** A cold-start answer (from the workflow's prefix or the global level) is reused this long. */
const COLD_TTL_MS = 1000;
/** Bound on cached answers (a workflow with a million distinct task ids must not grow it forever). */
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
  readonly #cache = new Map<string, Cached>();
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
    // An unseen signature gets its workflow's cold-start answer: cached once per workflow
    // prefix, so a generated workflow with 50,000 distinct task ids costs 50,000 lookups, not
    // 50,000 predictions.
    const key = this.predictor.has(signature) ? signature : signature.slice(0, signature.lastIndexOf('/') + 1);
    return this.#cached(key, signature, now);
  }

  #cached(key: string, signature: string, now: number): Cached {
    const c = this.#cache.get(key);
    if (c !== undefined && c.until >= now) return c;
    if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
    const p = this.predictor.predict(signature);
    const value = p?.meanMs ?? null;
    const fresh: Cached = { value, cv: value === null ? null : this.predictor.cv(signature), until: p?.source === 'signature' ? Infinity : now + COLD_TTL_MS };
    this.#cache.set(key, fresh);
    return fresh;
  }

  observe(signature: string, runtimeMs: number, atMs: number): void {
    if (!this.predictor.observe(signature, runtimeMs, atMs)) return;
    // Its own prediction changed; cold-start answers of other signatures expire on their own.
    this.#cache.delete(signature);
    this.#file.changed();
  }

  /** Writes the model if it changed since the last save. Never throws (a full disk must not stop runs). */
  save(): string | null {
    return this.#file.save();
  }

  close(): string | null {
    return this.#file.close();
  }
}
