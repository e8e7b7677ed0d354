/**
 * The componentwise minimum of the demands of all waiting tasks: a lower bound on any waiting
 * task's demand. When no worker has that much free, no waiting task can fit anywhere and a
 * round stops scanning ("capacity exhausted") instead of popping 10,000 tasks to learn it.
 *
 * Per resource name: a count of each distinct demanded value and a min-heap of the distinct
 * values, so enqueue/remove are O(log distinct) and the floor is O(resources). A task that does
 * not name a resource demands 0 of it, which makes the floor 0 there (tracked by `#named`).
 *
 * Drivers share one resources object per stage or task type, so the counters a demand touches
 * (`Cell`s) are cached for the last object seen: an add or delete of the same object costs a few
 * field writes, not three Map operations per resource (measured: ~6 Map operations per task).
 */
import { Heap } from './heap.js';
import type { Resources } from '../core/resources.js';

interface Dim {
  readonly key: string;
  readonly counts: Map<number, Cell>;
  readonly heap: Heap<number>;
  named: number;
  /** Dropped from #dims (no waiting task names it): cached cells of it are stale. */
  dead: boolean;
}

/** How many waiting tasks demand exactly `v` of `dim` (in dim.counts and dim.heap while n > 0). */
interface Cell {
  readonly dim: Dim;
  readonly v: number;
  n: number;
  dead: boolean;
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
  /** The cells of the last resources object seen. */
  #lastR: Resources | null = null;
  #lastCells: Cell[] = [];

  /** The cells of `r`'s positive demands (created when missing, with n = 0). */
  #cells(r: Resources): Cell[] {
    if (r === this.#lastR) {
      const cells = this.#lastCells;
      let ok = true;
      for (let i = 0; i < cells.length; i++) if (cells[i]!.dead || cells[i]!.dim.dead) ok = false;
      if (ok) return cells;
    }
    const cells: Cell[] = [];
    for (const k in r) {
      const v = r[k]!;
      if (!(v > 0)) continue;
      let d = this.#dims.get(k);
      if (!d) {
        this.#dims.set(k, (d = { key: k, counts: new Map(), heap: new Heap<number>((a, b) => a < b), named: 0, dead: false }));
        this.#list.push(d);
      }
      let c = d.counts.get(v);
      if (c === undefined) d.counts.set(v, (c = { dim: d, v, n: 0, dead: false }));
      cells.push(c);
    }
    this.#lastR = r;
    this.#lastCells = cells;
    return cells;
  }

  add(r: Resources): void {
    this.#n++;
    this.#cached = null;
    const cells = this.#cells(r);
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      c.dim.named++;
      if (c.n++ === 0) c.dim.heap.push(c.v);
    }
  }

  delete(r: Resources): void {
    this.#n--;
    this.#cached = null;
    const cells = this.#cells(r);
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      const d = c.dim;
      d.named--;
      if (--c.n === 0) {
        d.counts.delete(c.v);
        d.heap.remove(c.v);
        c.dead = true;
      }
      if (d.named === 0) {
        this.#dims.delete(d.key);
        this.#list.splice(this.#list.indexOf(d), 1);
        d.dead = true;
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
      const list = this.#list;
      for (let i = 0; i < list.length; i++) {
        const d = list[i]!;
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
