/**
 * The end of a run. When every task has settled: succeeded if nothing failed; cancelled if the
 * user cancelled it; otherwise failed — after compensation: the `compensate` step of every task
 * that had succeeded runs, one at a time, in reverse order of completion (a saga's rollback).
 */
import type { RunRow } from '../store/types.js';
import type { LiveRun, LiveTask } from './live-run.js';
import type { TaskFlow } from './task-flow.js';

export function failedTasks(run: LiveRun): LiveTask[] {
  return [...run.tasks.values()].filter((t) => t.group === null && (t.row.state === 'failed' || t.row.state === 'timed_out'));
}

/** Starts compensation or finishes the run; returns the final row when the run is over. */
export function onRunSettled(run: LiveRun, flow: TaskFlow, now: number): RunRow | null {
  if (run.compensationQueue !== null) return continueCompensation(run, flow, now);
  if (run.cancelling) return finish(run, 'cancelled', 'cancelled by request', flow, now);
  const failed = failedTasks(run);
  if (failed.length === 0) return finish(run, 'succeeded', null, flow, now);
  const steps = [...run.tasks.values()]
    .filter((t) => t.row.state === 'succeeded' && t.spec.compensate !== undefined && !t.isGroup)
    .sort((a, b) => b.row.doneSeq! - a.row.doneSeq!);
  if (steps.length === 0) return finish(run, 'failed', summary(failed), flow, now);
  run.row.state = 'compensating';
  run.compensationQueue = steps;
  flow.writes.run(run.row);
  flow.writes.event({ runId: run.row.id, taskId: null, at: now, type: 'compensation_started', data: { steps: steps.map((s) => s.id) } });
  return continueCompensation(run, flow, now);
}

/** Starts the next compensation step, or finishes the run when none is left. */
export function continueCompensation(run: LiveRun, flow: TaskFlow, now: number): RunRow | null {
  const queue = run.compensationQueue!;
  while (queue.length > 0) {
    const next = queue[0]!;
    if (next.row.state === 'compensating') return null; // in flight
    if (next.row.state !== 'succeeded') {
      queue.shift();
      continue;
    }
    flow.apply(next, { type: 'compensate' });
    return null;
  }
  const failed = failedTasks(run);
  const undone = [...run.tasks.values()].filter((t) => t.row.state === 'compensated').length;
  return finish(run, 'failed', `${summary(failed)}; compensated ${undone} task(s)`, flow, now);
}

function summary(failed: readonly LiveTask[]): string {
  return failed.map((t) => `${t.id} ${t.row.state}${t.row.error ? `: ${t.row.error}` : ''}`).join('; ');
}

function finish(run: LiveRun, state: 'succeeded' | 'failed' | 'cancelled', error: string | null, flow: TaskFlow, now: number): RunRow {
  run.row.state = state;
  run.row.error = error;
  run.row.finishedAt = now;
  run.row.owner = null;
  run.compensationQueue = null;
  flow.writes.run(run.row);
  flow.writes.event({ runId: run.row.id, taskId: null, at: now, type: `run_${state}`, data: error === null ? null : { error } });
  return run.row;
}
