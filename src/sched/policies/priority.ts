/**
 * priority: strict priority — a higher `priority` value always goes first; FIFO inside a level.
 * One queue per distinct priority value, so strict admission blocks per level ("the head of
 * each priority queue blocks those behind it in the same queue") and a blocked level is skipped
 * in O(1) rather than scanned. No settings. Lower levels can starve: that is what `wrr` is for.
 *
 * Invariant: `levels` holds the distinct priorities of non-empty queues, sorted descending.
 */
import { FIFO_KEY, OrderedQueue } from '../ordered-queue.js';
import type { Policy, PolicyFactory } from '../policy.js';
import type { SchedTask } from '../types.js';

export const priority: PolicyFactory = () => new PriorityPolicy();

class PriorityPolicy implements Policy {
  readonly name = 'priority';
  readonly #queues = new Map<number, OrderedQueue>();
  #levels: number[] = [];
  readonly #where = new Map<string, number>();
  #blocked = new Set<number>();
  #cursor = 0;

  get size(): number {
    return this.#where.size;
  }

  queueOf(t: SchedTask): string {
    return `p${t.priority}`;
  }

  enqueue(t: SchedTask): void {
    if (this.#where.has(t.key)) return;
    let q = this.#queues.get(t.priority);
    if (!q) {
      q = new OrderedQueue(FIFO_KEY);
      this.#queues.set(t.priority, q);
      this.#levels.push(t.priority);
      this.#levels.sort((a, b) => b - a);
    }
    q.push(t);
    this.#where.set(t.key, t.priority);
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
    while (this.#cursor < this.#levels.length) {
      const p = this.#levels[this.#cursor]!;
      const t = this.#blocked.has(p) ? undefined : this.#queues.get(p)!.take();
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
