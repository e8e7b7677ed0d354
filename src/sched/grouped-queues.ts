/**
 * Queues of waiting tasks grouped by a name (a namespace for `fair`, a job for `weighted-fair`),
 * each in its own OrderedQueue, and a heap of groups keyed by a score the policy maintains
 * (lowest first). The next candidate is the head of the lowest-scored group, so picking from
 * "the namespace/job furthest below its share" is O(log groups), not a scan.
 *
 * Round protocol as OrderedQueue: a group with nothing left to offer this round (or blocked by
 * strict admission) leaves the heap into `#held` and comes back at `endRound`.
 * Invariant: a group is in the heap, or in #held, or (when its queue is empty) in neither.
 */
import { SlotHeap } from './slot-heap.js';
import { OrderedQueue, type KeyFn, type QueueEntry } from './ordered-queue.js';
import type { SchedTask } from './types.js';

export interface Group {
  readonly name: string;
  readonly q: OrderedQueue;
  /** Lower is picked first; change it only through `GroupedQueues.rescore`. */
  score: number;
  /** Tie-break among equal scores (e.g. job arrival). */
  readonly tie: number;
  /** Position in the group heap (-1: not in it). */
  hpos: number;
}

export class GroupedQueues {
  readonly #groups = new Map<string, Group>();
  readonly #heap = new SlotHeap<Group>((a, b) => a.score !== b.score ? a.score < b.score : a.tie !== b.tie ? a.tie < b.tie : a.name < b.name);
  readonly #where = new Map<string, Group>();
  readonly #held: Group[] = [];
  readonly #touched = new Set<Group>();
  readonly #key: KeyFn;
  /** Entries added by `enqueueEntry` (their group is `e.home`: no Map by key). */
  #entries = 0;

  constructor(key: KeyFn) {
    this.#key = key;
  }

  get size(): number {
    return this.#where.size + this.#entries;
  }

  group(name: string): Group | undefined {
    return this.#groups.get(name);
  }

  groups(): IterableIterator<Group> {
    return this.#groups.values();
  }

  #group(name: string, score: number, tie: number): Group {
    let g = this.#groups.get(name);
    if (!g) this.#groups.set(name, (g = { name, q: new OrderedQueue(this.#key), score, tie, hpos: -1 }));
    return g;
  }

  enqueue(t: SchedTask, name: string, score: number, tie: number): Group {
    const g = this.#group(name, score, tie);
    g.q.push(t);
    this.#where.set(t.key, g);
    if (!this.#heap.has(g) && !this.#held.includes(g)) this.#heap.push(g);
    return g;
  }

  /** The entry protocol (entry-policy.ts): the Scheduler's record, its group kept in `e.home`. */
  enqueueEntry(e: QueueEntry, name: string, score: number, tie: number): Group {
    const g = this.#group(name, score, tie);
    g.q.pushEntry(e);
    e.home = g;
    this.#entries++;
    if (!this.#heap.has(g) && !this.#held.includes(g)) this.#heap.push(g);
    return g;
  }

  removeEntry(e: QueueEntry): void {
    const g = e.home as Group;
    this.#entries--;
    g.q.removeEntry(e);
    if (g.q.size === 0) this.#heap.remove(g);
  }

  nextEntry(): QueueEntry | undefined {
    for (;;) {
      const g = this.#heap.peek();
      if (!g) return undefined;
      const e = g.q.takeEntry();
      if (e) {
        this.#touched.add(g);
        return e;
      }
      this.#heap.pop();
      this.#held.push(g);
    }
  }

  placedEntry(e: QueueEntry): void {
    this.#entries--;
    (e.home as Group).q.placedEntry(e);
  }

  remove(key: string): void {
    const g = this.#where.get(key);
    if (!g) return;
    this.#where.delete(key);
    g.q.remove(key);
    if (g.q.size === 0) this.#heap.remove(g);
  }

  rescore(g: Group, score: number): void {
    if (g.score === score) return;
    g.score = score;
    this.#heap.update(g);
  }

  next(): SchedTask | undefined {
    for (;;) {
      const g = this.#heap.peek();
      if (!g) return undefined;
      const t = g.q.take();
      if (t) {
        this.#touched.add(g);
        return t;
      }
      this.#heap.pop();
      this.#held.push(g);
    }
  }

  placed(t: SchedTask): void {
    const g = this.#where.get(t.key);
    if (!g) return;
    this.#where.delete(t.key);
    g.q.placed(t.key);
  }

  block(name: string): void {
    const g = this.#groups.get(name);
    if (g && this.#heap.remove(g)) this.#held.push(g);
  }

  endRound(): void {
    for (const g of this.#touched) g.q.endRound();
    for (const g of this.#held) if (g.q.size > 0) this.#heap.push(g);
    this.#held.length = 0;
    // Only a group that offered a task this round can have been emptied (by placements): between
    // rounds every group in the heap is non-empty (`remove` drops a group it empties). Checking
    // those, not the whole heap, keeps a round O(touched) with 1,000 namespaces (fair, TPC-H).
    for (const g of this.#touched) if (g.q.size === 0) this.#heap.remove(g);
    this.#touched.clear();
  }

  heads(): SchedTask[] {
    const out: SchedTask[] = [];
    for (const g of this.#heap.values()) {
      const h = g.q.peek();
      if (h) out.push(h);
    }
    return out;
  }

  /** Drops a group that has no waiting task (the policy decides when its state is no longer needed). */
  forget(name: string): void {
    const g = this.#groups.get(name);
    if (g && g.q.size === 0 && !this.#heap.has(g)) this.#groups.delete(name);
  }
}
