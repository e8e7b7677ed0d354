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
import type { Clock } from '../core/clock.js';
import { newRun, type SubmitOptions } from './new-run.js';
import { cancelRows, resetForRetry } from './recovery.js';
import { ownerIsDead } from './owner.js';

/** Writes a new run with no owner. One transaction: the run exists whole or not at all. */
export async function submitStored(store: Store, spec: WorkflowSpec, params: Record<string, unknown>, opts: SubmitOptions, now: number, rng: Rng): Promise<RunRow> {
  const { row, tasks } = newRun(spec, params, opts, now, rng, null);
  await store.commit({
    newRuns: [row], runs: [], newTasks: tasks, tasks: [], attempts: [],
    events: [{ runId: row.id, taskId: null, at: now, type: 'run_submitted', data: { params: row.params } }],
  });
  return row;
}

/** The stored row of a run; RUN_NOT_FOUND when there is none. */
export async function storedRunRow(store: Store, runId: string): Promise<RunRow> {
  const row = await store.getRun(runId);
  if (!row) throw new KairosError('RUN_NOT_FOUND', `run '${runId}' does not exist`, { field: 'run' });
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

/**
 * Cancels a run this process does not drive: asks its live owner to (the owner polls for
 * requests every 0.5 s; this waits up to 60 s for the run to end), or, when the owner is gone,
 * claims the run (`claim`) and writes the cancellation straight to the store.
 */
export async function cancelThroughStore(store: Store, runId: string, reason: string, me: string, claim: (runId: string) => Promise<RunRow>, clock: Clock): Promise<RunRow> {
  const row = await store.getRun(runId);
  if (!row) throw new KairosError('RUN_NOT_FOUND', `run '${runId}' does not exist (see \`kairos runs\`)`, { field: 'run' });
  if (row.state !== 'running') throw new KairosError('ILLEGAL_TRANSITION', `run '${runId}' is ${row.state}; only a running run can be cancelled`);
  if (!ownerIsDead(row.owner) && row.owner !== me) {
    await store.requestCancel(runId);
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = await store.getRun(runId);
      if (now && now.state !== 'running' && now.state !== 'compensating') return now;
    }
    throw new KairosError('STORE_LOCKED', `run '${runId}': its owner ${row.owner} did not cancel it within 60 s`, { retryable: true });
  }
  const owned = await claim(runId);
  await store.commit(cancelRows(owned, await store.getTasks(runId), reason, clock.now()));
  return (await store.getRun(runId))!;
}
