/**
 * The learned policy's view of one candidate: a fixed-length feature row per group of identical
 * ready tasks (same job, stage facts and demand — Decima's "node"), written into a row-major
 * matrix so the whole candidate set is scored in one batched pass.
 *
 * Normalisation: durations and work are in seconds through log1p (signed for slack), counts
 * through log1p, fractions as they are — so one model sees TPC-H seconds and Alibaba hours on
 * comparable scales. Relative features (this job's remaining work against the smallest among the
 * candidates, this path against the longest) let one network rank jobs the same way at any load.
 *
 * Changing the list or the order changes what a model means: bump FEATURES_VERSION, and model
 * files record the names (model-file.ts refuses a mismatch).
 */
import type { SchedTask } from '../../sched/types.js';

/** 2: appended runtime uncertainty, descendant aggregates, the job's current longest path, work queued ahead under SRPT, failures. */
export const FEATURES_VERSION = 2;

export const FEATURE_NAMES = [
  'group_tasks_log', // ready tasks in this group (identical tasks of one stage)
  'estimate_log_s', // predicted runtime of one task
  'estimate_unknown', // 1 when the driver knows no estimate
  'bottom_level_log_s', // remaining critical path through this task
  'bottom_level_rel', // bottom level / the longest among candidates
  'job_remaining_log_s', // job's remaining work (cpu x s)
  'job_remaining_per_core_log_s', // same over the cluster's cores: time the whole cluster needs
  'job_remaining_rel', // log(remaining) - log(smallest remaining among candidate jobs)
  'job_progress', // done / total tasks
  'job_running_log', // tasks of the job placed now (Decima's parallelism)
  'job_running_frac', // those over the cluster's cpu
  'job_age_log_s', // now - job arrival
  'wait_log_s', // now - readiness of the oldest task of the group
  'slack_signed_log_s', // deadline - now - bottom level (0 without a deadline)
  'has_deadline',
  'priority', // clipped to [-10, 10] / 10
  'cpu_demand_frac', // the task's cpu over the cluster's total cpu (x 100, clipped)
  'cpu_fits_free', // 1 when the task's cpu fits in the free cpu
  'free_cpu_frac', // free / total cpu
  'waiting_tasks_log', // all waiting tasks
  'waiting_jobs_log', // jobs with waiting tasks
  'job_groups_log', // ready groups of this job
  // --- version 2 ---
  'estimate_cv', // stdev / mean of the runtime prediction (SchedTask.estimateCv; 0 unknown/exact), clipped to 5
  'descendant_tasks_log', // task instances that depend on this task (strict descendants in the DAG)
  'descendant_work_log_s', // their estimated work (cpu x s)
  'descendant_work_frac', // that work over the job's remaining work (how much of the job waits on this stage)
  'job_path_rel', // bottom level / the longest bottom level among the job's candidates (1 = on its current critical path)
  'work_ahead_per_core_log_s', // remaining work of candidate jobs smaller than this one, over the cluster's cores (SRPT queue position, in time)
  'job_failures_log', // failed attempts of the job so far (JobInfo.failedAttempts)
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

/**
 * The teacher's ordering (teacher.ts: srpt-dag) as a linear score — the residual models' prior
 * (mlp.ts): the job with the least remaining work first (-job_remaining_rel, a log ratio, so its
 * scale is the same on TPC-H seconds and Alibaba hours), shifted by 0.3 x the share of the job's
 * remaining work that waits on the stage (which, inside a job, puts the stage unlocking the most
 * work first), then the longest remaining path (a 0.01 tie-break).
 */
export function teacherPrior(): number[] {
  const p = new Array<number>(FEATURE_COUNT).fill(0);
  p[FEATURE_NAMES.indexOf('job_remaining_rel')] = -1;
  p[FEATURE_NAMES.indexOf('descendant_work_frac')] = DAG_WEIGHT;
  p[FEATURE_NAMES.indexOf('bottom_level_rel')] = 0.01;
  return p;
}

/** Weight of the descendant-work share in the teacher's order (as `srpt-dag`'s default dagWeight). */
export const DAG_WEIGHT = 0.3;

/** A candidate: the head (oldest) task of a group and the group's size and job group count. */
export interface CandidateView {
  readonly head: SchedTask;
  readonly count: number;
  readonly jobGroups: number;
  /** Tasks of the head's job placed now (the policy's own count; JobInfo.running lags a round). */
  readonly jobRunning: number;
  /** Longest bottom level among the candidates of the head's job (ms). */
  readonly jobMaxBottomMs: number;
  /** Remaining work of the candidate jobs with strictly less remaining work than this one (cpu x ms). */
  readonly workAheadMs: number;
}

/** Cluster-level facts shared by every row of one decision. */
export interface DecisionContext {
  readonly now: number;
  readonly totalCpu: number;
  readonly freeCpu: number;
  readonly waitingTasks: number;
  readonly waitingJobs: number;
  readonly unknownEstimateMs: number;
  /** log1p(seconds) of the smallest job remaining work among candidates. */
  readonly minRemainingLog: number;
  /** Largest bottom level among candidates (ms). */
  readonly maxBottomMs: number;
}

const S = 1 / 1000;
const log1p = Math.log1p;

function slog(x: number): number {
  return x < 0 ? -log1p(-x) : log1p(x);
}

export function cpuOfTask(t: SchedTask): number {
  const c = t.resources['cpu'];
  return typeof c === 'number' && c > 0 ? c : 1;
}

export function remainingLog(t: SchedTask): number {
  return log1p(Math.max(t.job.remainingWorkMs, 0) * S);
}

/** Writes the FEATURE_COUNT features of `c` at x[off..off+FEATURE_COUNT). */
export function writeFeatures(c: CandidateView, d: DecisionContext, x: Float64Array, off: number): void {
  const t = c.head;
  const job = t.job;
  const est = t.estimateMs ?? d.unknownEstimateMs;
  const remLog = remainingLog(t);
  const cpu = cpuOfTask(t);
  const total = d.totalCpu > 0 ? d.totalCpu : 1;
  x[off] = log1p(c.count);
  x[off + 1] = log1p(est * S);
  x[off + 2] = t.estimateMs === null ? 1 : 0;
  x[off + 3] = log1p(t.bottomLevelMs * S);
  x[off + 4] = d.maxBottomMs > 0 ? t.bottomLevelMs / d.maxBottomMs : 1;
  x[off + 5] = remLog;
  x[off + 6] = log1p((Math.max(job.remainingWorkMs, 0) * S) / total);
  x[off + 7] = remLog - d.minRemainingLog;
  x[off + 8] = job.totalTasks > 0 ? job.doneTasks / job.totalTasks : 0;
  x[off + 9] = log1p(c.jobRunning);
  x[off + 10] = Math.min(1, c.jobRunning / total);
  x[off + 11] = log1p(Math.max(0, d.now - job.arrivalAt) * S);
  x[off + 12] = log1p(Math.max(0, d.now - t.readyAt) * S);
  const dl = t.deadline;
  x[off + 13] = dl === null ? 0 : slog((dl - d.now - t.bottomLevelMs) * S);
  x[off + 14] = dl === null ? 0 : 1;
  x[off + 15] = Math.max(-10, Math.min(10, t.priority)) / 10;
  x[off + 16] = Math.min(1, (100 * cpu) / total);
  x[off + 17] = cpu <= d.freeCpu ? 1 : 0;
  x[off + 18] = Math.max(0, d.freeCpu) / total;
  x[off + 19] = log1p(d.waitingTasks);
  x[off + 20] = log1p(d.waitingJobs);
  x[off + 21] = log1p(c.jobGroups);
  x[off + 22] = Math.min(5, Math.max(0, t.estimateCv ?? 0));
  const descWork = t.descendantWorkMs ?? 0;
  x[off + 23] = log1p(t.descendantTasks ?? 0);
  x[off + 24] = log1p(descWork * S);
  x[off + 25] = job.remainingWorkMs > 0 ? Math.min(1, descWork / job.remainingWorkMs) : 0;
  x[off + 26] = c.jobMaxBottomMs > 0 ? t.bottomLevelMs / c.jobMaxBottomMs : 1;
  x[off + 27] = log1p((Math.max(0, c.workAheadMs) * S) / total);
  x[off + 28] = log1p(job.failedAttempts ?? 0);
}
