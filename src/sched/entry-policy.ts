/**
 * The entry protocol: how the Scheduler talks to built-in policies without a second record and a
 * Map per task. The Policy interface (policy.ts) works by task and key; a policy that keeps its
 * waiting tasks in OrderedQueues can instead keep the Scheduler's own per-task record (a
 * QueueEntry), and offer these methods as `entryOps`. The Scheduler then enqueues, removes and
 * places records, and gets the next candidate's record directly (no lookup by key).
 *
 * Safety: the entry methods stand for the policy's `enqueue`/`remove`/`next`/`placed`, so they
 * are used only while the policy object still has those very functions (`plain`): a policy
 * derived from a built-in one that overrides any of them (e.g. `{ ...fifo, next }`) gets the
 * plain protocol, so its overrides are always called.
 */
import type { QueueEntry } from './ordered-queue.js';
import type { Policy } from './policy.js';

export interface EntryOps {
  /** The plain methods these stand for. */
  readonly plain: Pick<Policy, 'enqueue' | 'remove' | 'next' | 'placed'>;
  enqueue(e: QueueEntry): void;
  remove(e: QueueEntry): void;
  next(): QueueEntry | undefined;
  placed(e: QueueEntry, workerId: string): void;
}

/** The policy's entry methods when it has them and has not overridden what they stand for. */
export function entryOpsOf(p: Policy): EntryOps | null {
  const ops = (p as { entryOps?: EntryOps }).entryOps;
  if (ops === undefined) return null;
  const pl = ops.plain;
  return pl.enqueue === p.enqueue && pl.remove === p.remove && pl.next === p.next && pl.placed === p.placed ? ops : null;
}
