/**
 * Operations on runs through the store alone, for a server replica that is not the scheduler
 * leader (docs/operations.md "Several servers"): it writes, the leader drives. The leader finds
 * such runs with its adoption poll (`unfinishedRuns` whose owner is absent, dead or silent), or
 * sooner when the replica wakes it (PostgreSQL NOTIFY through the leader lease).
 */
import type { WorkflowSpec } from '../core/model.js';
import type { Rng } from '../core/clock.js';
import { KairosError } from '../core/errors.js';
import type { RunRow, Store, WriteBatch } from '../store/types.js';
import { newRun, type SubmitOptions } from './new-run.js';
import { resetForRetry } from './recovery.js';

/** Writes a new run with no owner. One transaction: the run exists whole or not at all. */
export async function submitStored(store: Store, spec: WorkflowSpec, params: Record<string, unknown>, opts: SubmitOptions, now: number, rng: Rng): Promise<RunRow> {
  const { row, tasks } = newRun(spec, params, opts, now, rng, null);
  await store.commit({
    newRuns: [row], runs: [], newTasks: tasks, tasks: [], attempts: [],
    events: [{ runId: row.id, taskId: null, at: now, type: 'run_submitted', data: { params: row.params } }],
  });
  return row;
}

/**
 * The rows that reset a finished run for `retry` (its failed tasks, or `taskId` and its
 * downstream): RUN_NOT_FOUND / ILLEGAL_TRANSITION when it cannot be retried.
 */
export async function retryBatch(store: Store, runId: string, taskId: string | undefined, now: number): Promise<WriteBatch> {
  const row = await store.getRun(runId);
  if (!row) throw new KairosError('RUN_NOT_FOUND', `run '${runId}' does not exist (see \`kairos runs\`)`, { field: 'run' });
  if (row.state === 'running' || row.state === 'compensating') {
    throw new KairosError('ILLEGAL_TRANSITION', `run '${runId}' is still ${row.state}; retry applies to finished runs (use \`kairos resume\` for an interrupted one)`);
  }
  return resetForRetry(row, await store.getTasks(runId), taskId, now);
}

/** Resets a finished run for retry and leaves it to the leader. Returns the reset run row. */
export async function retryStored(store: Store, runId: string, taskId: string | undefined, now: number): Promise<RunRow> {
  await store.commit(await retryBatch(store, runId, taskId, now));
  return (await store.getRun(runId))!;
}
