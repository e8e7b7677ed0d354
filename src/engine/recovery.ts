/**
 * Resuming a run from the store after the process that drove it stopped (Ctrl-C, kill -9, a
 * crash, a deploy). The store holds every decision that was made; what was only in memory is
 * re-derived:
 *   dispatched/running -> the attempt is recorded `lost` and the task rescheduled (it may have
 *                         been halfway: tasks should be idempotent, as in every orchestrator);
 *   queued             -> re-enters the scheduler's queue (the queue itself is not stored);
 *   retry_wait         -> its timer is armed again for the recorded time;
 *   pending, parents settled -> decided now (the crash fell between a parent and its child);
 *   compensating run   -> the remaining compensation steps run (they must be idempotent).
 * Succeeded tasks are never run again.
 */
import { isSettled } from '../core/task-machine.js';
import type { RunRow, TaskRow, WriteBatch } from '../store/types.js';
import { emptyBatch } from '../store/types.js';
import type { LiveRun } from './live-run.js';
import type { PendingWrites } from './pending-writes.js';
import { missingTaskRows } from './missing-rows.js';
import type { TaskFlow } from './task-flow.js';

export function recoverRun(run: LiveRun, flow: TaskFlow, writes: PendingWrites, now: number): void {
  writes.run(run.row);
  writes.event({ runId: run.row.id, taskId: null, at: now, type: 'run_resumed', data: { owner: run.row.owner } });
  for (const task of [...run.tasks.values()]) {
    const row = task.row;
    switch (row.state) {
      case 'dispatched':
      case 'running': {
        if (task.isGroup) break;
        writes.attempt({
          runId: row.runId, taskId: row.taskId, attempt: row.attempt, kind: 'run', status: 'lost', worker: row.worker,
          startedAt: row.startedAt ?? now, finishedAt: now, exitCode: null, error: 'engine stopped while the attempt ran',
        });
        flow.apply(task, { type: 'lose', reason: 'engine stopped while the attempt ran' });
        flow.apply(task, { type: 'reschedule' });
        flow.makeReady(task);
        break;
      }
      case 'queued':
        row.state = 'ready';
        flow.makeReady(task);
        break;
      case 'ready':
        flow.makeReady(task);
        break;
      case 'retry_wait':
        flow.effects.push({ kind: 'retry_timer', task, at: row.retryAt ?? now });
        break;
      case 'pending':
        if (task.group !== null) {
          if (task.group.row.state === 'running') flow.makeReady(task);
        }
        else if (task.unsettledParents === 0) flow.decide(task);
        break;
      default:
        break;
    }
  }
  for (const task of run.tasks.values()) if (task.isGroup && task.row.state === 'running' && task.instances) flow.settleGroup(task);
  if (run.row.state === 'compensating') {
    run.compensationQueue = [...run.tasks.values()]
      .filter((t) => (t.row.state === 'succeeded' || t.row.state === 'compensating') && t.spec.compensate !== undefined && !t.isGroup)
      .sort((a, b) => b.row.doneSeq! - a.row.doneSeq!);
    for (const t of run.compensationQueue) if (t.row.state === 'compensating') flow.effects.push({ kind: 'compensate', task: t });
  }
  if (run.unsettled === 0) flow.onRunSettled(run);
}

const RERUN = new Set(['failed', 'timed_out', 'cancelled', 'skipped', 'compensated']);

/**
 * The rows to rewrite so a finished run can run again: with `taskId`, that task and everything
 * downstream of it; without, every task that did not succeed (and, once rolled back, those that
 * were compensated). A foreach group is rerun whole (its instances are reset too).
 */
export function resetForRetry(run: RunRow, rows: readonly TaskRow[], taskId: string | undefined, now: number): WriteBatch {
  const spec = run.spec;
  const targets = new Set<string>();
  if (taskId !== undefined) {
    if (!spec.tasks.some((t) => t.id === taskId)) {
      throw new Error(`task '${taskId}' is not in workflow ${spec.name}`);
    }
    const children = new Map<string, string[]>();
    for (const t of spec.tasks) {
      for (const p of t.needs) {
        const list = children.get(p);
        if (list) list.push(t.id);
        else children.set(p, [t.id]);
      }
    }
    const stack = [taskId];
    while (stack.length) {
      const id = stack.pop()!;
      if (targets.has(id)) continue;
      targets.add(id);
      stack.push(...(children.get(id) ?? []));
    }
  } else {
    for (const r of rows) if (r.specId === null && RERUN.has(r.state)) targets.add(r.taskId);
    for (const r of rows) if (r.specId !== null && RERUN.has(r.state)) targets.add(r.specId);
  }
  const batch = emptyBatch();
  for (const r of rows) {
    const target = targets.has(r.specId ?? r.taskId);
    if (!target || !isSettled(r.state)) continue;
    r.state = 'pending';
    r.attempt = r.attempt; // attempts keep counting: history stays in the attempts table
    Object.assign(r, { readyAt: null, startedAt: null, finishedAt: null, retryAt: null, worker: null, outputs: null, error: null, reason: null, doneSeq: null });
    batch.tasks.push(r);
  }
  Object.assign(run, { state: 'running', finishedAt: null, error: null });
  batch.runs.push(run);
  batch.events.push({ runId: run.id, taskId: taskId ?? null, at: now, type: 'run_retried', data: { tasks: [...targets] } });
  return batch;
}

/** Cancels a stored run nobody drives: every unsettled task cancelled, running attempts lost. */
export function cancelRows(run: RunRow, rows: readonly TaskRow[], reason: string, now: number): WriteBatch {
  const batch = emptyBatch();
  const cancel = (r: TaskRow): void => void Object.assign(r, { state: 'cancelled', finishedAt: now, error: reason, reason: null });
  for (const r of rows) {
    if (isSettled(r.state)) continue;
    if (r.state === 'running' || r.state === 'dispatched') {
      batch.attempts.push({
        runId: r.runId, taskId: r.taskId, attempt: r.attempt, kind: 'run', status: 'lost', worker: r.worker,
        startedAt: r.startedAt ?? now, finishedAt: now, exitCode: null, error: 'engine stopped while the attempt ran',
      });
    }
    cancel(r);
    batch.tasks.push(r);
  }
  // Rows a crash between a large submit's chunks left out (missing-rows.ts): made, cancelled.
  for (const r of missingTaskRows(run, rows)) {
    cancel(r);
    batch.newTasks.push(r);
  }
  Object.assign(run, { state: 'cancelled', finishedAt: now, error: reason, owner: null });
  batch.runs.push(run);
  batch.events.push({ runId: run.id, taskId: null, at: now, type: 'run_cancelled', data: { reason } });
  return batch;
}
