/**
 * The types TaskFlow shares with the engine, the tuners and the server: the effects a tick
 * carries out once committed, the scheduler's view of a live task, task change notices and the
 * tuners' hooks.
 */
import type { TaskState } from '../core/model.js';
import type { SchedTask } from '../sched/types.js';
import type { ExecResult } from '../exec/types.js';
import type { LiveTask } from './live-run.js';

/** What the engine must do once the tick's writes are durable. */
export type Effect =
  /** `attempt`: the attempt the commit made durable (a start never runs a later one). */
  | { readonly kind: 'start'; readonly task: LiveTask; readonly attempt: number }
  | { readonly kind: 'kill'; readonly task: LiveTask }
  | { readonly kind: 'retry_timer'; readonly task: LiveTask; readonly at: number }
  | { readonly kind: 'compensate'; readonly task: LiveTask };

/** The scheduler hands back the very objects it was given: this one leads back to its task. */
export interface EngineSchedTask extends SchedTask {
  readonly live: LiveTask;
}

export interface TaskChange {
  readonly runId: string;
  readonly taskId: string;
  readonly state: TaskState;
  readonly attempt: number;
  readonly error: string | null;
  readonly at: number;
}

/** The tuners' hooks (src/engine/tuners.ts); both must be cheap when they change nothing. */
export interface FlowHooks {
  /** What goes into the scheduler for a task about to be queued (may change resources, priority). */
  enqueue(sched: EngineSchedTask): EngineSchedTask;
  /** An attempt was dispatched (to any worker, local or remote). */
  dispatched(task: LiveTask): void;
  /** An attempt's result before it is applied (may turn it into `lost`: rescheduled, no retry used). */
  result(task: LiveTask, res: ExecResult, now: number): ExecResult;
}

export interface FlowLimits {
  /** Most instances one foreach may create. */
  readonly maxForeach: number;
}
