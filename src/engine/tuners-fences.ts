/**
 * Applies the circuit breaker's states to placement without touching the scheduler's internals:
 * a worker is re-added under its id (which keeps its placed tasks and their accounting) with
 *   - open: every capacity dimension 0 — nothing fits, running attempts finish undisturbed;
 *   - half-open: its real capacity but `slots` = what it runs now + the allowed probes;
 *   - closed: its real capacity back.
 * Works for any worker id (the local one, remote workers). Whoever else re-adds the worker
 * (setConcurrency, a remote worker's re-registration) replaces the fenced info; `refresh` notices
 * (the info object is not the one installed here), takes the new info as the real one, and fences
 * it again — so a fence may lapse for at most one check period.
 */
import type { SchedulerApi, WorkerInfo } from '../sched/types.js';
import type { BreakerStateName } from '../learn/breaker/circuit-breaker.js';

interface Fence {
  real: WorkerInfo;
  installed: WorkerInfo;
  state: Exclude<BreakerStateName, 'closed'>;
}

export class WorkerFences {
  readonly #scheduler: SchedulerApi;
  readonly #probes: number;
  readonly #fences = new Map<string, Fence>();

  constructor(scheduler: SchedulerApi, probes: number) {
    this.#scheduler = scheduler;
    this.#probes = probes;
  }

  /** Applies a breaker state to worker `id`; false when no such worker is registered. */
  set(id: string, state: BreakerStateName): boolean {
    const current = this.#scheduler.workers().find((w) => w.id === id);
    const f = this.#fences.get(id);
    if (current === undefined) {
      this.#fences.delete(id);
      return false;
    }
    const real = f !== undefined && f.installed === current ? f.real : current;
    if (state === 'closed') {
      this.#fences.delete(id);
      if (f !== undefined) this.#scheduler.addWorker(real);
      return true;
    }
    const installed = state === 'open' ? { ...real, capacity: zero(real.capacity) } : this.#probing(real);
    this.#fences.set(id, { real, installed, state });
    this.#scheduler.addWorker(installed);
    return true;
  }

  /** Re-fences workers someone else re-added since (see the file comment). */
  refresh(): void {
    for (const [id, f] of this.#fences) {
      const current = this.#scheduler.workers().find((w) => w.id === id);
      if (current === undefined) this.#fences.delete(id);
      else if (current !== f.installed) {
        this.#fences.delete(id);
        this.set(id, f.state);
      }
    }
  }

  isFenced(id: string): boolean {
    return this.#fences.has(id);
  }

  #probing(real: WorkerInfo): WorkerInfo {
    const running = this.#scheduler.allocated(real.id).slots ?? 0;
    const slots = Math.min(real.capacity.slots ?? Infinity, Math.max(0, running) + this.#probes);
    return { ...real, capacity: { ...real.capacity, slots } };
  }
}

function zero(c: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in c) out[k] = 0;
  out.slots = 0;
  return out;
}
