/**
 * One queue of waiting tasks in a policy's order, with the round protocol every policy uses:
 * `take()` pops the next candidate and holds it; the framework then either places it
 * (`placed`, the task leaves) or leaves it held, and `endRound()` puts every held task back.
 * So a round costs O(examined x log n), never a re-sort of the queue.
 *
 * Order: key `a` ascending, then `b` ascending, then readyAt, then seq (the FIFO tie-break).
 * Keys are computed once at enqueue: a task's heap key must never change while it is queued
 * (e.g. critical-path snapshots the job's remaining work when the task is enqueued).
 */
import { SlotHeap } from './slot-heap.js';
import type { SchedTask } from './types.js';

export interface QueueEntry {
  readonly task: SchedTask;
  readonly a: number;
  readonly b: number;
  /** Position in the heap (-1: held by the round or gone). */
  hpos: number;
}

export type KeyFn = (task: SchedTask) => readonly [number, number];

function less(x: QueueEntry, y: QueueEntry): boolean {
  if (x.a !== y.a) return x.a < y.a;
  if (x.b !== y.b) return x.b < y.b;
  if (x.task.readyAt !== y.task.readyAt) return x.task.readyAt < y.task.readyAt;
  return x.task.seq < y.task.seq;
}

/** FIFO order: readyAt, then seq. */
export const FIFO_KEY: KeyFn = () => [0, 0];

export class OrderedQueue {
  readonly #heap = new SlotHeap<QueueEntry>(less);
  readonly #byKey = new Map<string, QueueEntry>();
  readonly #held: QueueEntry[] = [];
  readonly #key: KeyFn;

  constructor(key: KeyFn) {
    this.#key = key;
  }

  /** Waiting tasks, including those held by the current round. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Candidates not yet offered in this round. */
  get untaken(): number {
    return this.#heap.size;
  }

  push(task: SchedTask): void {
    if (this.#byKey.has(task.key)) return;
    const [a, b] = this.#key(task);
    const e: QueueEntry = { task, a, b, hpos: -1 };
    this.#byKey.set(task.key, e);
    this.#heap.push(e);
  }

  remove(key: string): boolean {
    const e = this.#byKey.get(key);
    if (!e) return false;
    this.#byKey.delete(key);
    if (!this.#heap.remove(e)) {
      const i = this.#held.indexOf(e);
      if (i >= 0) this.#held.splice(i, 1);
    }
    return true;
  }

  /** The next candidate of this round, without taking it. */
  peek(): SchedTask | undefined {
    return this.#heap.peek()?.task;
  }

  /** Pops the next candidate of this round and holds it until `endRound` (unless placed). */
  take(): SchedTask | undefined {
    const e = this.#heap.pop();
    if (!e) return undefined;
    this.#held.push(e);
    return e.task;
  }

  /** The task taken last was placed: it leaves the queue for good. */
  placed(key: string): void {
    const e = this.#byKey.get(key);
    if (!e) return;
    this.#byKey.delete(key);
    const i = this.#held.lastIndexOf(e);
    if (i >= 0) this.#held.splice(i, 1);
  }

  endRound(): void {
    for (const e of this.#held) this.#heap.push(e);
    this.#held.length = 0;
  }

  tasks(): IterableIterator<SchedTask> {
    return (function* (m: Map<string, QueueEntry>) {
      for (const e of m.values()) yield e.task;
    })(this.#byKey);
  }
}
