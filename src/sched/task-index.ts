/**
 * The Scheduler's index of its live task records by key, kept lazily for drivers that promise
 * fresh keys (`SchedulerApi.enqueueFresh`, used by the simulator).
 *
 * Why: a Map from key to record cost four Map operations per task (the duplicate check and
 * insert at enqueue, the lookup and delete at release) plus the Map's table churn (~60 bytes
 * allocated per task, rehashed as entries come and go): ~10% of a TPC-H run. A fresh enqueue
 * only appends the record to `#pending`; a release by handle (`releaseHandle`) touches no Map.
 * Any lookup by key first indexes the pending records still alive, so every key-based call
 * (`enqueue`, `remove`, `release`, `reasonOf`, `waiting`...) answers exactly as with an eager
 * Map; `values()` is in enqueue order (`enq`), which was the eager Map's insertion order.
 *
 * Invariant: a live record is in `#byKey` (indexed) or in `#pending` (not indexed), never
 * neither; a dead record (released, removed) is in neither `#byKey` nor counted in `#live`.
 */
import type { TaskEntry } from './task-entry.js';

export class TaskIndex {
  readonly #byKey = new Map<string, TaskEntry>();
  /** Fresh records not yet in #byKey (some may have died since, or been reused and indexed). */
  readonly #pending: TaskEntry[] = [];
  #live = 0;

  /** The live record of `key`, if any. */
  get(key: string): TaskEntry | undefined {
    if (this.#pending.length > 0) this.#flush();
    return this.#byKey.get(key);
  }

  /** Adds a record whose key `get` just reported absent. */
  add(e: TaskEntry): void {
    e.alive = true;
    e.indexed = true;
    this.#byKey.set(e.task.key, e);
    this.#live++;
  }

  /** Adds a record the driver promises no live record shares the key of. */
  addFresh(e: TaskEntry): void {
    e.alive = true;
    e.indexed = false;
    const pending = this.#pending;
    pending.push(e);
    this.#live++;
    // Records released without a lookup by key in between pile up: drop the dead ones.
    if (pending.length > 2 * this.#live + 4096) {
      let k = 0;
      for (let i = 0; i < pending.length; i++) {
        const p = pending[i]!;
        if (p.alive && !p.indexed) pending[k++] = p;
      }
      while (pending.length > k) pending.pop();
    }
  }

  /** The record leaves (released or removed). */
  delete(e: TaskEntry): void {
    if (e.indexed) this.#byKey.delete(e.task.key);
    e.indexed = false;
    e.alive = false;
    this.#live--;
  }

  /** Every live record, in enqueue order. */
  values(): TaskEntry[] {
    if (this.#pending.length > 0) this.#flush();
    const out = [...this.#byKey.values()];
    // Map order is enqueue order unless records were indexed late (fresh ones): sort only then.
    for (let i = 1; i < out.length; i++) if (out[i - 1]!.enq > out[i]!.enq) return out.sort((a, b) => a.enq - b.enq);
    return out;
  }

  #flush(): void {
    const pending = this.#pending;
    for (let i = 0; i < pending.length; i++) {
      const e = pending[i]!;
      // A reused record can be here twice (or was indexed since by a checked enqueue): once.
      if (!e.alive || e.indexed) continue;
      e.indexed = true;
      this.#byKey.set(e.task.key, e);
    }
    while (pending.length > 0) pending.pop();
  }
}
