/**
 * One queue of waiting tasks in a policy's order, with the round protocol every policy uses:
 * `take()` pops the next candidate and holds it; the framework then either places it
 * (`placed`, the task leaves) or leaves it held, and `endRound()` puts every held task back.
 * So a round costs O(examined x log n), never a re-sort of the queue.
 *
 * Order: key `a` ascending, then `b` ascending, then readyAt, then seq (the FIFO tie-break).
 * Keys are computed once at enqueue: a task's heap key must never change while it is queued
 * (e.g. critical-path snapshots the job's remaining work when the task is enqueued).
 *
 * Two ways in, one order: the Policy methods by task and key (`push`, `remove(key)`, `take`,
 * `placed(key)`: a QueueEntry per task and a Map by key), and the entry methods the Scheduler
 * uses with built-in policies (entry-policy.ts): the queue keeps the Scheduler's own per-task
 * record, so there is no second object and no Map per task (measured: the queue's Map and
 * entries were ~10% of a TPC-H continuous run). One queue is used one way or the other.
 */
import { SlotHeap } from './slot-heap.js';
import type { SchedTask } from './types.js';

/** A task's sort key, written by a policy's KeyFn. */
export interface QueueKey {
  a: number;
  b: number;
}

export interface QueueEntry extends QueueKey {
  readonly task: SchedTask;
  /** Copies of task.readyAt and task.seq (immutable once enqueued): no pointer chase per comparison. */
  readyAt: number;
  seq: number;
  /** Position in the heap (-1: not in the heap). */
  hpos: number;
  /** In the sorted run (see OrderedQueue), live. */
  inRun: boolean;
  /** The grouped queue holding it (grouped-queues.ts), or null. */
  home: unknown;
}

/** Writes the task's key into `out` (no tuple allocated per push). */
export type KeyFn = (task: SchedTask, out: QueueKey) => void;

function less(x: QueueEntry, y: QueueEntry): boolean {
  if (x.a !== y.a) return x.a < y.a;
  if (x.b !== y.b) return x.b < y.b;
  if (x.readyAt !== y.readyAt) return x.readyAt < y.readyAt;
  return x.seq < y.seq;
}

/** FIFO only: a and b are always 0. */
function lessFifo(x: QueueEntry, y: QueueEntry): boolean {
  if (x.readyAt !== y.readyAt) return x.readyAt < y.readyAt;
  return x.seq < y.seq;
}

/** FIFO order: readyAt, then seq. */
export const FIFO_KEY: KeyFn = (_t, out) => {
  out.a = 0;
  out.b = 0;
};

/**
 * Two stores, one order: a sorted run (an array in ascending order from #head; a push not below
 * its tail appends in O(1), and FIFO pushes — the simulator's and the engine's, ready now —
 * always are) and a heap for the rest. `take` pops the smaller of the two heads, so the order of
 * candidates is exactly the heap's (a total order has one minimum). Held tasks go back to the
 * front of the run at endRound (they are the smallest). Removed run entries are left as
 * tombstones (`inRun` false) and skipped.
 */
export class OrderedQueue {
  readonly #heap: SlotHeap<QueueEntry>;
  readonly #less: (x: QueueEntry, y: QueueEntry) => boolean;
  readonly #run: QueueEntry[] = [];
  #head = 0;
  #runLive = 0;
  /** Only for the by-key methods (created on first use). */
  #byKey: Map<string, QueueEntry> | null = null;
  readonly #held: QueueEntry[] = [];
  readonly #key: KeyFn;
  /** FIFO_KEY: no key call per push. */
  readonly #fifo: boolean;
  /** Waiting entries, including those held by the current round. */
  #n = 0;

  constructor(key: KeyFn) {
    this.#key = key;
    this.#fifo = key === FIFO_KEY;
    this.#less = this.#fifo ? lessFifo : less;
    this.#heap = new SlotHeap<QueueEntry>(this.#less);
  }

  #insert(e: QueueEntry): void {
    const run = this.#run;
    if (this.#runLive === 0 && run.length > 0) {
      while (run.length > 0) run.pop();
      this.#head = 0;
    }
    if (run.length === this.#head || !this.#less(e, run[run.length - 1]!)) {
      run.push(e);
      e.inRun = true;
      this.#runLive++;
    } else this.#heap.push(e);
  }

  /** The live head of the run (tombstones skipped), or undefined. */
  #runHead(): QueueEntry | undefined {
    const run = this.#run;
    let h = this.#head;
    while (h < run.length && !run[h]!.inRun) h++;
    if (h > 1024 && h * 2 > run.length) {
      run.copyWithin(0, h);
      for (let k = 0; k < h; k++) run.pop();
      h = 0;
    }
    this.#head = h;
    return h < run.length ? run[h] : undefined;
  }

  /** Waiting tasks, including those held by the current round. */
  get size(): number {
    return this.#n;
  }

  /** Candidates not yet offered in this round. */
  get untaken(): number {
    return this.#heap.size + this.#runLive;
  }

  /** Adds the Scheduler's record of a task (never twice: the Scheduler deduplicates by key). */
  pushEntry(e: QueueEntry): void {
    if (!this.#fifo) this.#key(e.task, e);
    else (e.a = 0), (e.b = 0);
    e.hpos = -1;
    e.inRun = false;
    this.#n++;
    this.#insert(e);
  }

  push(task: SchedTask): void {
    const byKey = (this.#byKey ??= new Map());
    if (byKey.has(task.key)) return;
    const e: QueueEntry = { task, a: 0, b: 0, readyAt: task.readyAt, seq: task.seq, hpos: -1, inRun: false, home: null };
    byKey.set(task.key, e);
    this.pushEntry(e);
  }

  /** Drops a waiting entry (in the run, the heap or held by this round). */
  removeEntry(e: QueueEntry): void {
    this.#n--;
    if (e.inRun) {
      e.inRun = false; // a tombstone, skipped by #runHead
      this.#runLive--;
    } else if (!this.#heap.remove(e)) {
      const i = this.#held.indexOf(e);
      if (i >= 0) this.#held.splice(i, 1);
    }
  }

  remove(key: string): boolean {
    const e = this.#byKey?.get(key);
    if (!e) return false;
    this.#byKey!.delete(key);
    this.removeEntry(e);
    return true;
  }

  /** The next candidate of this round, without taking it. */
  peekEntry(): QueueEntry | undefined {
    const r = this.#runHead();
    const h = this.#heap.peek();
    if (r === undefined) return h;
    return h === undefined || this.#less(r, h) ? r : h;
  }

  peek(): SchedTask | undefined {
    return this.peekEntry()?.task;
  }

  /** Pops the next candidate of this round and holds it until `endRound` (unless placed). */
  takeEntry(): QueueEntry | undefined {
    const r = this.#runHead();
    const h = this.#heap.peek();
    let e: QueueEntry | undefined;
    if (r !== undefined && (h === undefined || this.#less(r, h))) {
      this.#head++;
      r.inRun = false;
      this.#runLive--;
      e = r;
    } else e = this.#heap.pop();
    if (e === undefined) return undefined;
    this.#held.push(e);
    return e;
  }

  take(): SchedTask | undefined {
    return this.takeEntry()?.task;
  }

  /** A held entry was placed: it leaves the queue for good. */
  placedEntry(e: QueueEntry): void {
    const held = this.#held;
    this.#n--;
    // Almost always the task taken last: pop it instead of searching and splicing.
    if (held.length > 0 && held[held.length - 1] === e) {
      held.pop();
      return;
    }
    const i = held.lastIndexOf(e);
    if (i >= 0) held.splice(i, 1);
  }

  /** The task taken last was placed: it leaves the queue for good. */
  placed(key: string): void {
    const e = this.#byKey?.get(key);
    if (!e) return;
    this.#byKey!.delete(key);
    this.placedEntry(e);
  }

  endRound(): void {
    const held = this.#held;
    const run = this.#run;
    // Held tasks were taken in ascending order and are below everything left: back to the front
    // of the run (over slots already taken), largest first; the heap when the run has no room.
    while (held.length > 0) {
      const e = held.pop()!;
      if (this.#head > 0 && this.#runLive > 0) {
        run[--this.#head] = e;
        e.inRun = true;
        this.#runLive++;
      } else this.#insert(e);
    }
  }
}
