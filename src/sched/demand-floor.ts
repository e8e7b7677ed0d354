/**
 * The componentwise minimum of the demands of all waiting tasks: a lower bound on any waiting
 * task's demand. When no worker has that much free, no waiting task can fit anywhere and a
 * round stops scanning ("capacity exhausted") instead of popping 10,000 tasks to learn it.
 *
 * Per resource name: a count of each distinct demanded value and a min-heap of the distinct
 * values, so enqueue/remove are O(log distinct) and the floor is O(resources). A task that does
 * not name a resource demands 0 of it, which makes the floor 0 there (tracked by `#named`).
 */
import { Heap } from './heap.js';
import type { Resources } from '../core/resources.js';

interface Dim {
  readonly key: string;
  readonly counts: Map<number, number>;
  readonly heap: Heap<number>;
  named: number;
}

export class DemandFloor {
  readonly #dims = new Map<string, Dim>();
  /** The dims in Map order, as an array: `floor()` runs every round, and a Map's entry iterator allocates. */
  readonly #list: Dim[] = [];
  #n = 0;
  /** The floor last returned, until the next add/delete (a round asks once; no allocation per round). */
  #cached: Record<string, number> | null = null;
  /** The vector last built (reused while the floor's values stay the same). */
  #last: Record<string, number> | null = null;

  add(r: Resources): void {
    this.#n++;
    this.#cached = null;
    for (const k in r) {
      const v = r[k]!;
      if (!(v > 0)) continue;
      let d = this.#dims.get(k);
      if (!d) {
        this.#dims.set(k, (d = { key: k, counts: new Map(), heap: new Heap<number>((a, b) => a < b), named: 0 }));
        this.#list.push(d);
      }
      d.named++;
      const c = d.counts.get(v) ?? 0;
      d.counts.set(v, c + 1);
      if (c === 0) d.heap.push(v);
    }
  }

  delete(r: Resources): void {
    this.#n--;
    this.#cached = null;
    for (const k in r) {
      const v = r[k]!;
      if (!(v > 0)) continue;
      const d = this.#dims.get(k)!;
      d.named--;
      const c = d.counts.get(v)! - 1;
      if (c === 0) {
        d.counts.delete(v);
        d.heap.remove(v);
      } else d.counts.set(v, c);
      if (d.named === 0) {
        this.#dims.delete(k);
        this.#list.splice(this.#list.indexOf(d), 1);
      }
    }
  }

  /** The floor vector (only resources every waiting task demands appear). */
  floor(): Record<string, number> {
    if (this.#cached) return this.#cached;
    // Same vector as the last one returned (the usual case: adds and deletes of common demands):
    // hand back that object, so a round allocates nothing. Returned vectors are never mutated.
    const last = this.#last;
    if (last !== null) {
      let same = true;
      let n = 0;
      for (const d of this.#list) {
        if (d.named !== this.#n) continue;
        n++;
        if (last[d.key] !== d.heap.peek()) {
          same = false;
          break;
        }
      }
      if (same) {
        for (const _ in last) n--;
        if (n === 0) return (this.#cached = last);
      }
    }
    const out: Record<string, number> = (this.#cached = {});
    for (const d of this.#list) if (d.named === this.#n) out[d.key] = d.heap.peek()!;
    return (this.#last = out);
  }
}
