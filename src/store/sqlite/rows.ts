/** Mapping between SQLite rows (snake_case, JSON text) and the Store's row objects. */
import type { AttemptRow, EventRow, RunRow, TaskRow, TokenRow, WorkflowRow } from '../types.js';
import { specTasksFromParts } from '../spec-parts.js';

type Raw = Record<string, any>;

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = (s: string | null): any => (s === null ? null : JSON.parse(s));

/** Tasks per stored part of a run's spec (see the run_spec_tasks table). */
export const RUN_SPEC_PART = 2000;

/** The run row's columns; its spec is stored without `tasks` (they go to run_spec_tasks in parts). */
export function runToParams(r: RunRow): unknown[] {
  return [
    r.id, r.workflow, r.namespace, r.priority, r.state, JSON.stringify(r.params), JSON.stringify({ ...r.spec, tasks: [] }),
    JSON.stringify(r.labels), r.createdAt, r.startedAt, r.finishedAt, r.deadlineAt, r.error, r.owner,
    r.ownerSeenAt, r.paused ? 1 : 0,
  ];
}

/** A run row with its spec's tasks reassembled from their parts (JSON texts, in part order). */
export function runFromRaw(x: Raw, taskParts: readonly string[]): RunRow {
  const spec = JSON.parse(x.spec);
  spec.tasks = specTasksFromParts(taskParts);
  return {
    id: x.id, workflow: x.workflow, namespace: x.namespace, priority: x.priority, state: x.state,
    params: JSON.parse(x.params), spec, labels: JSON.parse(x.labels),
    createdAt: x.created_at, startedAt: x.started_at, finishedAt: x.finished_at, deadlineAt: x.deadline_at,
    error: x.error, owner: x.owner, ownerSeenAt: x.owner_seen_at, paused: x.paused === 1,
  };
}

/** The run's mutable columns, then its id (the UPDATE written when a known run changes). */
export function runUpdateParams(r: RunRow): unknown[] {
  return [r.state, r.startedAt, r.finishedAt, r.error, r.owner, r.ownerSeenAt, r.paused ? 1 : 0, r.id];
}

/** Pushes a task row's 17 columns in TASK_COLUMNS order (multi-row statements); `implicitAttempt`: 1 when the row holds its attempt (batch-codec.ts). */
export function bindTask(t: TaskRow, out: unknown[], implicitAttempt = 0): void {
  out.push(
    t.runId, t.taskId, t.specId, t.itemIndex, json(t.item), t.state, t.attempt, t.readyAt, t.startedAt, t.finishedAt,
    t.retryAt, t.worker, json(t.outputs), t.error, json(t.reason), t.doneSeq, implicitAttempt,
  );
}

export function taskFromRaw(x: Raw): TaskRow {
  return {
    runId: x.run_id, taskId: x.task_id, specId: x.spec_id, itemIndex: x.item_index, item: parse(x.item),
    state: x.state, attempt: x.attempt, readyAt: x.ready_at, startedAt: x.started_at, finishedAt: x.finished_at,
    retryAt: x.retry_at, worker: x.worker, outputs: parse(x.outputs), error: x.error, reason: parse(x.reason),
    doneSeq: x.done_seq,
  };
}

/** Pushes an attempt row's 10 columns in ATTEMPT_COLUMNS order. */
export function bindAttempt(a: AttemptRow, out: unknown[]): void {
  out.push(a.runId, a.taskId, a.kind, a.attempt, a.status, a.worker, a.startedAt, a.finishedAt, a.exitCode, a.error);
}

export function attemptFromRaw(x: Raw): AttemptRow {
  return {
    runId: x.run_id, taskId: x.task_id, kind: x.kind, attempt: x.attempt, status: x.status, worker: x.worker,
    startedAt: x.started_at, finishedAt: x.finished_at, exitCode: x.exit_code, error: x.error,
  };
}

/** Pushes an event row's 5 columns in EVENT_COLUMNS order. */
export function bindEvent(e: EventRow, out: unknown[]): void {
  out.push(e.runId, e.taskId, e.at, e.type, json(e.data));
}

export function eventFromRaw(x: Raw): EventRow {
  return { runId: x.run_id, taskId: x.task_id, at: x.at, type: x.type, data: parse(x.data) };
}

export function workflowFromRaw(x: Raw): WorkflowRow {
  return { name: x.name, version: x.version, namespace: x.namespace, spec: JSON.parse(x.spec), source: x.source, createdAt: x.created_at };
}

export function tokenFromRaw(x: Raw): TokenRow {
  return { id: x.id, hash: x.hash, role: x.role, namespace: x.namespace, name: x.name, createdAt: x.created_at, revokedAt: x.revoked_at };
}
