/**
 * The shape shared by every policy whose whole order is one static key (fifo, edf, sjf,
 * least-slack, critical-path, heft): one OrderedQueue, one strict-admission queue ("all").
 * A factory function rather than a base class: each policy file supplies only its key.
 * It offers the entry protocol (entry-policy.ts) next to the Policy methods.
 */
import type { EntryOps } from './entry-policy.js';
import { OrderedQueue, type KeyFn } from './ordered-queue.js';
import type { Policy } from './policy.js';
import type { SchedTask } from './types.js';

export const ALL_QUEUE = 'all';

export function singleQueuePolicy(name: string, key: KeyFn, extra: Partial<Pick<Policy, 'choosePlacement' | 'explain'>> = {}): Policy & { readonly entryOps: EntryOps } {
  const q = new OrderedQueue(key);
  let blocked = false;
  const plain: EntryOps['plain'] = {
    enqueue: (t) => q.push(t),
    remove: (k) => void q.remove(k),
    next: () => (blocked ? undefined : q.take()),
    placed: (t) => q.placed(t.key),
  };
  const entryOps: EntryOps = {
    plain,
    enqueue: (e) => q.pushEntry(e),
    remove: (e) => q.removeEntry(e),
    next: () => (blocked ? undefined : q.takeEntry()),
    placed: (e) => q.placedEntry(e),
  };
  return {
    name,
    get size() {
      return q.size;
    },
    queueOf: () => ALL_QUEUE,
    ...plain,
    beginRound: () => {
      blocked = false;
    },
    blockQueue: () => {
      blocked = true;
    },
    endRound: () => q.endRound(),
    heads: () => {
      const h = q.peek();
      return h ? [h] : [];
    },
    allocated: () => {},
    entryOps,
    ...extra,
  };
}

/** Deadline key: absolute ms, no deadline last. */
export function deadlineKey(t: SchedTask): number {
  return t.deadline ?? Number.POSITIVE_INFINITY;
}
