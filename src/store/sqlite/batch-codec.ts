/**
 * A WriteBatch as flat arrays of primitives in column order: what the writer's statements bind,
 * and what crosses to the writer thread (writer-thread.ts). Encoding takes the snapshot: the
 * engine mutates its live rows in place after `commit` returns, so the batch is copied into
 * these arrays before the call returns (postMessage then clones primitives only — measured
 * ~0.4 µs a task row with bench/engine/diagnose.ts, far cheaper than cloning row objects).
 */
import type { WriteBatch } from '../types.js';
import { bindAttempt, bindEvent, bindTask, runToParams, runUpdateParams, RUN_SPEC_PART } from './rows.js';

export interface EncodedBatch {
  /** One runToParams array per new run. */
  readonly newRuns: unknown[][];
  /** [runId, part, tasksJson] per stored part of a new run's spec, flat. */
  readonly specParts: unknown[];
  /** runUpdateParams of each changed run, flat (RUN_UPDATE_COLUMNS each). */
  readonly runs: unknown[];
  /** Task rows, flat (TASK_COLUMN_COUNT each). */
  readonly newTasks: unknown[];
  readonly tasks: unknown[];
  /** Attempt rows, flat (ATTEMPT_COLUMN_COUNT each). */
  readonly attempts: unknown[];
  /** Event rows, flat (EVENT_COLUMN_COUNT each). */
  readonly events: unknown[];
}

export const TASK_COLUMN_COUNT = 16;
export const ATTEMPT_COLUMN_COUNT = 10;
export const EVENT_COLUMN_COUNT = 5;
export const RUN_UPDATE_COLUMNS = 8;

export function encodeBatch(b: WriteBatch): EncodedBatch {
  const specParts: unknown[] = [];
  const newRuns = b.newRuns.map((r) => {
    const tasks = r.spec.tasks;
    for (let i = 0, part = 0; i < tasks.length; i += RUN_SPEC_PART, part++) {
      specParts.push(r.id, part, JSON.stringify(tasks.slice(i, i + RUN_SPEC_PART)));
    }
    return runToParams(r);
  });
  const runs: unknown[] = [];
  for (const r of b.runs) runs.push(...runUpdateParams(r));
  const newTasks: unknown[] = [];
  for (const t of b.newTasks) bindTask(t, newTasks);
  const tasks: unknown[] = [];
  for (const t of b.tasks) bindTask(t, tasks);
  const attempts: unknown[] = [];
  for (const a of b.attempts) bindAttempt(a, attempts);
  const events: unknown[] = [];
  for (const e of b.events) bindEvent(e, events);
  return { newRuns, specParts, runs, newTasks, tasks, attempts, events };
}

/** Rows the batch writes (a run's spec parts not counted). */
export function batchRows(b: WriteBatch): number {
  return b.newRuns.length + b.runs.length + b.newTasks.length + b.tasks.length + b.attempts.length + b.events.length;
}
