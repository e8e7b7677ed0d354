/**
 * EASY backfill (Lifka 1995; Mu'alem & Feitelson 2001): the first task of a round that cannot
 * start for lack of resources (the head) gets a reservation — the earliest time enough of one
 * worker frees up, from placed tasks' estimated ends — and a later task may start now only if
 * it cannot push that reservation back:
 *   - it goes to another worker than the reserved one (the reserved worker's future is untouched), or
 *   - it finishes (by its estimate) by the reserved start, or
 *   - it fits in what the reserved worker will have left over at the reserved start once the
 *     head is in (`extra`, which each such backfill then consumes).
 * A task of the head's namespace must also leave the head room in its quota, unless it ends first.
 * A task with no estimate is assumed never to end before the reservation.
 *
 * Guarantee (tested in test/sched/backfill.test.ts on randomized cases): with exact estimates
 * and no new arrivals ahead of it, the head starts no later than its first reserved start.
 */
import { fits, subtract, type Resources } from '../core/resources.js';
import type { QuotaBook } from './quotas.js';
import type { SchedTask, WorkerInfo } from './types.js';
import type { WorkerPool } from './workers.js';

export interface Reservation {
  readonly head: SchedTask;
  readonly workerId: string;
  readonly start: number;
  /** Resources of the reserved worker still unclaimed at `start` after the head (consumed by backfills). */
  readonly extra: Record<string, number>;
}

/** The reservation for `head` on the worker where it can start earliest; null if none ever can. */
export function reserve(pool: WorkerPool, head: SchedTask, eligible: readonly WorkerInfo[], now: number): Reservation | null {
  let best: Reservation | null = null;
  for (const w of eligible) {
    const { at, freeAt } = pool.availableAt(w.id, head.resources, now);
    if (at === Number.POSITIVE_INFINITY || (best && at >= best.start)) continue;
    best = { head, workerId: w.id, start: at, extra: subtract(freeAt, head.resources) };
  }
  return best;
}

function endsBy(task: SchedTask, w: WorkerInfo, now: number, t: number): boolean {
  return task.estimateMs !== null && now + task.estimateMs / w.speed <= t;
}

/** Whether placing `task` on `w` now leaves the reservation intact. */
export function backfillAllows(r: Reservation, task: SchedTask, w: WorkerInfo, now: number, quotas: QuotaBook): boolean {
  const early = endsBy(task, w, now, r.start);
  if (!early && task.job.namespace === r.head.job.namespace && quotas.violation(r.head, undefined, task)) return false;
  if (w.id !== r.workerId) return true;
  return early || fits(task.resources, r.extra);
}

/** Accounts a placement that `backfillAllows` admitted on the reserved worker. */
export function commitBackfill(r: Reservation, task: SchedTask, w: WorkerInfo, now: number): void {
  if (w.id !== r.workerId || endsBy(task, w, now, r.start)) return;
  const d: Resources = task.resources;
  for (const k in d) r.extra[k] = (r.extra[k] ?? 0) - d[k]!;
}
