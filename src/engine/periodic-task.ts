/**
 * A background job beside the engine that runs every `everyMs` (the what-if auto mode,
 * whatif-auto.ts; regret by replay, learned-regret.ts; scheduled fine-tuning,
 * finetune-schedule.ts): one interval timer that does not keep the process alive, a busy guard
 * (a tick that comes while the previous run is still going is skipped, not queued: a replay or a
 * training may take longer than the interval), and one error path (`onError`), so a failing run
 * never rejects into the timer or the engine.
 *
 * `run()` is the same entry for the timer and for callers (tests, an API): it returns the body's
 * result, or null when a run was already in progress or the body failed.
 */
export interface PeriodicTaskOptions<T> {
  readonly everyMs: number;
  /** One run. */
  readonly body: () => Promise<T>;
  /** Called with what the body threw (it must not throw itself). */
  readonly onError: (err: Error) => void;
  /** Clock for `nextAt` (the engine's). */
  readonly now: () => number;
}

export class PeriodicTask<T> {
  readonly everyMs: number;
  readonly #o: PeriodicTaskOptions<T>;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;
  #nextAt: number | null = null;
  #skipped = 0;

  constructor(o: PeriodicTaskOptions<T>) {
    this.#o = o;
    this.everyMs = o.everyMs;
  }

  /** Starts the timer (idempotent; unref'd). */
  start(): void {
    if (this.#timer !== null) return;
    this.#nextAt = this.#o.now() + this.everyMs;
    this.#timer = setInterval(() => {
      this.#nextAt = this.#o.now() + this.everyMs;
      void this.run();
    }, this.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#nextAt = null;
  }

  /** One run now; null when one is already running (counted in `skipped`) or when it failed. Never rejects. */
  async run(): Promise<T | null> {
    if (this.#busy) {
      this.#skipped++;
      return null;
    }
    this.#busy = true;
    try {
      return await this.#o.body();
    } catch (err) {
      this.#o.onError(err instanceof Error ? err : new Error(String(err)));
      return null;
    } finally {
      this.#busy = false;
    }
  }

  /** Whether a run is in progress. */
  get running(): boolean {
    return this.#busy;
  }

  /** When the timer fires next (the `now` clock's ms), or null when stopped. */
  get nextAt(): number | null {
    return this.#nextAt;
  }

  /** Runs skipped because the previous one was still going. */
  get skipped(): number {
    return this.#skipped;
  }
}
