/**
 * Learned speed factors of remote workers, for HEFT (and any policy that reads
 * `WorkerInfo.speed`): a worker that runs tasks in half their estimated time has speed ~2.
 *
 * Each finished attempt with a known estimate gives one sample, estimate / measured runtime (the
 * worker's own start and finish: dispatch and queueing are not counted). Samples are averaged in
 * log space with an exponential moving average (ALPHA), so one slow outlier moves the factor by
 * a bounded ratio, and clamped to [0.1, 10]. Attempts shorter than MIN_MS carry no signal (a
 * no-op's runtime is noise) and are ignored. The estimates are learned from every worker, so the
 * factors are relative to the fleet's average: what HEFT needs to prefer the faster machine.
 *
 * `observe` returns the new factor when it moved by more than 10% since last handed to the
 * scheduler (re-adding a worker recomputes its free capacity: not worth it for every sample).
 */
const ALPHA = 0.2;
const MIN_MS = 50;
const MOVE = Math.log(1.1);
const CLAMP = Math.log(10);

interface Speed {
  logSpeed: number;
  published: number;
  samples: number;
}

export class WorkerSpeeds {
  readonly #by = new Map<string, Speed>();

  speed(workerId: string): number {
    const s = this.#by.get(workerId);
    return s === undefined ? 1 : Math.exp(s.published);
  }

  /** One finished attempt; the factor to publish, or null when it did not move enough. */
  observe(workerId: string, estimateMs: number | null, runtimeMs: number): number | null {
    if (estimateMs === null || !(estimateMs > 0) || !(runtimeMs >= MIN_MS)) return null;
    const sample = Math.max(-CLAMP, Math.min(CLAMP, Math.log(estimateMs / runtimeMs)));
    let s = this.#by.get(workerId);
    if (s === undefined) this.#by.set(workerId, (s = { logSpeed: sample, published: 0, samples: 0 }));
    else s.logSpeed += ALPHA * (sample - s.logSpeed);
    s.samples++;
    if (Math.abs(s.logSpeed - s.published) < MOVE) return null;
    s.published = s.logSpeed;
    return Math.exp(s.published);
  }

  forget(workerId: string): void {
    this.#by.delete(workerId);
  }
}
