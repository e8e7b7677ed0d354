/**
 * Mapping between PostgreSQL rows and the Store's row objects. Writes: one tuple function per
 * kind of write, giving a row's written columns (in the column order of write-batch.ts) as the
 * values stored — json columns as their JSON text, free text without NUL. write-batch.ts sends
 * them as jsonb tuples or, as a fallback, one array per column (json-rows.ts); either way a
 * statement's text and parameter count never depend on the row count (one prepared statement
 * serves every batch size).
 *
 * One array literal per row, not an array of per-column getters called in a loop: the getters'
 * megamorphic calls made building a task tuple cost about as much as JSON.stringify of it
 * (400-row microbenchmark: 1.21-1.33 µs per task row with getters, 0.86-0.92 with a literal;
 * docs/benchmarks.md, "2026-11-24 session 5").
 */
import type { AttemptRow, EventRow, RunRow, TaskRow, TokenRow, WorkflowRow } from '../types.js';
import { specPartJson, specTasksFromParts } from '../spec-parts.js';

type Raw = Record<string, any>;

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
/** PostgreSQL text cannot hold NUL: free-text columns (errors) get U+FFFD in its place. */
const text = (v: string | null): string | null => (v === null || !v.includes('\0') ? v : v.replace(/\0/g, '\uFFFD'));

/** Tasks per stored part of a run's spec (see the run_spec_tasks table). */
export const RUN_SPEC_PART = 2000;

/** Unit separator between the searchable fields of a run: never typed into a search box. */
const SEP = '\u001f';

/** What partial-string search matches: run id, workflow name and label values. */
export function searchText(r: RunRow): string {
  return [r.id, r.workflow, ...Object.values(r.labels)].join(SEP).replace(/\0/g, '');
}

/** A row's written columns, in the order of its table's column list in write-batch.ts. */
export type Tuple<T> = (row: T) => unknown[];

/** Splits rows into one array per column (`n` columns), in tuple order. */
export function columns<T>(rows: readonly T[], tuple: Tuple<T>, n: number): unknown[][] {
  const out = Array.from({ length: n }, () => new Array<unknown>(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const t = tuple(rows[i]!);
    for (let f = 0; f < n; f++) out[f]![i] = t[f];
  }
  return out;
}

/**
 * Keeps the last row per (run, task), in the order of those last rows: `lastPerKey` without a key
 * string per row — the ids' hashes are already cached (the engine keys its maps by them), a
 * joined key had to be built and hashed: 0.05-0.07 instead of 0.15-0.27 µs per row
 * (800-row microbenchmark, session 5).
 */
export function lastPerTask(rows: readonly TaskRow[]): readonly TaskRow[] {
  if (rows.length < 2) return rows;
  const byRun = new Map<string, Map<string, number>>();
  let dup = false;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    let m = byRun.get(r.runId);
    if (m === undefined) byRun.set(r.runId, (m = new Map()));
    if (m.has(r.taskId)) dup = true;
    m.set(r.taskId, i);
  }
  return dup ? rows.filter((r, i) => byRun.get(r.runId)!.get(r.taskId) === i) : rows;
}

/** Keeps the last row per key (a statement may not update one row twice). */
export function lastPerKey<T>(rows: readonly T[], key: (r: T) => string): readonly T[] {
  if (rows.length < 2) return rows;
  const m = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    m.delete(k); // re-inserted below: the map keeps the order of last occurrences
    m.set(k, r);
  }
  return m.size === rows.length ? rows : [...m.values()];
}

export const runInsert: Tuple<RunRow> = (r) => [
  r.id, r.workflow, r.namespace, r.priority, r.state, JSON.stringify(r.params), JSON.stringify({ ...r.spec, tasks: [] }),
  JSON.stringify(r.labels), searchText(r), r.createdAt, r.startedAt, r.finishedAt, r.deadlineAt, text(r.error), r.owner,
  r.ownerSeenAt, r.paused,
];

/** A known run's mutable columns (spec and params never change). */
export const runUpdate: Tuple<RunRow> = (r) => [
  r.id, r.state, r.startedAt, r.finishedAt, text(r.error), r.owner, r.ownerSeenAt, r.paused,
];

export interface SpecPart {
  readonly runId: string;
  readonly part: number;
  readonly tasks: string;
}

/**
 * A run's task specs in parts of RUN_SPEC_PART, each in the short form the SQLite store writes
 * (store/spec-parts.ts `specPartJson`: a task equal to the one before it but for `id` and `needs` as
 * `[id, needs]`; a no-op fn task ~12 instead of ~300 bytes). Session 6: a 20,000-task submit's
 * spec 5.9 MB -> ~0.3 MB of JSON to write, for PostgreSQL to check and compress, and to read back.
 */
export function specParts(r: RunRow): SpecPart[] {
  const out: SpecPart[] = [];
  const tasks = r.spec.tasks;
  for (let i = 0, part = 0; i < tasks.length; i += RUN_SPEC_PART, part++) {
    out.push({ runId: r.id, part, tasks: specPartJson(tasks, i, Math.min(tasks.length, i + RUN_SPEC_PART)) });
  }
  return out;
}

/** A run row with its spec's tasks reassembled from their parts (JSON texts, in part order). */
export function runFromRaw(x: Raw): RunRow {
  const spec = x.spec;
  spec.tasks = specTasksFromParts(x.parts as string[]); // both forms: objects, or the short pairs
  return {
    id: x.id, workflow: x.workflow, namespace: x.namespace, priority: x.priority, state: x.state,
    params: x.params, spec, labels: x.labels,
    createdAt: x.created_at, startedAt: x.started_at, finishedAt: x.finished_at, deadlineAt: x.deadline_at,
    error: x.error, owner: x.owner, ownerSeenAt: x.owner_seen_at, paused: x.paused,
  };
}

export const taskTuple: Tuple<TaskRow> = (t) => [
  t.runId, t.taskId, t.specId, t.itemIndex, json(t.item), t.state, t.attempt, t.readyAt, t.startedAt, t.finishedAt, t.retryAt,
  t.worker, json(t.outputs), text(t.error), json(t.reason), t.doneSeq,
];

/**
 * The task log's form of a task tuple (task-log.ts, migration 7): `taskTuple` with 0 in place of
 * the run id (the log row has it) and the times (its int8 columns) as offsets from the log row's
 * `base`. A `Date.now()` value is not a small integer to V8: JSON.stringify writes it through
 * its double-to-text path, a small offset as an integer. Times are integers here (the tasks
 * table's columns are int8: a fold or a table write of any other value fails), so
 * `base + (t - base)` is `t` exactly. Issue 6's tick, 256 results + 256 dispatches + 256
 * attempts: 353 -> 229 characters and 1.73 -> 1.04 µs of building and JSON.stringify per task
 * (microbenchmark, 5 rounds; docs/benchmarks.md, session 7).
 */
export function logTaskTuple(t: TaskRow, base: number): unknown[] {
  return [
    0, t.taskId, t.specId, t.itemIndex, json(t.item), t.state, t.attempt, t.readyAt === null ? null : t.readyAt - base,
    t.startedAt === null ? null : t.startedAt - base, t.finishedAt === null ? null : t.finishedAt - base, t.retryAt === null ? null : t.retryAt - base,
    t.worker, json(t.outputs), text(t.error), json(t.reason), t.doneSeq,
  ];
}

/** The task log's form of an attempt tuple: `attemptTuple` as `logTaskTuple` changes `taskTuple`. */
export function logAttemptTuple(a: AttemptRow, base: number): unknown[] {
  return [
    0, a.taskId, a.kind, a.attempt, a.status, a.worker, a.startedAt === null ? null : a.startedAt - base,
    a.finishedAt === null ? null : a.finishedAt - base, a.exitCode, text(a.error),
  ];
}

/**
 * A log row's task tuple parsed from JSON back to its row: the run id is the log row's (`runId`),
 * times are `base` + offset. Log rows written before migration 7 (absolute times and the run id
 * in the tuple) have `base` 0, so they read the same way.
 */
export function taskFromLogTuple(x: readonly unknown[], runId: string, base: number): TaskRow {
  return {
    runId, taskId: x[1] as string, specId: x[2] as string | null, itemIndex: x[3] as number | null, item: parseJson(x[4]),
    state: x[5] as TaskRow['state'], attempt: x[6] as number, readyAt: plus(base, x[7]), startedAt: plus(base, x[8]),
    finishedAt: plus(base, x[9]), retryAt: plus(base, x[10]), worker: x[11] as string | null, outputs: parseJson(x[12]) as TaskRow['outputs'],
    error: x[13] as string | null, reason: parseJson(x[14]) as TaskRow['reason'], doneSeq: x[15] as number | null,
  };
}

const plus = (base: number, v: unknown): number | null => (v === null || v === undefined ? null : base + (v as number));

const parseJson = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(v as string));

export function taskFromRaw(x: Raw): TaskRow {
  return {
    runId: x.run_id, taskId: x.task_id, specId: x.spec_id, itemIndex: x.item_index, item: x.item,
    state: x.state, attempt: x.attempt, readyAt: x.ready_at, startedAt: x.started_at, finishedAt: x.finished_at,
    retryAt: x.retry_at, worker: x.worker, outputs: x.outputs, error: x.error, reason: x.reason, doneSeq: x.done_seq,
  };
}

export const attemptTuple: Tuple<AttemptRow> = (a) => [
  a.runId, a.taskId, a.kind, a.attempt, a.status, a.worker, a.startedAt, a.finishedAt, a.exitCode, text(a.error),
];

export function attemptFromRaw(x: Raw): AttemptRow {
  return {
    runId: x.run_id, taskId: x.task_id, kind: x.kind, attempt: x.attempt, status: x.status, worker: x.worker,
    startedAt: x.started_at, finishedAt: x.finished_at, exitCode: x.exit_code, error: x.error,
  };
}

export const eventTuple: Tuple<EventRow> = (e) => [e.runId, e.taskId, e.at, e.type, json(e.data)];

export function eventFromRaw(x: Raw): EventRow {
  return { runId: x.run_id, taskId: x.task_id, at: x.at, type: x.type, data: x.data };
}

export function workflowFromRaw(x: Raw): WorkflowRow {
  return { name: x.name, version: x.version, namespace: x.namespace, spec: x.spec, source: x.source, createdAt: x.created_at };
}

export function tokenFromRaw(x: Raw): TokenRow {
  return { id: x.id, hash: x.hash, role: x.role, namespace: x.namespace, name: x.name, createdAt: x.created_at, revokedAt: x.revoked_at };
}
