/**
 * A WriteBatch in the form that crosses to the SQLite writer thread (writer-thread.ts), and back
 * into the flat parameter arrays the writer's statements bind. Encoding takes the snapshot: the
 * engine mutates its live rows in place after `commit` returns, so the batch is copied before
 * the call returns.
 *
 * The rows the engine writes most — a task's `running` and `succeeded` updates and its attempt —
 * go as numbers in a Float64Array that is transferred (no copy), plus only their non-null texts
 * in a side array: a task row whose rowid the store knows (it inserted the row, task-row-ids.ts)
 * is its rowid and its mutable columns, its state a small code, empty outputs and a worker or
 * run id equal to the previous row's a bit. Before (every column of every row as a flat array of
 * values, outputs and reasons as JSON, then cloned by postMessage) the engine thread spent
 * 6.2-7 µs a no-op task posting (bench/engine/diagnose.ts, docs/benchmarks.md session 5).
 * Null numbers travel as NaN (no stored time, attempt or sequence is NaN).
 * Rows without a known rowid (loaded from the store, inserted by another writer or in a commit
 * still in flight) and new task rows go as flat arrays of all their columns, as before.
 */
import type { AttemptRow, AttemptStatus, TaskRow, WriteBatch } from '../types.js';
import type { TaskState } from '../../core/model.js';
import { bindEvent, bindTask, runToParams, runUpdateParams, RUN_SPEC_PART } from './rows.js';
import { specPartJson } from '../spec-parts.js';
import { rowHoldsAttempt } from '../implicit-attempts.js';

export interface EncodedBatch {
  /** One runToParams array per new run. */
  readonly newRuns: unknown[][];
  /** [runId, part, tasksJson] per stored part of a new run's spec, flat. */
  readonly specParts: unknown[];
  /** runUpdateParams of each changed run, flat (RUN_UPDATE_COLUMNS each). */
  readonly runs: unknown[];
  /** New task rows: TASK_NUMS numbers each, texts in `newTaskTexts`; the writer picks their rowids. */
  readonly newTasks: Float64Array;
  readonly newTaskCount: number;
  readonly newTaskTexts: string[];
  /** Updated task rows without a known rowid, flat (TASK_COLUMN_COUNT each): the upsert. */
  readonly tasks: unknown[];
  /** Updated task rows by rowid: TASK_NUMS numbers each (`updates` rows), texts in `updateTexts`. */
  readonly updates: Float64Array;
  readonly updateCount: number;
  readonly updateTexts: string[];
  /** Attempt rows: ATTEMPT_NUMS numbers each, texts in `attemptTexts`. */
  readonly attempts: Float64Array;
  readonly attemptCount: number;
  readonly attemptTexts: string[];
  /** Event rows, flat (EVENT_COLUMN_COUNT each). */
  readonly events: unknown[];
}

export const TASK_COLUMN_COUNT = 17;
export const ATTEMPT_COLUMN_COUNT = 10;
export const EVENT_COLUMN_COUNT = 5;
export const RUN_UPDATE_COLUMNS = 8;
/** Columns of a task update by rowid (task-row-ids.ts): rowid then the 12 mutable columns. */
export const UPDATE_COLUMN_COUNT = 13;

/** [rowid or itemIndex, code, attempt, readyAt, startedAt, finishedAt, retryAt, doneSeq] */
const TASK_NUMS = 8;
/** [attempt, startedAt, finishedAt, exitCode, code] */
const ATTEMPT_NUMS = 5;

const TASK_STATES: readonly TaskState[] = [
  'pending', 'ready', 'queued', 'dispatched', 'running', 'succeeded', 'failed', 'retry_wait', 'timed_out', 'lost', 'skipped',
  'cancelled', 'compensating', 'compensated',
];
const ATTEMPT_STATUSES: readonly AttemptStatus[] = ['running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lost'];
/** Code of a state or status not in the lists above: its text follows. */
const AS_TEXT = 31;

// Task update code bits (above the 5-bit state).
const U_WORKER = 1 << 5;
const U_SAME_WORKER = 1 << 6;
const U_OUTPUTS = 1 << 7;
const U_EMPTY_OUTPUTS = 1 << 8;
const U_ERROR = 1 << 9;
const U_REASON = 1 << 10;
/** The row holds its task's succeeded attempt (implicit_attempt = 1; see implicitAttempts). */
const U_IMPLICIT = 1 << 14;
// Attempt code bits (above the 5-bit status).
const A_COMPENSATE = 1 << 5;
const A_SAME_RUN = 1 << 6;
const A_WORKER = 1 << 7;
const A_SAME_WORKER = 1 << 8;
const A_ERROR = 1 << 9;
// New task code bits (above the task update's).
const N_SAME_RUN = 1 << 11;
const N_SPEC_ID = 1 << 12;
const N_ITEM = 1 << 13;

const stateCode = new Map<string, number>(TASK_STATES.map((s, i) => [s, i]));
const statusCode = new Map<string, number>(ATTEMPT_STATUSES.map((s, i) => [s, i]));

const num = (v: number | null): number => (v === null ? NaN : v);
const orNull = (v: number): number | null => (v !== v ? null : v);

function isEmptyObject(o: object): boolean {
  for (const _ in o) return false;
  return Object.getPrototypeOf(o) === Object.prototype;
}

/**
 * Encodes `b`; `rowIdOf` gives the rowid of a task row the store knows (undefined otherwise).
 * The typed arrays' buffers are meant to be transferred (`transferList`).
 */
export function encodeBatch(b: WriteBatch, rowIdOf: (t: TaskRow) => number | undefined): EncodedBatch {
  const specParts: unknown[] = [];
  const newRuns = b.newRuns.map((r) => {
    const tasks = r.spec.tasks;
    for (let i = 0, part = 0; i < tasks.length; i += RUN_SPEC_PART, part++) {
      specParts.push(r.id, part, specPartJson(tasks, i, Math.min(tasks.length, i + RUN_SPEC_PART)));
    }
    return runToParams(r);
  });
  const runs: unknown[] = [];
  for (const r of b.runs) runs.push(...runUpdateParams(r));
  const implicit = implicitAttempts(b);
  const newTasks = new Float64Array(b.newTasks.length * TASK_NUMS);
  const newTaskTexts: string[] = [];
  const nw = new TaskWriter(newTasks, newTaskTexts, implicit);
  let runId: string | null = null;
  for (let i = 0; i < b.newTasks.length; i++) {
    const t = b.newTasks[i]!;
    let code = 0;
    if (t.runId === runId) code |= N_SAME_RUN;
    else newTaskTexts.push((runId = t.runId));
    newTaskTexts.push(t.taskId);
    if (t.specId !== null) code |= N_SPEC_ID, newTaskTexts.push(t.specId);
    if (t.item !== null && t.item !== undefined) code |= N_ITEM, newTaskTexts.push(JSON.stringify(t.item));
    nw.put(t, num(t.itemIndex), code);
  }
  const tasks: unknown[] = [];
  const updates = new Float64Array(b.tasks.length * TASK_NUMS);
  const updateTexts: string[] = [];
  const uw = new TaskWriter(updates, updateTexts, implicit);
  for (let i = 0; i < b.tasks.length; i++) {
    const t = b.tasks[i]!;
    const id = rowIdOf(t);
    if (id === undefined) bindTask(t, tasks, uw.markImplicit(t) ? 1 : 0);
    else uw.put(t, id, 0);
  }
  const { attempts, attemptTexts, attemptCount } = encodeAttempts(b.attempts, b.attemptTasks, implicit);
  const events: unknown[] = [];
  for (const e of b.events) bindEvent(e, events);
  return {
    newRuns, specParts, runs, newTasks, newTaskCount: nw.count, newTaskTexts, tasks, updates, updateCount: uw.count, updateTexts,
    attempts, attemptCount, attemptTexts, events,
  };
}

/** Writes task rows' mutable columns: TASK_NUMS numbers a row, the non-null texts after the caller's. */
class TaskWriter {
  count = 0;
  #worker: string | null = null;
  constructor(
    readonly nums: Float64Array,
    readonly texts: string[],
    readonly implicit: Implicit | null,
  ) {}

  /** Whether `t` holds its succeeded attempt; if so, records that its row carries the mark. */
  markImplicit(t: TaskRow): boolean {
    const m = this.implicit;
    if (m === null || m.get(t) !== CANDIDATE) return false;
    m.set(t, MARKED);
    return true;
  }

  /** `first`: the rowid (updates) or itemIndex (new rows); `code`: the caller's bits. */
  put(t: TaskRow, first: number, code: number): void {
    const texts = this.texts;
    const s = stateCode.get(t.state) ?? AS_TEXT;
    code |= s;
    if (this.markImplicit(t)) code |= U_IMPLICIT;
    if (s === AS_TEXT) texts.push(t.state);
    if (t.worker !== null) {
      if (t.worker === this.#worker) code |= U_SAME_WORKER;
      else code |= U_WORKER, texts.push((this.#worker = t.worker));
    }
    if (t.outputs !== null && t.outputs !== undefined) {
      if (isEmptyObject(t.outputs)) code |= U_EMPTY_OUTPUTS;
      else code |= U_OUTPUTS, texts.push(JSON.stringify(t.outputs));
    }
    if (t.error !== null) code |= U_ERROR, texts.push(t.error);
    if (t.reason !== null && t.reason !== undefined) code |= U_REASON, texts.push(JSON.stringify(t.reason));
    const u = this.nums;
    const o = this.count++ * TASK_NUMS;
    u[o] = first;
    u[o + 1] = code;
    u[o + 2] = num(t.attempt);
    u[o + 3] = num(t.readyAt);
    u[o + 4] = num(t.startedAt);
    u[o + 5] = num(t.finishedAt);
    u[o + 6] = num(t.retryAt);
    u[o + 7] = num(t.doneSeq);
  }
}

/** Task rows of a batch that may hold their task's succeeded attempt: CANDIDATE, then MARKED once encoded with the mark. */
type Implicit = Map<TaskRow, number>;
const CANDIDATE = 0;
const MARKED = 1;

/**
 * The batch's task rows that can hold their attempt (implicit-attempts.ts; here migration 3,
 * implicit_attempt), as encoded now. Null when there is none.
 */
function implicitAttempts(b: WriteBatch): Implicit | null {
  const rows = b.attemptTasks;
  if (rows === undefined) return null;
  let m: Implicit | null = null;
  for (let i = 0; i < b.attempts.length; i++) {
    const a = b.attempts[i]!;
    const t = rows[i];
    if (t !== undefined && rowHoldsAttempt(t, a)) (m ??= new Map()).set(t, CANDIDATE);
  }
  return m;
}

/**
 * Encodes the attempt rows, but for those whose task row was encoded with the mark (the row
 * holds them: they are not written twice).
 */
function encodeAttempts(
  rows: readonly AttemptRow[],
  tasks: readonly (TaskRow | undefined)[] | undefined,
  implicit: Implicit | null,
): { attempts: Float64Array; attemptTexts: string[]; attemptCount: number } {
  const attempts = new Float64Array(rows.length * ATTEMPT_NUMS);
  const attemptTexts: string[] = [];
  let runId: string | null = null;
  let worker: string | null = null;
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const a = rows[i]!;
    if (implicit !== null) {
      const t = tasks![i];
      if (t !== undefined && implicit.get(t) === MARKED && rowHoldsAttempt(t, a)) continue;
    }
    let code = statusCode.get(a.status) ?? AS_TEXT;
    if (a.kind === 'compensate') code |= A_COMPENSATE;
    if (a.runId === runId) code |= A_SAME_RUN;
    else attemptTexts.push((runId = a.runId));
    attemptTexts.push(a.taskId);
    if ((code & 31) === AS_TEXT) attemptTexts.push(a.status);
    if (a.worker !== null) {
      if (a.worker === worker) code |= A_SAME_WORKER;
      else code |= A_WORKER, attemptTexts.push((worker = a.worker));
    }
    if (a.error !== null) code |= A_ERROR, attemptTexts.push(a.error);
    const o = n++ * ATTEMPT_NUMS;
    attempts[o] = a.attempt;
    attempts[o + 1] = a.startedAt;
    attempts[o + 2] = num(a.finishedAt);
    attempts[o + 3] = num(a.exitCode);
    attempts[o + 4] = code;
  }
  return { attempts, attemptTexts, attemptCount: n };
}

/** The buffers `encodeBatch` made, to transfer with the message. */
export function transferables(e: EncodedBatch): ArrayBuffer[] {
  return [e.newTasks.buffer as ArrayBuffer, e.updates.buffer as ArrayBuffer, e.attempts.buffer as ArrayBuffer];
}

/**
 * The new task rows as the flat parameters of task-row-ids.ts's insert: the rowid (`base` + 1..,
 * in order) then TASK_COLUMN_COUNT columns a row (writer side).
 */
export function decodeNewTasks(e: EncodedBatch, base: number): unknown[] {
  const out: unknown[] = new Array(e.newTaskCount * (TASK_COLUMN_COUNT + 1));
  newTaskDecoder(e, base)(out, e.newTaskCount);
  return out;
}

/**
 * The same, a part at a time: each call writes the next `n` rows into `out` from index 0. The
 * writer binds a 20,000-task submit 64 rows at a time from one reused array instead of building
 * 340,000 values first (and collecting them after).
 */
export function newTaskDecoder(e: EncodedBatch, base: number): (out: unknown[], n: number) => void {
  const u = e.newTasks;
  const texts = e.newTaskTexts;
  const r = new TaskReader(u, texts);
  let runId: string | undefined;
  let i = 0;
  return (out, n) => {
    for (let j = 0, end = i + n; i < end; i++) {
      const o = i * TASK_NUMS;
      const code = u[o + 1]!;
      if (!(code & N_SAME_RUN)) runId = texts[r.k++];
      out[j++] = base + 1 + i;
      out[j++] = runId;
      out[j++] = texts[r.k++];
      out[j++] = code & N_SPEC_ID ? texts[r.k++] : null;
      out[j++] = orNull(u[o]!);
      out[j++] = code & N_ITEM ? texts[r.k++] : null;
      j = r.mutable(o, code, out, j);
    }
  };
}

/** The task updates by rowid as the flat parameters of task-row-ids.ts's update (writer side). */
export function decodeUpdates(e: EncodedBatch): unknown[] {
  const u = e.updates;
  const out: unknown[] = new Array(e.updateCount * UPDATE_COLUMN_COUNT);
  const r = new TaskReader(u, e.updateTexts);
  for (let i = 0, j = 0; i < e.updateCount; i++) {
    const o = i * TASK_NUMS;
    out[j++] = u[o];
    j = r.mutable(o, u[o + 1]!, out, j);
  }
  return out;
}

/** Reads what TaskWriter wrote. */
class TaskReader {
  k = 0;
  #worker: string | null = null;
  constructor(
    readonly nums: Float64Array,
    readonly texts: readonly string[],
  ) {}

  /** Puts the 12 mutable columns (state .. implicit_attempt, TASK_COLUMNS order) of the row at `o` at out[j..]; returns the next j. */
  mutable(o: number, code: number, out: unknown[], j: number): number {
    const u = this.nums;
    const texts = this.texts;
    const s = code & 31;
    out[j++] = s === AS_TEXT ? texts[this.k++] : TASK_STATES[s];
    out[j++] = orNull(u[o + 2]!);
    out[j++] = orNull(u[o + 3]!);
    out[j++] = orNull(u[o + 4]!);
    out[j++] = orNull(u[o + 5]!);
    out[j++] = orNull(u[o + 6]!);
    out[j++] = code & U_SAME_WORKER ? this.#worker : code & U_WORKER ? (this.#worker = texts[this.k++]!) : null;
    out[j++] = code & U_EMPTY_OUTPUTS ? '{}' : code & U_OUTPUTS ? texts[this.k++] : null;
    out[j++] = code & U_ERROR ? texts[this.k++] : null;
    out[j++] = code & U_REASON ? texts[this.k++] : null;
    out[j++] = orNull(u[o + 7]!);
    out[j++] = code & U_IMPLICIT ? 1 : 0;
    return j;
  }
}

/** The attempt rows as flat parameters in ATTEMPT_COLUMNS order (writer side). */
export function decodeAttempts(e: EncodedBatch): unknown[] {
  const a = e.attempts;
  const texts = e.attemptTexts;
  const out: unknown[] = new Array(e.attemptCount * ATTEMPT_COLUMN_COUNT);
  let k = 0;
  let j = 0;
  let runId: string | undefined;
  let worker: string | null = null;
  for (let i = 0; i < e.attemptCount; i++) {
    const o = i * ATTEMPT_NUMS;
    const code = a[o + 4]!;
    if (!(code & A_SAME_RUN)) runId = texts[k++];
    const taskId = texts[k++];
    const s = code & 31;
    const status = s === AS_TEXT ? texts[k++] : ATTEMPT_STATUSES[s];
    const w = code & A_SAME_WORKER ? worker : code & A_WORKER ? (worker = texts[k++]!) : null;
    const error = code & A_ERROR ? texts[k++] : null;
    out[j++] = runId;
    out[j++] = taskId;
    out[j++] = code & A_COMPENSATE ? 'compensate' : 'run';
    out[j++] = a[o];
    out[j++] = status;
    out[j++] = w;
    out[j++] = a[o + 1];
    out[j++] = orNull(a[o + 2]!);
    out[j++] = orNull(a[o + 3]!);
    out[j++] = error;
  }
  return out;
}

/** Rows the batch writes (a run's spec parts not counted). */
export function batchRows(b: WriteBatch): number {
  return b.newRuns.length + b.runs.length + b.newTasks.length + b.tasks.length + b.attempts.length + b.events.length;
}
