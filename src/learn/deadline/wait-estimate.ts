/**
 * The queue wait a task that has not started yet can expect: an exponentially weighted mean of
 * the waits (queued -> dispatched) of recently placed tasks. Deadline risk adds it to every
 * not-yet-started task on a run's remaining path, so a run behind a long queue is flagged while
 * boosting can still help, not only once its critical path alone no longer fits (measured in
 * bench/learn/deadline-sim.ts: see docs/self-tuning.md).
 */
export class WaitEstimate {
  #value = 0;
  #n = 0;

  /** `alpha`: weight of each new wait (0.05 ~ the last 20 waits). */
  constructor(readonly alpha = 0.05) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`);
  }

  observe(waitMs: number): void {
    if (!(waitMs >= 0) || !Number.isFinite(waitMs)) return;
    this.#n++;
    // Plain mean until 1/alpha samples (no bias toward the 0 start), then the EWMA.
    const a = Math.max(this.alpha, 1 / this.#n);
    this.#value += a * (waitMs - this.#value);
  }

  get valueMs(): number {
    return this.#value;
  }

  get samples(): number {
    return this.#n;
  }
}
