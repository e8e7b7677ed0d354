/**
 * priority: strict priority — a higher `priority` value always goes first; FIFO inside a level.
 * One queue per distinct priority value, so strict admission blocks per level ("the head of
 * each priority queue blocks those behind it in the same queue") and a blocked level is skipped
 * in O(1) rather than scanned. No settings. Lower levels can starve: that is what `wrr` is for.
 *
 * Invariant: `levels` holds the distinct priorities of non-empty queues, sorted descending.
 */
import type { EntryOps } from '../entry-policy.js';
import { FIFO_KEY, OrderedQueue, type QueueEntry } from '../ordered-queue.js';
import type { Policy, PolicyFactory } from '../policy.js';
import type { SchedTask } from '../types.js';

export const priority: PolicyFactory = () => new PriorityPolicy();

const TAKE = (q: OrderedQueue): SchedTask | undefined => q.take();
const TAKE_ENTRY = (q: OrderedQueue): QueueEntry | undefined => q.takeEntry();

class PriorityPolicy implements Policy {
  readonly name = 'priority';
  readonly #queues = new Map<number, OrderedQueue>();
  #levels: number[] = [];
  /** Only for the by-key methods (Policy): the entry protocol needs no Map per task. */
  readonly #where = new Map<string, number>();
  /** Entries queued through the entry protocol. */
  #entries = 0;
  #blocked = new Set<number>();
  #cursor = 0;
  /**
   * The entry protocol (entry-policy.ts): the Scheduler's own record goes into the level's queue,
   * so a task costs no Map entry here, none in its queue and none in the Scheduler's index (the
   * engine's default policy: three Map inserts and deletes and a queue entry per task before).
   * Same queues, same order as the by-key methods.
   */
  readonly entryOps: EntryOps = {
    plain: { enqueue: this.enqueue, remove: this.remove, next: this.next, placed: this.placed },
    enqueue: (e) => {
      this.#queueFor(e.task.priority).pushEntry(e);
      this.#entries++;
    },
    remove: (e) => {
      const p = e.task.priority;
      this.#queues.get(p)!.removeEntry(e);
      this.#entries--;
      this.#dropIfEmpty(p);
    },
    next: () => this.#nextFrom(TAKE_ENTRY),
    placed: (e) => {
      this.#queues.get(e.task.priority)!.placedEntry(e);
      this.#entries--;
    },
  };

  get size(): number {
    return this.#where.size + this.#entries;
  }

  queueOf(t: SchedTask): string {
    return `p${t.priority}`;
  }

  enqueue(t: SchedTask): void {
    if (this.#where.has(t.key)) return;
    this.#queueFor(t.priority).push(t);
    this.#where.set(t.key, t.priority);
  }

  #queueFor(priority: number): OrderedQueue {
    let q = this.#queues.get(priority);
    if (!q) {
      q = new OrderedQueue(FIFO_KEY);
      this.#queues.set(priority, q);
      this.#levels.push(priority);
      this.#levels.sort((a, b) => b - a);
    }
    return q;
  }

  remove(key: string): void {
    const p = this.#where.get(key);
    if (p === undefined) return;
    this.#where.delete(key);
    this.#queues.get(p)!.remove(key);
    this.#dropIfEmpty(p);
  }

  beginRound(): void {
    this.#blocked.clear();
    this.#cursor = 0;
  }

  next(): SchedTask | undefined {
    return this.#nextFrom(TAKE);
  }

  #nextFrom<T>(take: (q: OrderedQueue) => T | undefined): T | undefined {
    while (this.#cursor < this.#levels.length) {
      const p = this.#levels[this.#cursor]!;
      const t = this.#blocked.has(p) ? undefined : take(this.#queues.get(p)!);
      if (t) return t;
      this.#cursor++;
    }
    return undefined;
  }

  placed(t: SchedTask): void {
    this.#where.delete(t.key);
    this.#queues.get(t.priority)!.placed(t.key);
  }

  blockQueue(queue: string): void {
    this.#blocked.add(Number(queue.slice(1)));
  }

  endRound(): void {
    for (const p of [...this.#levels]) {
      this.#queues.get(p)!.endRound();
      this.#dropIfEmpty(p);
    }
  }

  heads(): SchedTask[] {
    const out: SchedTask[] = [];
    for (const p of this.#levels) {
      const h = this.#queues.get(p)!.peek();
      if (h) out.push(h);
    }
    return out;
  }

  allocated(): void {}

  #dropIfEmpty(p: number): void {
    const q = this.#queues.get(p);
    if (!q || q.size > 0) return;
    this.#queues.delete(p);
    this.#levels = this.#levels.filter((x) => x !== p);
    if (this.#cursor > 0) this.#cursor = 0; // only called between rounds or on remove; restart is safe
  }
}
