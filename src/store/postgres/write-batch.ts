/**
 * Group commit: a WriteBatch in one transaction, one statement per table and kind of write (and
 * one per part of a new run's spec), so a batch costs a few round trips instead of one per row.
 * Statements are prepared once per connection (named), their text being independent of the row
 * count. Batches larger than ROWS_PER_STATEMENT rows in one table are sent in slices of that
 * size, within the same transaction, to bound the size of one message.
 *
 * Every kind of write has two prepared forms (json-rows.ts): rows as one jsonb parameter of
 * tuples (the normal path), or one array per column (a batch jsonb cannot carry). Tasks are
 * upserted (ON CONFLICT DO UPDATE), runs updated with UPDATE ... FROM.
 *
 * Measured on the test server (PostgreSQL 15 on this 2-core machine, fsync off, so this is the
 * statement cost without the disk): a tick of 100 task updates + 100 events commits in ~1.9 ms
 * (~50,000 task transitions/s), a 1-row commit in ~0.4 ms, 20,000 new tasks in ~150 ms (column
 * arrays); the jsonb path: docs/benchmarks.md, "Fleet throughput".
 */
import type pg from 'pg';
import type { RunRow, TaskRow, WriteBatch } from '../types.js';
import type { ResolvedOptions } from './options.js';
import { attemptTuple, columns, eventTuple, lastPerKey, lastPerTask, runInsert, runUpdate, specParts, taskTuple, type Tuple } from './rows.js';
import { fnv1a, query } from './sql.js';
import { attachAttempts, finishedRuns, logAttemptsJson, logSeq, logTupleColumns, splitForLog } from './task-log.js';
import { selectTuples, tupleColumns, tuplesJson, unnestArrays, type ColumnType } from './json-rows.js';
import { insertTasksLikeSql, likeParams, newTaskSegments } from './new-tasks.js';

/** Rows of one table per statement. */
export const ROWS_PER_STATEMENT = 10_000;

/** A table's written columns and their types, in the order of rows.ts's tuples. */
interface Table {
  readonly names: readonly string[];
  readonly types: readonly ColumnType[];
}

const table = (spec: string): Table => {
  const cols = spec.split(',').map((c) => c.trim().split(/\s+/) as [string, ColumnType]);
  return { names: cols.map((c) => c[0]), types: cols.map((c) => c[1]) };
};

const RUNS = table(`id text, workflow text, namespace text, priority float8, state text, params json, spec json, labels json,
  search_text text, created_at int8, started_at int8, finished_at int8, deadline_at int8, error text, owner text, owner_seen_at int8, paused bool`);
const RUN_CHANGES = table('id text, state text, started_at int8, finished_at int8, error text, owner text, owner_seen_at int8, paused bool');
const TASKS = table(`run_id text, task_id text, spec_id text, item_index int4, item json, state text, attempt int4, ready_at int8,
  started_at int8, finished_at int8, retry_at int8, worker text, outputs json, error text, reason json, done_seq int4`);
const ATTEMPTS = table('run_id text, task_id text, kind text, attempt int4, status text, worker text, started_at int8, finished_at int8, exit_code int4, error text');
const EVENTS = table('run_id text, task_id text, at int8, type text, data json');

/** `log_seq`: see task-log.ts (a row newer than every log entry written before it). */
const taskUpsert = (s: string) => ` ON CONFLICT (run_id, task_id) DO UPDATE SET
  state = EXCLUDED.state, attempt = EXCLUDED.attempt, ready_at = EXCLUDED.ready_at, started_at = EXCLUDED.started_at,
  finished_at = EXCLUDED.finished_at, retry_at = EXCLUDED.retry_at, worker = EXCLUDED.worker, outputs = EXCLUDED.outputs,
  error = EXCLUDED.error, reason = EXCLUDED.reason, done_seq = EXCLUDED.done_seq, log_seq = ${logSeq(s)}`;

/** One kind of write: its two prepared forms (the statement texts and their names). */
export interface Write {
  readonly json: string;
  readonly arrays: string;
  readonly jsonName: string;
  readonly arraysName: string;
}

/** The statements of one schema, with their prepared-statement names. */
export class BatchStatements {
  readonly insertRuns: Write;
  readonly updateRuns: Write;
  /**
   * One spec part (RUN_SPEC_PART tasks, up to a few hundred kB of JSON) per statement, its JSON
   * as a text parameter: embedded in a jsonb tuple it was escaped again on the client, scanned
   * by `jsonbSafe` and parsed into jsonb on the server, for nothing (session 5, docs/benchmarks.md).
   */
  readonly insertSpecPart: { readonly text: string; readonly name: string };
  readonly insertTasks: Write;
  /** New task rows alike but for the task id: their ids and one template tuple (new-tasks.ts). */
  readonly insertTasksLike: { readonly text: string; readonly name: string };
  /** `insertTasksLike` as a part of a one-statement batch (`combined`; two parameters). */
  readonly insertTasksLikeWrite: Write;
  readonly upsertTasks: Write;
  readonly insertAttempts: Write;
  readonly insertEvents: Write;
  /** One task_log row (task-log.ts): run id, task tuples and attempts as text parameters, and the row's time base. */
  readonly appendLog: Write;
  /** `appendLog` for k runs' rows at once (VALUES of k rows; ids in that order), by k - 1. */
  readonly #appendLogs: Write[] = [];
  /** A run's log rows folded into the tasks table (task-log.ts). */
  readonly foldLog: { readonly text: string; readonly name: string };
  readonly #prefix: string;
  readonly #schema: string;
  /** The one-statement forms of a tick (see `oneStatement`), by which writes they combine. */
  readonly #combined = new Map<string, { text: string; name: string }>();

  constructor(o: ResolvedOptions) {
    const s = o.s;
    const prefix = (this.#prefix = `kairos_${(o.key >>> 0).toString(36)}_`);
    this.#schema = s;
    const write = (name: string, json: string, arrays: string): Write => ({ json, arrays, jsonName: `${prefix}${name}_j`, arraysName: `${prefix}${name}` });
    // Inserts keep the batch's order (ORDER BY ord): identity ids follow it, and tasks and events
    // are read back in insertion order.
    const insert = (name: string, into: string, t: Table, tail = ''): Write => {
      const cols = t.names.join(', ');
      return write(name,
        `INSERT INTO ${s}.${into} (${cols}) ${selectTuples(t.types, t.names)}${tail}`,
        `INSERT INTO ${s}.${into} (${cols}) SELECT ${cols} FROM ${unnestArrays(t.types)} WITH ORDINALITY AS u(${cols}, ord) ORDER BY ord${tail}`);
    };
    this.insertRuns = insert('insertRuns', 'runs', RUNS);
    const set = RUN_CHANGES.names.slice(1).map((c) => `${c} = u.${c}`).join(', ');
    this.updateRuns = write('updateRuns',
      `UPDATE ${s}.runs r SET ${set} FROM (${selectTuples(RUN_CHANGES.types, RUN_CHANGES.names)}) u WHERE r.id = u.id`,
      `UPDATE ${s}.runs r SET ${set} FROM ${unnestArrays(RUN_CHANGES.types)} AS u(${RUN_CHANGES.names.join(', ')}) WHERE r.id = u.id`);
    this.insertSpecPart = { text: `INSERT INTO ${s}.run_spec_tasks (run_id, part, tasks) VALUES ($1, $2, $3::json)`, name: `${prefix}insertSpecPart` };
    this.insertTasks = insert('insertTasks', 'tasks', TASKS);
    this.insertTasksLike = { text: insertTasksLikeSql(s, TASKS.types, TASKS.names), name: `${prefix}insertTasksLike` };
    this.insertTasksLikeWrite = { json: this.insertTasksLike.text, jsonName: this.insertTasksLike.name, arrays: '', arraysName: '' };
    this.upsertTasks = insert('upsertTasks', 'tasks', TASKS, taskUpsert(s));
    // Attempt rows record log_seq too: their order among the attempts kept in task_log rows
    // (task-log.ts, `attemptOrder`).
    const acols = ATTEMPTS.names.join(', ');
    this.insertAttempts = write('insertAttempts',
      `INSERT INTO ${s}.attempts (${acols}, log_seq) SELECT ${tupleColumns(ATTEMPTS.types, ATTEMPTS.names)}, ${logSeq(s)}
        FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, ord) ORDER BY ord`,
      `INSERT INTO ${s}.attempts (${acols}, log_seq) SELECT ${acols}, ${logSeq(s)} FROM ${unnestArrays(ATTEMPTS.types)} WITH ORDINALITY AS u(${acols}, ord) ORDER BY ord`);
    // Text parameters: the server stores the tuples' JSON without parsing it.
    this.appendLog = this.appendLogs(1);
    // task-log.ts: a run's log rows deleted, and each task's latest entry that is newer than its
    // row upserted — in the server, one statement (atomic; the engine parses nothing).
    this.foldLog = {
      name: `${prefix}foldLog`,
      text: `WITH del AS (DELETE FROM ${s}.task_log WHERE run_id = $1 RETURNING id, tuples, attempts, base),
        att AS (INSERT INTO ${s}.attempts (${acols}, log_seq)
          SELECT ${logTupleColumns(ATTEMPTS.types, ATTEMPTS.names, '$1', 'd.base')}, d.id - 1 FROM del d, jsonb_array_elements(d.attempts::jsonb) WITH ORDINALITY AS x(e, ord)
          WHERE d.attempts IS NOT NULL ORDER BY d.id, x.ord),
        latest AS (SELECT DISTINCT ON (e->>1) d.id, d.base, e FROM del d, jsonb_array_elements(d.tuples::jsonb) AS e ORDER BY e->>1, d.id DESC)
        INSERT INTO ${s}.tasks (${TASKS.names.join(', ')})
        SELECT ${logTupleColumns(TASKS.types, TASKS.names, '$1', 'l.base')} FROM latest l JOIN ${s}.tasks t ON t.run_id = $1 AND t.task_id = l.e->>1
        WHERE l.id > t.log_seq${taskUpsert(s)}`,
    };
    this.insertEvents = insert('insertEvents', 'events', EVENTS);
  }

  /** The insert of `k` task_log rows (`appendLog` for 1). */
  appendLogs(k: number): Write {
    let w = this.#appendLogs[k - 1];
    if (w === undefined) {
      const rows = Array.from({ length: k }, (_, i) => `($${4 * i + 1}, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4}::int8)`).join(', ');
      const name = k === 1 ? 'appendLog' : `appendLog${k}`;
      w = this.#appendLogs[k - 1] = { json: `INSERT INTO ${this.#schema}.task_log (run_id, tuples, attempts, base) VALUES ${rows}`, arrays: '', jsonName: `${this.#prefix}${name}_j`, arraysName: `${this.#prefix}${name}` };
    }
    return w;
  }

  /**
   * `writes` (jsonb forms) as ONE statement: all but the last in data-modifying CTEs, each write's
   * parameters renumbered after the previous writes' (`counts`: parameters per write). Only for
   * writes to different tables that do not read each other's rows (CTEs share one snapshot).
   */
  combined(writes: readonly Write[], counts: readonly number[]): { text: string; name: string } {
    const key = writes.map((w) => w.jsonName.slice(this.#prefix.length)).join('+');
    let c = this.#combined.get(key);
    if (c === undefined) {
      let offset = 0;
      const texts = writes.map((w, i) => {
        const t = w.json.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
        offset += counts[i]!;
        return t;
      });
      const ctes = texts.slice(0, -1).map((t, i) => `w${i} AS (${t})`);
      c = { text: `WITH ${ctes.join(', ')} ${texts[texts.length - 1]}`, name: `${this.#prefix}c_${(fnv1a(key) >>> 0).toString(36)}` }; // names are cut at 63 bytes
      this.#combined.set(key, c);
    }
    return c;
  }
}

/**
 * The steady-state tick of a fleet engine — task updates with attempt and event inserts, and new
 * task rows (the rows of tasks dispatched before their run's chunk was written, pending-writes.ts
 * DUE; or a chunk of a run's queued rows) — as ONE statement (data-modifying CTEs) when every
 * part fits one jsonb parameter: one round trip and no BEGIN/COMMIT instead of four or five (a
 * statement is atomic on its own). Each part writes a different table or different rows and none
 * reads another's rows, so sharing one snapshot changes nothing. The tick's task updates of one
 * run (dispatches and results) go to the task log as one row, no task row is upserted (task-log.ts
 * `splitForLog`). Null for any other batch (runs, large or column-array parts, a task both
 * inserted and upserted): written as a transaction by writeBatch, task rows upserted.
 *
 * New rows with a steady tick (issue 6, session 12): a busy fleet engine's batches carried the
 * rows of the tasks it dispatched as new rows, which sent the whole batch down the transaction
 * path — five round trips and the tick's results upserted into the table instead of logged; such
 * commits took ~10 ms for 512 results and 512 new rows against ~1.5 ms for 1,024 logged updates
 * (bench/fleet/commit-share.ts timeline).
 */
export function oneStatement(q: BatchStatements, b: WriteBatch): { text: string; name: string; values: (string | null)[]; logged: Logged } | null {
  if (b.newRuns.length > 0 || b.runs.length > 0) return null;
  const writes: Write[] = [];
  const counts: number[] = [];
  const values: (string | null)[] = [];
  const part = <T>(w: Write, rows: readonly T[], tuple: Tuple<T>): boolean => {
    if (rows.length === 0) return true;
    if (rows.length > ROWS_PER_STATEMENT) return false;
    const json = tuplesJson(rows, tuple);
    if (json === null) return false;
    writes.push(w);
    counts.push(1);
    values.push(json);
    return true;
  };
  // New task rows, events, attempts and the log rows in CTEs, a task upsert (if any) last (a
  // statement's main part may be the upsert). The tick's task updates go to the log, one row per
  // run, with the attempts of those runs (task-log.ts).
  if (b.newTasks.length > 0 && !newTasksPart(q, b.newTasks, b.tasks.length > 0, writes, counts, values)) return null;
  if (!part(q.insertEvents, b.events, eventTuple)) return null;
  const { table, logs } = splitForLog(b);
  // A task inserted by a CTE is invisible to the upsert's snapshot: never both in one statement
  // (pending-writes.ts gives a new row's changes to its insert, so this does not happen today).
  if (table.length > 0 && b.newTasks.length > 0 && insertedAndUpdated(b.newTasks, table)) return null;
  if (!part(q.insertAttempts, attachAttempts(b.attempts, logs), attemptTuple)) return null;
  if (logs.length > 0) {
    writes.push(q.appendLogs(logs.length));
    counts.push(4 * logs.length);
    for (const e of logs) {
      const attempts = e.attempts === null ? null : logAttemptsJson(e.attempts, e.base);
      if (attempts === null && e.attempts !== null) return null;
      values.push(e.runId, e.tuples, attempts, String(e.base));
    }
  }
  if (!part(q.upsertTasks, table, taskTuple)) return null;
  if (writes.length === 0) return null;
  // What a read of a run's tasks parses (attempts are expanded by the server, only when read).
  const logged = logs.map((e) => ({ runId: e.runId, tuples: e.count }));
  if (writes.length === 1) return { text: writes[0]!.json, name: writes[0]!.jsonName, values, logged };
  return { ...q.combined(writes, counts), values, logged };
}

/**
 * Rows in stretches alike (new-tasks.ts) from which new rows in several pieces, with no task
 * update beside them (a chunk of a submit), go down the transaction path, one insertTasksLike
 * per stretch, instead of every row's tuple in the one statement: a tuple costs PostgreSQL
 * ~4.4 µs to insert against ~2.4 for a stretch's row (plus ~0.6 µs of the engine's to write),
 * so from about this many the transaction's 3-4 round trips (~0.2-0.5 ms each here) cost less.
 * With task updates the one statement stays: the transaction would upsert them instead of
 * logging them, which costs more than any tuple saved.
 */
const LIKE_ROWS_FOR_TRANSACTION = 256;

/**
 * The new task rows of a one-statement batch as ONE write (one CTE: the order of identity ids
 * follows ORDER BY ord inside a statement, not across CTEs, whose order PostgreSQL leaves
 * unspecified): ids and a template when all are alike (new-tasks.ts), else every row's tuple;
 * false for the transaction path (too many rows, or long stretches among other rows and no
 * task update, `updates`, in the batch).
 */
function newTasksPart(q: BatchStatements, rows: readonly TaskRow[], updates: boolean, writes: Write[], counts: number[], values: (string | null)[]): boolean {
  if (rows.length > ROWS_PER_STATEMENT) return false;
  const segs = newTaskSegments(rows);
  if (segs.length > 1 && !updates) {
    let likeRows = 0;
    for (const g of segs) if (g.like) likeRows += g.to - g.from;
    if (likeRows >= LIKE_ROWS_FOR_TRANSACTION) return false;
  }
  const like = segs.length === 1 && segs[0]!.like ? likeParams(rows) : null;
  if (like !== null) {
    writes.push(q.insertTasksLikeWrite);
    counts.push(2);
    values.push(like[0], like[1]);
    return true;
  }
  const json = tuplesJson(rows, taskTuple);
  if (json === null) return false;
  writes.push(q.insertTasks);
  counts.push(1);
  values.push(json);
  return true;
}

function insertedAndUpdated(inserted: readonly TaskRow[], updated: readonly TaskRow[]): boolean {
  const keys = new Set(inserted.map((t) => `${t.runId}\0${t.taskId}`));
  return updated.some((t) => keys.has(`${t.runId}\0${t.taskId}`));
}

/** Log rows written by a batch: per run, the task tuples they hold. */
export type Logged = readonly { readonly runId: string; readonly tuples: number }[];

const runKey = (r: RunRow): string => r.id;

/** One statement of a prepared batch: its text, prepared-statement name and parameters. */
export interface Statement {
  readonly text: string;
  readonly name: string;
  readonly values: unknown[];
}

/**
 * The batch's statements, every parameter serialised NOW (synchronously): later changes to the
 * rows (the engine's live objects, mutated by the ticks that run while this commit is in flight)
 * do not reach the store — the `pipelinedCommit` contract (store/types.ts). One statement for the
 * steady-state tick (`oneStatement`); else the transaction's statements, in write order.
 */
export function prepareBatch(q: BatchStatements, b: WriteBatch): { one: boolean; statements: Statement[]; logged: Logged; finished: string[] } {
  const one = oneStatement(q, b);
  if (one !== null) return { one: true, statements: [one], logged: one.logged, finished: [] };
  const out: Statement[] = [];
  /** `rows` in slices of `size`, each as one jsonb parameter when it can be, else column arrays. */
  const write = <T>(w: Write, t: Table, rows: readonly T[], tuple: Tuple<T>) => {
    for (let i = 0, size = ROWS_PER_STATEMENT; i < rows.length; i += size) {
      const slice = i === 0 && rows.length <= size ? rows : rows.slice(i, i + size);
      const json = tuplesJson(slice, tuple);
      out.push(json === null ? { text: w.arrays, name: w.arraysName, values: columns(slice, tuple, t.names.length) } : { text: w.json, name: w.jsonName, values: [json] });
    }
  };
  if (b.newRuns.length > 0) {
    write(q.insertRuns, RUNS, b.newRuns, runInsert);
    for (const r of b.newRuns) for (const p of specParts(r)) out.push({ ...q.insertSpecPart, values: [p.runId, p.part, p.tasks] });
  }
  if (b.runs.length > 0) write(q.updateRuns, RUN_CHANGES, lastPerKey(b.runs, runKey), runUpdate);
  if (b.newTasks.length > 0) {
    // Stretches of rows alike but for the task id as ids + a template (new-tasks.ts), in order.
    const rows = b.newTasks;
    for (const seg of newTaskSegments(rows)) {
      const part = seg.from === 0 && seg.to === rows.length ? rows : rows.slice(seg.from, seg.to);
      if (!seg.like) {
        write(q.insertTasks, TASKS, part, taskTuple);
        continue;
      }
      for (let i = 0; i < part.length; i += ROWS_PER_STATEMENT) {
        const slice = i === 0 && part.length <= ROWS_PER_STATEMENT ? part : part.slice(i, i + ROWS_PER_STATEMENT);
        const like = likeParams(slice);
        if (like === null) write(q.insertTasks, TASKS, slice, taskTuple);
        else out.push({ ...q.insertTasksLike, values: like });
      }
    }
  }
  if (b.tasks.length > 0) write(q.upsertTasks, TASKS, lastPerTask(b.tasks), taskTuple);
  if (b.attempts.length > 0) write(q.insertAttempts, ATTEMPTS, b.attempts, attemptTuple);
  if (b.events.length > 0) write(q.insertEvents, EVENTS, b.events, eventTuple);
  return { one: false, statements: out, logged: [], finished: finishedRuns(b) };
}

/** Runs prepared statements on `c`, which the caller has put in a transaction. */
export async function runStatements(c: pg.PoolClient, statements: readonly Statement[]): Promise<void> {
  for (const st of statements) await query(c, st.text, st.values, st.name);
}
