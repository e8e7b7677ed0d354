/**
 * The simulator's workload model: what every loader (TPC-H, WfCommons, Alibaba, synthetic)
 * produces and what the simulator consumes. A job is a DAG of stages; a stage is `numTasks`
 * identical parallel task instances (a Spark stage, an Alibaba task with `instances`, or a single
 * WfCommons task with numTasks = 1). Keeping stages rather than 177,890 task objects makes a
 * workload cheap to hold and to draw from; the simulator creates one SchedTask per instance only
 * when its stage becomes ready.
 */
import { workCores as cpuOf } from '../core/resources.js';
import type { Resources } from '../core/resources.js';
import type { Rng } from '../core/clock.js';

/**
 * True task durations of one stage. `estimateMs` (what policies see) is always the stage mean;
 * a sampler gives the duration actually simulated for instance `index` of `numTasks` on a
 * cluster of `executors` workers (TPC-H waves were measured per executor count).
 */
export interface DurationSampler {
  sample(index: number, numTasks: number, rng: Rng, executors: number): number;
  /** Optional: coefficient of variation (stdev / mean) of the durations drawn for `executors`. */
  cv?(executors: number): number;
}

export interface StageSpec {
  /** Id inside its job, for messages and Gantt labels. */
  readonly id: string;
  /** Indexes (into the job's `stages`) of the stages that must finish first. */
  readonly parents: readonly number[];
  readonly numTasks: number;
  /** Estimated (mean) duration of one instance on a speed-1 worker (ms). */
  readonly estimateMs: number;
  /** Demand of one instance. */
  readonly resources: Resources;
  /** Measured durations to sample from (`--durations sampled`); absent = always the mean. */
  readonly sampler?: DurationSampler;
}

export interface JobSpec {
  readonly name: string;
  readonly namespace: string;
  /** Arrival time from the trace (ms), or null when the workload has none. */
  readonly arrivalMs: number | null;
  readonly priority: number;
  /** Deadline relative to arrival (ms), or null. */
  readonly relativeDeadlineMs: number | null;
  readonly stages: readonly StageSpec[];
}

/** N identical workers: the unit the loaders use to describe a cluster. */
export interface WorkerGroup {
  readonly count: number;
  readonly capacity: Resources;
  readonly speed: number;
  readonly pool?: string;
  readonly namePrefix?: string;
}

export type ArrivalKind = 'batch' | 'poisson' | 'trace';

export interface Workload {
  /** Name as given (`tpch:10g`, a path, ...). */
  readonly name: string;
  readonly jobs: readonly JobSpec[];
  /**
   * The cluster the data was recorded on or is meant for (TPC-H: 50 executors; WfCommons: the
   * recorded machines). Used unless the caller gives `--executors` or `--load` sizes it.
   */
  readonly cluster: readonly WorkerGroup[];
  /** The shape of one worker when `--executors N` or `--load` builds the cluster. */
  readonly workerShape: Resources;
  /** Arrivals when none is asked for. */
  readonly defaultArrivals: ArrivalKind;
  /**
   * Whether `--jobs N` draws N jobs at random with replacement (TPC-H, as in Decima) or takes the
   * first N in file order (traces, synthetic).
   */
  readonly draw: boolean;
  /** Default job count for drawn workloads (Decima's batched setting: 20). */
  readonly defaultJobs: number;
}

/** Total cpu-weighted estimated work of a job (ms x cores), as `JobInfo.remainingWorkMs` counts it. */
export function jobWorkMs(job: JobSpec): number {
  let w = 0;
  for (const s of job.stages) w += s.numTasks * s.estimateMs * cpuOf(s.resources);
  return w;
}

/** Cores a demand counts for in work sums: the one rule both drivers share (src/core/resources.ts). */
export { cpuOf };

export function totalTasks(job: JobSpec): number {
  let n = 0;
  for (const s of job.stages) n += s.numTasks;
  return n;
}
