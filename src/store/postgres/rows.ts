/**
 * Mapping between PostgreSQL rows and the Store's row objects. Writes: one field getter per
 * written column (in the column order of write-batch.ts), giving the value stored — json columns
 * as their JSON text, free text without NUL. write-batch.ts sends them as jsonb tuples or, as a
 * fallback, one array per column (json-rows.ts); either way a statement's text and parameter
 * count never depend on the row count (one prepared statement serves every batch size).
 */
import type { AttemptRow, EventRow, RunRow, TaskRow, TokenRow, WorkflowRow } from '../types.js';

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

/** Splits rows into one array per column, in `fields` order. */
export function columns<T>(rows: readonly T[], fields: readonly ((r: T) => unknown)[]): unknown[][] {
  const out = fields.map(() => new Array<unknown>(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let f = 0; f < fields.length; f++) out[f]![i] = fields[f]!(r);
  }
  return out;
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

export const RUN_INSERT: readonly ((r: RunRow) => unknown)[] = [
  (r) => r.id, (r) => r.workflow, (r) => r.namespace, (r) => r.priority, (r) => r.state, (r) => JSON.stringify(r.params),
  (r) => JSON.stringify({ ...r.spec, tasks: [] }), (r) => JSON.stringify(r.labels), searchText, (r) => r.createdAt,
  (r) => r.startedAt, (r) => r.finishedAt, (r) => r.deadlineAt, (r) => text(r.error), (r) => r.owner, (r) => r.ownerSeenAt,
  (r) => r.paused,
];

/** A known run's mutable columns (spec and params never change). */
export const RUN_UPDATE: readonly ((r: RunRow) => unknown)[] = [
  (r) => r.id, (r) => r.state, (r) => r.startedAt, (r) => r.finishedAt, (r) => text(r.error), (r) => r.owner,
  (r) => r.ownerSeenAt, (r) => r.paused,
];

export interface SpecPart {
  readonly runId: string;
  readonly part: number;
  readonly tasks: string;
}

export const SPEC_PART: readonly ((p: SpecPart) => unknown)[] = [(p) => p.runId, (p) => p.part, (p) => p.tasks];

export function specParts(r: RunRow): SpecPart[] {
  const out: SpecPart[] = [];
  const tasks = r.spec.tasks;
  for (let i = 0, part = 0; i < tasks.length; i += RUN_SPEC_PART, part++) {
    out.push({ runId: r.id, part, tasks: JSON.stringify(tasks.slice(i, i + RUN_SPEC_PART)) });
  }
  return out;
}

/** A run row with its spec's tasks reassembled from their parts (JSON texts, in part order). */
export function runFromRaw(x: Raw): RunRow {
  const parts = x.parts as string[];
  const spec = x.spec;
  spec.tasks = parts.length === 1 ? JSON.parse(parts[0]!) : parts.flatMap((p) => JSON.parse(p));
  return {
    id: x.id, workflow: x.workflow, namespace: x.namespace, priority: x.priority, state: x.state,
    params: x.params, spec, labels: x.labels,
    createdAt: x.created_at, startedAt: x.started_at, finishedAt: x.finished_at, deadlineAt: x.deadline_at,
    error: x.error, owner: x.owner, ownerSeenAt: x.owner_seen_at, paused: x.paused,
  };
}

export const TASK: readonly ((t: TaskRow) => unknown)[] = [
  (t) => t.runId, (t) => t.taskId, (t) => t.specId, (t) => t.itemIndex, (t) => json(t.item), (t) => t.state, (t) => t.attempt,
  (t) => t.readyAt, (t) => t.startedAt, (t) => t.finishedAt, (t) => t.retryAt, (t) => t.worker, (t) => json(t.outputs),
  (t) => text(t.error), (t) => json(t.reason), (t) => t.doneSeq,
];

export function taskFromRaw(x: Raw): TaskRow {
  return {
    runId: x.run_id, taskId: x.task_id, specId: x.spec_id, itemIndex: x.item_index, item: x.item,
    state: x.state, attempt: x.attempt, readyAt: x.ready_at, startedAt: x.started_at, finishedAt: x.finished_at,
    retryAt: x.retry_at, worker: x.worker, outputs: x.outputs, error: x.error, reason: x.reason, doneSeq: x.done_seq,
  };
}

export const ATTEMPT: readonly ((a: AttemptRow) => unknown)[] = [
  (a) => a.runId, (a) => a.taskId, (a) => a.kind, (a) => a.attempt, (a) => a.status, (a) => a.worker, (a) => a.startedAt,
  (a) => a.finishedAt, (a) => a.exitCode, (a) => text(a.error),
];

export function attemptFromRaw(x: Raw): AttemptRow {
  return {
    runId: x.run_id, taskId: x.task_id, kind: x.kind, attempt: x.attempt, status: x.status, worker: x.worker,
    startedAt: x.started_at, finishedAt: x.finished_at, exitCode: x.exit_code, error: x.error,
  };
}

export const EVENT: readonly ((e: EventRow) => unknown)[] = [
  (e) => e.runId, (e) => e.taskId, (e) => e.at, (e) => e.type, (e) => json(e.data),
];

export function eventFromRaw(x: Raw): EventRow {
  return { runId: x.run_id, taskId: x.task_id, at: x.at, type: x.type, data: x.data };
}

export function workflowFromRaw(x: Raw): WorkflowRow {
  return { name: x.name, version: x.version, namespace: x.namespace, spec: x.spec, source: x.source, createdAt: x.created_at };
}

export function tokenFromRaw(x: Raw): TokenRow {
  return { id: x.id, hash: x.hash, role: x.role, namespace: x.namespace, name: x.name, createdAt: x.created_at, revokedAt: x.revoked_at };
}
