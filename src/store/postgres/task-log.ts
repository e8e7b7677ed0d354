/**
 * A steady-state tick's task transitions as ONE row. A fleet engine writes every attempt's
 * `running` (or `dispatched`) transition before it sends the attempt (so that a recovered engine
 * never reuses an attempt number), then the attempt's end. As task-table upserts that was one
 * row update per transition; here the steady-state tick's task rows of one run — its dispatches
 * and its results — go into `task_log` as ONE row (one per run when a tick has several): their
 * task tuples as JSON text, which the server stores without parsing. Since migration 7 a log
 * tuple leaves out the run id (the row's) and gives times as offsets from the row's `base`
 * (rows.ts `logTaskTuple`: -35% of the text, -40% of its client CPU); rows written before have
 * `base` 0 and read alike. Session 5 logged the dispatches only
 * (bench/fleet/pg-floor.ts "final": PostgreSQL 20.5 -> 15.5 µs per task); since session 6 the
 * results too (pg-floor.ts "log": ~1.5 against ~8 µs per task for the steady ticks; a result's
 * upsert was most of what was left; docs/benchmarks.md).
 *
 * Which is newer, a task's row or a log entry? Attempt numbers cannot tell (a `lost` attempt
 * re-queues the task under the same number), so every task upsert records `log_seq`: the log
 * sequence's value when it was written. A log entry overrides the row iff its id is greater.
 * Commits apply in call order (postgres-store.ts), so a later table write always records a value
 * at least the id of every earlier log row.
 *
 * The table is therefore NOT the state of a run's tasks on its own: the state is the table with
 * the run's log overlaid. Every read of task rows goes through `getTasks`, which overlays the
 * run's log rows in id order (`overlayLog`) in the same statement (one snapshot): the API, the
 * CLI, history, recovery and a takeover's resume all read it. A long run's log is folded into
 * the table every `logFoldRows` rows (write-batch.ts `foldLog`, one statement run by the server),
 * (or `logFoldTuples` tuples), so what a read parses stays bounded. A run's last log rows are
 * kept when it ends: folding them then would cost the upserts the log saved (a 20,000-task run,
 * fold at the end against upserts per tick: PostgreSQL 8.0 against 5.5 µs per task,
 * bench/fleet/log-fold.ts).
 *
 * The tick's attempt rows of a run travel in the same log row (`attempts`, migration 6; the
 * attempts of a run without a log row in the tick are inserted into `attempts`); a fold inserts
 * them into the table. Attempts are never updated, so reads (`getAttempts`) take the table's rows
 * and the log rows' together, in the order they were written (`attemptOrder`): two attempt rows may share
 * task, kind and number (a `lost` attempt re-queues its task under the same number), so that
 * order is part of what is read.
 *
 * attemptOrder: a table row records `log_seq` (the log sequence's value when written, as task
 * rows do) and sorts as (log_seq, 1, id); an attempt in log row L as (L, 0, position). A table
 * row written after log row L has log_seq >= L: it sorts after L's attempts; one written before
 * has log_seq < L. A fold inserts log row L's attempts with log_seq = L - 1: after every table row
 * written before L (log_seq <= L - 1, smaller ids), before every one written after (>= L).
 */
import type { AttemptRow, TaskRow, WriteBatch } from '../types.js';
import { TERMINAL_RUN_STATES } from '../../core/model.js';
import { lastPerTask, logAttemptTuple, logTaskTuple, taskFromLogTuple } from './rows.js';
import { tuplesJson, type ColumnType } from './json-rows.js';

/** Runs per steady-state tick that get a log row; the rows of further runs are upserted. */
export const MAX_LOG_RUNS = 16;

/** `log_seq` of a task write: the log sequence's last value (0 before the first log row). */
export const logSeq = (s: string): string => `(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${s}.task_log_id_seq)`;

/** One run's log row of a tick: its task tuples' JSON and its attempts (attempts: filled by the caller). */
export interface LogEntry {
  readonly runId: string;
  /** The row's `base`: its tuples' times are offsets from it (rows.ts `logTaskTuple`). */
  readonly base: number;
  readonly tuples: string;
  /** Task tuples in `tuples`. */
  readonly count: number;
  attempts: AttemptRow[] | null;
}

/**
 * The batch's task updates (last per task) split into table rows and one log entry per run:
 * every update is logged, whatever its state — dispatches and results alike — in one log row per
 * run (the MAX_LOG_RUNS runs with the most rows when a tick has more). A run's entry that jsonb
 * could not carry (a lone surrogate in an error message, json-rows.ts; the fold parses the log
 * as jsonb on the server) is upserted instead.
 */
export function splitForLog(b: WriteBatch): { table: readonly TaskRow[]; logs: LogEntry[] } {
  const rows = lastPerTask(b.tasks);
  let groups = byRun(rows);
  const table: TaskRow[] = [];
  if (groups.length > MAX_LOG_RUNS) {
    groups.sort((x, y) => y.length - x.length);
    for (const g of groups.slice(MAX_LOG_RUNS)) table.push(...g);
    groups = groups.slice(0, MAX_LOG_RUNS);
  }
  const logs: LogEntry[] = [];
  for (const g of groups) {
    const base = logBase(g[0]!);
    const tuples = tuplesJson(g, (t) => logTaskTuple(t, base));
    if (tuples === null) table.push(...g);
    else logs.push({ runId: g[0]!.runId, base, tuples, count: g.length, attempts: null });
  }
  return { table, logs };
}

/**
 * A log row's `base`: its first task's `readyAt` (or `startedAt`), so the tick's times are small
 * offsets; 0 (absolute times, the form before migration 7) when that is not a safe integer.
 */
function logBase(t: TaskRow): number {
  const b = t.readyAt ?? t.startedAt;
  return b !== null && Number.isSafeInteger(b) ? b : 0;
}

/** The attempt tuples of a log row (rows.ts `logAttemptTuple`) as JSON; null when jsonb could not carry them (json-rows.ts). */
export function logAttemptsJson(rows: readonly AttemptRow[], base: number): string | null {
  return tuplesJson(rows, (a) => logAttemptTuple(a, base));
}

/**
 * SQL for the columns of a log row's tuple `e` (jsonb): `e->>i` cast, as json-rows.ts
 * `tupleColumns`, but the run id (column 0) is `runId` (the log row's) and every int8 column (a
 * time) is `base` + offset. Rows written before migration 7 have `base` 0 and their absolute
 * times (and the same run id) in the tuple: read alike.
 */
export function logTupleColumns(types: readonly ColumnType[], names: readonly string[], runId: string, base: string): string {
  return types.map((t, i) => {
    const v = i === 0 ? runId : t === 'text' ? `e->>${i}` : t === 'int8' ? `(${base} + (e->>${i})::int8)` : `(e->>${i})::${t}`;
    return `${v} AS ${names[i]}`;
  }).join(', ');
}

/** The rows grouped by run, in first-seen order; a fleet engine's usual tick (one run) without a Map. */
function byRun(rows: readonly TaskRow[]): (readonly TaskRow[])[] {
  if (rows.length === 0) return [];
  const first = rows[0]!.runId;
  let i = 1;
  while (i < rows.length && rows[i]!.runId === first) i++;
  if (i === rows.length) return [rows];
  const groups = new Map<string, TaskRow[]>();
  for (const t of rows) {
    const list = groups.get(t.runId);
    if (list === undefined) groups.set(t.runId, [t]);
    else list.push(t);
  }
  return [...groups.values()];
}

/**
 * The attempts of runs with a log entry put in their entries (in batch order); the others
 * returned, for the table.
 */
export function attachAttempts(attempts: readonly AttemptRow[], logs: readonly LogEntry[]): readonly AttemptRow[] {
  if (attempts.length === 0 || logs.length === 0) return attempts;
  if (logs.length === 1) {
    const e = logs[0]!;
    let all = true;
    for (let i = 0; i < attempts.length && all; i++) all = attempts[i]!.runId === e.runId;
    if (all) {
      e.attempts = attempts.slice();
      return [];
    }
  }
  const by = new Map<string, LogEntry>();
  for (const e of logs) by.set(e.runId, e);
  const rest: AttemptRow[] = [];
  for (const a of attempts) {
    const e = by.get(a.runId);
    if (e === undefined) rest.push(a);
    else (e.attempts ??= []).push(a);
  }
  return rest;
}

/** Runs the batch makes terminal (the store stops counting their log rows toward a fold). */
export function finishedRuns(b: WriteBatch): string[] {
  const ids: string[] = [];
  for (const r of b.runs) if (TERMINAL_RUN_STATES.has(r.state)) ids.push(r.id);
  return ids;
}

/** A tasks-table row as read: its task id and `log_seq`, the rest for `fromRow`. */
export interface RawTaskRow {
  readonly task_id: string;
  readonly log_seq: number;
}

/**
 * `rows` (the run's task rows in id order, as read) made TaskRows with the newer log entries
 * applied; `logs` in id order. A row a log entry replaces is never converted (`fromRow`): since
 * session 6 the log holds most of a finished run's final states. A log tuple of a task with no
 * row is ignored (its row is always inserted first, by an earlier commit).
 */
export function overlayLog<R extends RawTaskRow>(rows: readonly R[], fromRow: (r: R) => TaskRow, runId: string, logs: readonly { id: number; tuples: string; base: number }[]): TaskRow[] {
  const out = new Array<TaskRow | undefined>(rows.length);
  if (logs.length > 0) {
    const at = new Map<string, number>();
    const seq = new Array<number>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      at.set(rows[i]!.task_id, i);
      seq[i] = rows[i]!.log_seq;
    }
    for (const l of logs) {
      for (const x of JSON.parse(l.tuples) as unknown[][]) {
        const i = at.get(x[1] as string);
        if (i === undefined || seq[i]! >= l.id) continue;
        seq[i] = l.id;
        out[i] = taskFromLogTuple(x, runId, l.base);
      }
    }
  }
  for (let i = 0; i < rows.length; i++) out[i] ??= fromRow(rows[i]!);
  return out as TaskRow[];
}
