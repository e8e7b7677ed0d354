/**
 * The rows of a new run: checked params, the run row and its task rows. Shared by
 * `Engine.submit` (which drives the run itself) and `submitStored` (stored-ops.ts: a replica that
 * is not the scheduler leader writes the run with no owner, and the leader adopts it).
 */
import type { WorkflowSpec } from '../core/model.js';
import type { Rng } from '../core/clock.js';
import { KairosError } from '../core/errors.js';
import { resolveParams } from '../core/spec/params.js';
import type { RunRow, TaskRow } from '../store/types.js';
import { newTaskRows } from './build-run.js';
import { newRunId } from './run-id.js';

export interface SubmitOptions {
  readonly labels?: Readonly<Record<string, string>>;
  readonly runId?: string;
}

export interface NewRun {
  readonly row: RunRow;
  readonly tasks: TaskRow[];
}

/** Builds a run of `spec` at `now`; throws PARAM_MISSING / PARAM_INVALID naming the param. */
export function newRun(spec: WorkflowSpec, params: Record<string, unknown>, opts: SubmitOptions, now: number, rng: Rng, owner: string | null): NewRun {
  const p = resolveParams(spec, params);
  if (!p.ok) {
    throw new KairosError(p.errors[0]!.code === 'PARAM_MISSING' ? 'PARAM_MISSING' : 'PARAM_INVALID',
      p.errors.map((e) => e.message).join('; '), { field: p.errors[0]!.path });
  }
  const id = opts.runId ?? newRunId(now, rng);
  const deadlineAt = spec.deadline === null ? null : spec.deadline.kind === 'relative' ? now + spec.deadline.ms : spec.deadline.at;
  const row: RunRow = {
    id, workflow: spec.name, namespace: spec.namespace, priority: spec.priority, state: 'running', params: p.values, spec,
    labels: { ...spec.labels, ...opts.labels }, createdAt: now, startedAt: now, finishedAt: null, deadlineAt, error: null,
    owner, ownerSeenAt: owner === null ? null : now, paused: false,
  };
  return { row, tasks: newTaskRows(id, row) };
}
