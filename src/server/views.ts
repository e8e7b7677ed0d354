/**
 * Store rows -> API objects. Only fields meant for clients leave the server: a run's owner
 * (`host:pid`), its full spec and secret env values are never in a response.
 */
import { describeWaitReason, type WaitReason } from '../core/wait-reason.js';
import type { Engine } from '../engine/engine.js';
import type { AttemptRow, RunRow, TaskRow, WorkflowRow } from '../store/types.js';
import type { WorkflowSpec } from '../core/model.js';

export const REDACTED = '***';

export function runView(r: RunRow) {
  return {
    id: r.id, workflow: r.workflow, namespace: r.namespace, priority: r.priority, state: r.state, params: r.params,
    labels: r.labels, createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt, deadlineAt: r.deadlineAt,
    error: r.error, paused: r.paused,
  };
}

/** `needs` of each task spec of a run (foreach instances have their spec's). */
export function needsBySpec(run: RunRow): Map<string, readonly string[]> {
  return new Map(run.spec.tasks.map((t) => [t.id, t.needs]));
}

/** A task, with the freshest wait reason: the scheduler's own for a task it holds now. */
export function taskView(t: TaskRow, needs: Map<string, readonly string[]>, engine: Engine) {
  let reason: WaitReason | null = t.reason;
  if (t.state === 'queued' || t.state === 'ready') reason = engine.scheduler.reasonOf(`${t.runId}/${t.taskId}`) ?? reason;
  return {
    id: t.taskId, specId: t.specId, itemIndex: t.itemIndex, item: t.item ?? null, needs: [...(needs.get(t.specId ?? t.taskId) ?? [])],
    state: t.state, attempt: t.attempt, readyAt: t.readyAt, startedAt: t.startedAt, finishedAt: t.finishedAt, retryAt: t.retryAt,
    worker: t.worker, outputs: t.outputs, error: t.error, reason, reasonText: reason ? describeWaitReason(reason) : null,
  };
}

export function attemptView(a: AttemptRow) {
  return { attempt: a.attempt, kind: a.kind, status: a.status, worker: a.worker, startedAt: a.startedAt, finishedAt: a.finishedAt, exitCode: a.exitCode, error: a.error };
}

export function workflowSummary(w: WorkflowRow) {
  return { name: w.name, namespace: w.namespace, version: w.version, createdAt: w.createdAt, tasks: w.spec.tasks.length, description: w.spec.description ?? null };
}

/** Rows of the live engine, fresher than the store between two commits; store rows otherwise. */
export function liveTaskRows(engine: Engine, runId: string): TaskRow[] | null {
  const live = engine.runs.get(runId);
  return live ? [...live.tasks.values()].map((t) => t.row) : null;
}

/** The spec with the values of env names marked secret replaced by `***`. */
export function redactSpec(spec: WorkflowSpec): WorkflowSpec {
  return {
    ...spec,
    tasks: spec.tasks.map((t) => (t.secretEnv.length === 0 ? t : {
      ...t, env: Object.fromEntries(Object.entries(t.env).map(([k, v]) => [k, t.secretEnv.includes(k) ? REDACTED : v])),
    })),
  };
}
