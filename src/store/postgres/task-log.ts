/**
 * The write-ahead of a tick's dispatches as ONE row. A fleet engine writes every attempt's
 * `running` (or `dispatched`) transition before it sends the attempt (so that a recovered engine
 * never reuses an attempt number), then the attempt's end. As task-table upserts that was one
 * row update per transition; here the steady-state tick's `running`/`dispatched` rows of one run
 * go into `task_log` as ONE row: their task tuples (rows.ts `taskTuple`) as JSON text, which the
 * server stores without parsing (bench/fleet/pg-floor.ts "final": PostgreSQL 20.5 -> 15.5 µs per
 * task; docs/benchmarks.md, "2026-11-24 session 5").
 *
 * Which is newer, a task's row or a log entry? Attempt numbers cannot tell (a `lost` attempt
 * re-queues the task under the same number), so every task upsert records `log_seq`: the log
 * sequence's value when it was written. A log entry overrides the row iff its id is greater.
 * Commits apply in call order (postgres-store.ts), so a later table write always records a value
 * at least the id of every earlier log row.
 *
 * Reads: `getTasks` overlays the run's log rows in id order (`overlayLog`). The log rows of a run
 * are deleted in the commit that makes the run terminal (all its tasks are terminal then, written
 * to the table, so no log entry is newer than its row), and folded into the table every
 * `logFoldRows` rows of a long run (write-batch.ts `foldLog`, one statement run by the server:
 * what a read of the run's tasks parses stays bounded).
 */
import type { TaskRow, WriteBatch } from '../types.js';
import { TERMINAL_RUN_STATES } from '../../core/model.js';
import { lastPerTask, taskTuple } from './rows.js';

/** Task states written to the log instead of the table (the write-ahead of a dispatch). */
const LOGGED: ReadonlySet<string> = new Set(['running', 'dispatched']);

/** `log_seq` of a task write: the log sequence's last value (0 before the first log row). */
export const logSeq = (s: string): string => `(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${s}.task_log_id_seq)`;

/**
 * The batch's task updates (last per task) split into table rows and, when the batch has any
 * `running`/`dispatched` rows and they all belong to one run, that run's log entry: its run id
 * and the tuples' JSON. With rows of several runs nothing is logged (one log row per run would
 * need one statement part per run).
 */
export function splitForLog(b: WriteBatch): { table: readonly TaskRow[]; log: { runId: string; tuples: string } | null } {
  const rows = lastPerTask(b.tasks);
  let runId: string | null = null;
  let n = 0;
  for (const t of rows) {
    if (!LOGGED.has(t.state)) continue;
    if (runId !== null && t.runId !== runId) return { table: rows, log: null };
    runId = t.runId;
    n++;
  }
  if (runId === null) return { table: rows, log: null };
  const table: TaskRow[] = [];
  const logged: unknown[][] = [];
  for (const t of rows) {
    if (LOGGED.has(t.state)) logged.push(taskTuple(t));
    else table.push(t);
  }
  return { table: n === rows.length ? [] : table, log: { runId, tuples: JSON.stringify(logged) } };
}

/** Runs the batch makes terminal: their log rows are deleted in the same transaction. */
export function finishedRuns(b: WriteBatch): string[] {
  const ids: string[] = [];
  for (const r of b.runs) if (TERMINAL_RUN_STATES.has(r.state)) ids.push(r.id);
  return ids;
}

const json = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(v as string));

/**
 * `rows` (the run's task rows in id order, each with its `log_seq`) with the newer log entries
 * applied; `logs` in id order. A log tuple of a task with no row is ignored (its row is always
 * inserted first, by an earlier commit).
 */
export function overlayLog(rows: TaskRow[], seqs: readonly number[], logs: readonly { id: number; tuples: string }[]): TaskRow[] {
  if (logs.length === 0) return rows;
  const at = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) at.set(rows[i]!.taskId, i);
  const seq = [...seqs];
  for (const l of logs) {
    for (const x of JSON.parse(l.tuples) as unknown[][]) {
      const i = at.get(x[1] as string);
      if (i === undefined || seq[i]! >= l.id) continue;
      seq[i] = l.id;
      rows[i] = {
        runId: x[0] as string, taskId: x[1] as string, specId: x[2] as string | null, itemIndex: x[3] as number | null, item: json(x[4]),
        state: x[5] as TaskRow['state'], attempt: x[6] as number, readyAt: x[7] as number | null, startedAt: x[8] as number | null,
        finishedAt: x[9] as number | null, retryAt: x[10] as number | null, worker: x[11] as string | null, outputs: json(x[12]) as TaskRow['outputs'],
        error: x[13] as string | null, reason: json(x[14]) as TaskRow['reason'], doneSeq: x[15] as number | null,
      };
    }
  }
  return rows;
}
