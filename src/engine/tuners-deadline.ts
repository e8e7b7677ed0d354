/**
 * Deadline risk on live runs: the remaining critical path of a run from the runtime predictor,
 * and the priority boost of its waiting tasks (remove + enqueue again: SchedTasks are immutable,
 * and the scheduler keeps their arrival order through `seq`).
 */
import { isSettled } from '../core/task-machine.js';
import type { SchedulerApi } from '../sched/types.js';
import { remainingCriticalPath, type RemainingTask } from '../learn/deadline/deadline-risk.js';
import { schedCopy, type LiveRun, type LiveTask } from './live-run.js';
import type { EngineSchedTask } from './task-flow.js';

/**
 * Predicted time (ms) from `now` to the end of the run: the longest path through its unsettled
 * tasks of predicted remaining runtimes, each task not started yet adding the expected queue wait
 * `waitMs` (queue-aware: see wait-estimate.ts). An expanded foreach group ends with its last
 * instance; an unexpanded one counts as one task.
 */
export function remainingOf(run: LiveRun, now: number, estimateOf: (t: LiveTask) => number, waitMs = 0): number {
  const nodes: RemainingTask[] = [];
  for (const t of run.tasks.values()) {
    if (isSettled(t.row.state)) continue;
    if (t.instances !== null) {
      nodes.push({ id: t.id, parents: t.instances.map((i) => i.id), remainingMs: 0 });
      continue;
    }
    const est = estimateOf(t);
    const running = t.row.state === 'running' || t.row.state === 'dispatched';
    const remainingMs = running && t.row.startedAt !== null ? Math.max(0, est - (now - t.row.startedAt)) : est + waitMs;
    nodes.push({ id: t.id, parents: t.parents.map((p) => p.id), remainingMs });
  }
  return remainingCriticalPath(nodes);
}

/** The priority a task of a run boosted by `boost` gets (never below its declared one). */
export function boostedPriority(task: LiveTask, boost: number, maxPriority: number): number {
  const p = task.spec.priority;
  return boost <= 0 ? p : Math.max(p, Math.min(maxPriority, p + boost));
}

/** Re-enqueues the run's queued tasks at their boosted priority; returns how many moved. */
export function boostQueued(run: LiveRun, scheduler: SchedulerApi, boost: number, maxPriority: number): number {
  let n = 0;
  for (const t of run.tasks.values()) {
    const s = t.sched as EngineSchedTask | null;
    if (t.row.state !== 'queued' || s === null || run.held.includes(t)) continue;
    const priority = boostedPriority(t, boost, maxPriority);
    if (priority === s.priority) continue;
    const next: EngineSchedTask = schedCopy(s, priority, s.resources);
    scheduler.remove(t.key);
    scheduler.enqueue(next);
    t.sched = next;
    n++;
  }
  return n;
}
