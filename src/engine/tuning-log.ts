/**
 * Self-tuning decisions in one shape, whichever tuner made them (docs/self-tuning.md): the
 * engine's `tuning` event carries a `TuningDecision`, and `TuningLog` keeps the most recent ones
 * in a bounded ring (GET /tuning, the dashboard's Tuning page). Only decisions that changed a
 * setting are events; each tuner also keeps its latest reason (also for "hold") in its state.
 */
import type { Decision as ConcurrencyDecision } from '../learn/concurrency/index.js';

export type TunerName = 'concurrency' | 'shares' | 'policy';

export interface TuningDecision {
  /** ms epoch (the engine's clock). */
  readonly at: number;
  readonly tuner: TunerName;
  /** What moved: `decrease`/`increase` (concurrency), `move` (shares), `switch` (policy). */
  readonly action: string;
  /** The setting before and after: a limit, a shares object, a policy label. */
  readonly from: unknown;
  readonly to: unknown;
  /** A sentence with the numbers that drove it. */
  readonly reason: string;
}

export function fromConcurrency(d: ConcurrencyDecision): TuningDecision {
  return { at: d.at, tuner: 'concurrency', action: d.to > d.from ? 'increase' : 'decrease', from: d.from, to: d.to, reason: `${d.rule}: ${d.reason}` };
}

/** The last `capacity` decisions, oldest first; `total` counts every decision ever pushed. */
export class TuningLog {
  readonly #ring: TuningDecision[] = [];
  #total = 0;
  readonly #counts = new Map<string, number>();

  constructor(readonly capacity = 500) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`TuningLog capacity must be an integer >= 1 (got ${capacity})`);
  }

  push(d: TuningDecision): void {
    this.#ring.push(d);
    if (this.#ring.length > this.capacity) this.#ring.splice(0, this.#ring.length - this.capacity);
    this.#total++;
    const k = `${d.tuner}\u0000${d.action}`;
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
  }

  /** The most recent `limit` decisions (all kept by default), oldest first. */
  recent(limit = this.capacity): readonly TuningDecision[] {
    return this.#ring.slice(Math.max(0, this.#ring.length - limit));
  }

  get total(): number {
    return this.#total;
  }

  /** Decisions ever made per tuner and action (monotone: the Prometheus counter's source). */
  counts(): { tuner: string; action: string; count: number }[] {
    return [...this.#counts].map(([k, count]) => {
      const [tuner, action] = k.split('\u0000') as [string, string];
      return { tuner, action, count };
    });
  }
}
