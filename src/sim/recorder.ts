/**
 * What a run keeps besides its counters: every attempt's queue wait (for starvation metrics),
 * and — only when asked, since they cost memory on million-task runs — the busy-cores step
 * function (utilization over time) and the attempt intervals (the Gantt chart).
 * Growable typed arrays: ~1.2 M waits of the 1,000-job TPC-H run take 9.6 MB, no per-item objects.
 */
export class GrowableF64 {
  #a: Float64Array;
  #n = 0;
  constructor(capacity = 1024) {
    this.#a = new Float64Array(capacity);
  }
  get length(): number {
    return this.#n;
  }
  push(v: number): void {
    if (this.#n === this.#a.length) {
      const b = new Float64Array(this.#a.length * 2);
      b.set(this.#a);
      this.#a = b;
    }
    this.#a[this.#n++] = v;
  }
  /** Overwrites the last value (same-instant updates of a step function). */
  setLast(v: number): void {
    this.#a[this.#n - 1] = v;
  }
  last(): number {
    return this.#a[this.#n - 1]!;
  }
  /** A view of the filled part (shares memory). */
  view(): Float64Array {
    return this.#a.subarray(0, this.#n);
  }
}

/** Outcome of one attempt, as drawn in the Gantt chart. */
export const enum AttemptOutcome {
  Succeeded = 0,
  Failed = 1,
  Lost = 2,
}

export interface AttemptRecord {
  readonly worker: number;
  readonly job: number;
  readonly start: number;
  readonly end: number;
  readonly outcome: AttemptOutcome;
}

export class Recorder {
  readonly waits = new GrowableF64(4096);
  /** Busy cores as a step function: (time, busy) pairs; only with `timeline`. */
  readonly stepTime: GrowableF64 | null;
  readonly stepBusy: GrowableF64 | null;
  readonly attempts: AttemptRecord[] | null;
  readonly #maxAttempts: number;
  #busy = 0;
  attemptsDropped = 0;

  constructor(opts: { timeline: boolean; attempts: number }) {
    this.stepTime = opts.timeline ? new GrowableF64() : null;
    this.stepBusy = opts.timeline ? new GrowableF64() : null;
    this.attempts = opts.attempts > 0 ? [] : null;
    this.#maxAttempts = opts.attempts;
  }

  wait(ms: number): void {
    this.waits.push(ms);
  }

  /** Busy cores changed by `delta` at `time`. */
  busy(time: number, delta: number): void {
    this.#busy += delta;
    const t = this.stepTime;
    if (t === null) return;
    if (t.length > 0 && t.last() === time) this.stepBusy!.setLast(this.#busy);
    else {
      t.push(time);
      this.stepBusy!.push(this.#busy);
    }
  }

  attempt(r: AttemptRecord): void {
    if (this.attempts === null) return;
    if (this.attempts.length < this.#maxAttempts) this.attempts.push(r);
    else this.attemptsDropped++;
  }
}
