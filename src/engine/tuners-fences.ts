/**
 * Applies the circuit breaker's states to placement, as an adjustment of the worker's capacity
 * (worker-capacity.ts, source `breaker`), which keeps its placed tasks and their accounting:
 *   - open: every capacity dimension 0 — nothing fits, running attempts finish undisturbed;
 *   - half-open: its real capacity but `slots` = what it runs now + the allowed probes;
 *   - closed: the adjustment removed.
 * Works for any worker id (the local one, remote workers). Because every update of a worker goes
 * through WorkerCapacity, a re-registration, a speed change or a new concurrency keeps the fence.
 */
import type { SchedulerApi, WorkerInfo } from '../sched/types.js';
import type { BreakerStateName } from '../learn/breaker/circuit-breaker.js';
import type { WorkerCapacity } from './worker-capacity.js';

export class WorkerFences {
  readonly #scheduler: SchedulerApi;
  readonly #workers: WorkerCapacity;
  readonly #probes: number;
  readonly #fenced = new Set<string>();

  constructor(scheduler: SchedulerApi, workers: WorkerCapacity, probes: number) {
    this.#scheduler = scheduler;
    this.#workers = workers;
    this.#probes = probes;
  }

  /** Applies a breaker state to worker `id`; false when no such worker is registered. */
  set(id: string, state: BreakerStateName): boolean {
    if (state === 'closed') this.#fenced.delete(id);
    else this.#fenced.add(id);
    const f = state === 'closed' ? null : state === 'open' ? (w: WorkerInfo) => ({ ...w, capacity: zero(w.capacity) }) : this.#probing(id);
    const known = this.#workers.adjust(id, 'breaker', f);
    if (!known) this.#fenced.delete(id);
    return known;
  }

  isFenced(id: string): boolean {
    return this.#fenced.has(id);
  }

  /** Half-open: the probes are counted from what runs on the worker when the state is entered. */
  #probing(id: string): (w: WorkerInfo) => WorkerInfo {
    const running = Math.max(0, this.#scheduler.allocated(id).slots ?? 0);
    return (w) => ({ ...w, capacity: { ...w.capacity, slots: Math.min(w.capacity.slots ?? Infinity, running + this.#probes) } });
  }
}

function zero(c: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in c) out[k] = 0;
  out.slots = 0;
  return out;
}
