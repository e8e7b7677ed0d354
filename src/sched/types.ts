/**
 * The contract between the scheduling framework and its two drivers (the live engine and the
 * simulator). Pure data: no I/O, no clock reads; time arrives as numbers through `Clock`.
 */
import type { Resources } from '../core/resources.js';
import type { WaitReason } from '../core/wait-reason.js';

/**
 * Job-level facts shared by all tasks of one run (a "job" in the scheduling literature).
 * The driver owns and updates this object in place as tasks finish; policies only read it.
 */
export interface JobInfo {
  readonly id: string;
  readonly namespace: string;
  /** When the job arrived (ms). */
  readonly arrivalAt: number;
  /** Absolute deadline of the job (ms) or null. */
  readonly deadline: number | null;
  /** Sum of estimated runtime x (cpu or 1) of the job's tasks not yet finished (ms). */
  remainingWorkMs: number;
  /** Tasks of this job currently placed (dispatched or running). */
  running: number;
  /** Total and finished task counts, for progress features. */
  totalTasks: number;
  doneTasks: number;
  /** Failed attempts of the job's tasks so far (optional: drivers that track it; the learned policy's recent-failures feature). */
  failedAttempts?: number;
}

/** A ready task as the scheduler sees it. Immutable once enqueued. */
export interface SchedTask {
  /** Unique across all jobs, e.g. `${runId}/${taskId}`. */
  readonly key: string;
  readonly job: JobInfo;
  readonly priority: number;
  readonly resources: Resources;
  /** When it became ready (ms). */
  readonly readyAt: number;
  /** Strictly increasing arrival number: the deterministic FIFO tie-break. */
  readonly seq: number;
  /** Absolute deadline (ms), the task's own or its job's, or null. */
  readonly deadline: number | null;
  /** Predicted runtime (ms) on a speed-1 worker; null when nothing is known. */
  readonly estimateMs: number | null;
  /** Longest estimated path from this task to the end of its job, including itself (ms). */
  readonly bottomLevelMs: number;
  /**
   * Optional DAG and uncertainty facts (drivers that know them fill them; policies must treat
   * absence as unknown): coefficient of variation (stdev / mean) of the runtime prediction, and
   * the tasks and estimated work (estimate x cpu, ms) of all strict descendants of this task in
   * its job — the summaries Decima aggregates along the DAG.
   */
  readonly estimateCv?: number;
  readonly descendantTasks?: number;
  readonly descendantWorkMs?: number;
  /** Worker pool it must run in, or null for any. */
  readonly pool: string | null;
  /** Worker labels it requires (all must match), or null. */
  readonly selector: Readonly<Record<string, string>> | null;
}

export interface WorkerInfo {
  readonly id: string;
  readonly pool: string;
  readonly capacity: Resources;
  /** Relative speed: a task of estimate E takes E / speed here. 1 = reference. */
  readonly speed: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Placement {
  readonly task: SchedTask;
  readonly workerId: string;
  /** Opaque: give it to `releaseHandle` to release this task without a lookup by key (optional). */
  readonly handle?: unknown;
}

/** A task the framework gave up on (queue-head timeout exhausted): the driver cancels it. */
export interface Expired {
  readonly task: SchedTask;
  readonly reason: WaitReason;
  readonly detail: string;
}

export interface RoundResult {
  readonly placements: readonly Placement[];
  readonly expired: readonly Expired[];
}

export interface Waiting {
  readonly task: SchedTask;
  readonly reason: WaitReason;
  readonly since: number;
}

/** Per-namespace limits; a missing field is unlimited. */
export interface Quota {
  readonly cpu?: number;
  readonly memory?: number;
  readonly running?: number;
}

export type AdmissionMode = 'strict' | 'backfill' | 'greedy';

/** Configuration of a scheduler, settable at run time (`Scheduler.configure`). */
export interface SchedulerConfig {
  /** Registered policy name: fifo, priority, wrr, edf, sjf, least-slack, critical-path, heft, fair, weighted-fair, ... */
  readonly policy: string;
  /** Policy-specific settings, e.g. `{ shares: { high: 0.9, normal: 0.1 } }` or `{ alpha: 0.5 }`. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** greedy (default): any task that fits may start; strict: queue heads block; backfill: EASY backfill. */
  readonly admission?: AdmissionMode;
  /** Strict/backfill: a head blocked this long is retried, then cancelled (default 3,600,000 ms). */
  readonly headTimeoutMs?: number;
  readonly headRetries?: number;
  readonly quotas?: Readonly<Record<string, Quota>>;
  /** Default placement score when the policy has none: best-fit (default) or first-fit. */
  readonly placement?: 'best-fit' | 'first-fit';
  /** Runtime assumed for a task without an estimate, in backfill reservations and HEFT (default 3,600,000 ms). */
  readonly unknownEstimateMs?: number;
  /** Backfill: candidates examined after the head's reservation per round (default 100; Slurm's bf_max_job_test bounds the same scan). */
  readonly backfillDepth?: number;
}

/**
 * The scheduler both drivers use. Call order per tick: `enqueue`/`remove`/`release` as events
 * arrive, then `schedule(now)` once; its placements are already accounted as allocated.
 */
export interface SchedulerApi {
  configure(config: SchedulerConfig): void;
  readonly config: Readonly<SchedulerConfig>;
  addWorker(worker: WorkerInfo): void;
  removeWorker(id: string): void;
  workers(): readonly WorkerInfo[];
  /** Resources allocated on a worker now. */
  allocated(workerId: string): Resources;
  enqueue(task: SchedTask): void;
  /**
   * Optional fast path of `enqueue` for a driver that guarantees the key is neither waiting nor
   * placed (the simulator's new attempts): skips the duplicate check and the index by key.
   */
  enqueueFresh?(task: SchedTask): void;
  /** Drops a waiting task (cancelled, skipped); no-op when absent. */
  remove(key: string): void;
  /** Frees the resources of a placed task (finished, failed, lost, cancelled). */
  release(key: string): void;
  /** Optional fast path of `release(task.key)` given the `handle` of the task's Placement. */
  releaseHandle?(handle: unknown, task: SchedTask): void;
  /**
   * One round. The result, its arrays and Placement objects are REUSED by the next call: consume
   * them (dispatch, copy what you keep) before calling `schedule` again. Both drivers do
   * (engine.ts `#tick`, simulator.ts `run`).
   */
  schedule(now: number): RoundResult;
  /** Every waiting task with the reason from the latest round (or 'policy' before any). */
  waiting(): readonly Waiting[];
  reasonOf(key: string): WaitReason | undefined;
  readonly queuedCount: number;
  readonly runningCount: number;
}
