/**
 * Succeeded attempts a task row can hold (WriteBatch.attemptTasks). A function's or an HTTP
 * call's attempt that succeeded has no exit code and no error. When it ended its task, its task
 * row says all of it: attempt number, worker, start and end. A store may then keep the attempt in
 * the row instead of a row of its own, which was a quarter of the rows a no-op task writes
 * (SQLite does: `tasks.implicit_attempt`, migration 3; PostgreSQL writes every attempt).
 * Whatever it keeps, `getAttempts` returns the attempt like any other.
 */
import type { AttemptRow, TaskRow } from './types.js';

/** Whether `t`, as it is now, says everything `a` would: `a` may be left implicit in it. */
export function rowHoldsAttempt(t: TaskRow, a: AttemptRow): boolean {
  return a.status === 'succeeded' && a.kind === 'run' && a.exitCode === null && a.error === null && t.state === 'succeeded' &&
    t.attempt === a.attempt && t.startedAt === a.startedAt && t.finishedAt === a.finishedAt && t.worker === a.worker;
}
