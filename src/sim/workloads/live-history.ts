/**
 * The recorded live history as a simulator workload (the digital twin, issue 7): a plain-data
 * `HistoryTrace` — runs with their tasks, parents, resources, priorities, deadlines, arrival
 * times and recorded runtimes — becomes a `Workload` the real Scheduler can be replayed on.
 *
 * The trace is plain data on purpose: src/sim must not read the store, so the store -> trace
 * conversion lives above it (src/engine/history-trace.ts) and only this file knows the
 * simulator's model. Mapping (the same one test/equivalence/harness.ts checks the two drivers
 * against):
 *   - run            -> one job; arrival = the run's creation, relative to the trace's start;
 *   - task (or one foreach instance) that ran -> one stage of 1 instance; its parents are the
 *     stages of the tasks it needed (every instance of a foreach it needed);
 *   - runtime        -> the sampler returns the recorded runtime of the task's last attempt
 *     (what it really took), `estimateMs` is what the engine's policies would have seen, and
 *     the sampler's `cv` the runtime uncertainty they would have seen (`estimateCv`: the
 *     window's stdev / mean of the signature's runtimes, trace-runtime-spread.ts) — the stage
 *     still replays the recorded runtime exactly, only the learned policy's feature reads it;
 *   - resources      -> the declared request plus `slots: 1`, on one worker `local` with the
 *     engine's capacity and `slots: concurrency` (exactly the live engine's one local worker);
 *   - priority       -> the run's (the simulator has one priority per job);
 *   - deadline       -> the run's, relative to its arrival.
 * Tasks that never started (skipped, cancelled, never reached) are left out; an edge to one is
 * dropped, so its children become ready with their other parents.
 */
import type { Resources } from '../../core/resources.js';
import type { JobSpec, StageSpec, Workload } from '../workload.js';
import { withRuntimeSpread } from './trace-runtime-spread.js';

export interface TraceTask {
  /** Task id in its run (`extract`, or `fan[3]` for a foreach instance). */
  readonly id: string;
  /** Indexes of the tasks of the same run it waited for. */
  readonly parents: readonly number[];
  /** Recorded runtime of its last attempt (ms). */
  readonly runtimeMs: number;
  /** What the engine's policies would see as its estimate (ms). */
  readonly estimateMs: number;
  /** Whether `estimateMs` was declared in the spec (then the policies saw no runtime spread). */
  readonly estimateDeclared?: boolean;
  /**
   * Runtime uncertainty the learned policy would see (SchedTask.estimateCv: stdev / mean).
   * Absent = the window's spread of its signature, filled by `withRuntimeSpread`.
   */
  readonly estimateCv?: number;
  /** Declared request (without `slots`). */
  readonly resources: Resources;
  readonly priority: number;
  /** Attempts it took (1 = no retry). */
  readonly attempts: number;
  /** What really happened (ms epoch): when it became ready for its last attempt, started, ended. */
  readonly readyAt: number | null;
  readonly startedAt: number;
  readonly finishedAt: number;
}

export interface TraceRun {
  readonly id: string;
  readonly workflow: string;
  readonly namespace: string;
  readonly priority: number;
  /** Creation (ms epoch). */
  readonly arrivalAt: number;
  readonly finishedAt: number;
  /** Absolute deadline (ms epoch) or null. */
  readonly deadlineAt: number | null;
  readonly state: string;
  readonly tasks: readonly TraceTask[];
}

export interface HistoryTrace {
  /** Start of the window the runs were taken from (ms epoch). */
  readonly fromMs: number;
  readonly toMs: number;
  /** The engine's local worker: capacity (without slots) and concurrency limit. */
  readonly capacity: Resources;
  readonly concurrency: number;
  /** Finished runs created inside the window, by creation time. */
  readonly runs: readonly TraceRun[];
  /** What was left out and why (runs still running, tasks that never started). */
  readonly skipped: { readonly unfinishedRuns: number; readonly tasksNotStarted: number; readonly emptyRuns: number };
}

/** A run's JCT as recorded (creation to finish), in ms. */
export function recordedJctMs(run: TraceRun): number {
  return run.finishedAt - run.arrivalAt;
}

/** The trace as a simulator workload with trace arrivals, on the engine's one local worker. */
export function historyWorkload(input: HistoryTrace, name = 'live-history'): Workload {
  const trace = withRuntimeSpread(input);
  const t0 = trace.runs.length > 0 ? trace.runs[0]!.arrivalAt : trace.fromMs;
  const jobs: JobSpec[] = trace.runs.map((run) => {
    const stages: StageSpec[] = run.tasks.map((t) => {
      const runtime = Math.max(0, t.runtimeMs);
      const cv = t.estimateCv ?? 0; // set by withRuntimeSpread
      return {
        id: t.id,
        parents: t.parents,
        numTasks: 1,
        estimateMs: Math.max(0, t.estimateMs),
        resources: { ...t.resources, slots: 1 },
        // The recorded runtime, exactly; `cv` only feeds the feature (SimJob.releaseStage).
        sampler: { sample: () => runtime, cv: () => cv },
      };
    });
    return {
      name: run.id,
      namespace: run.namespace,
      arrivalMs: run.arrivalAt - t0,
      priority: run.priority,
      relativeDeadlineMs: run.deadlineAt === null ? null : run.deadlineAt - run.arrivalAt,
      stages,
    };
  });
  return {
    name,
    jobs,
    cluster: [{ count: 1, capacity: { ...trace.capacity, slots: trace.concurrency }, speed: 1, namePrefix: 'local' }],
    workerShape: { ...trace.capacity, slots: trace.concurrency },
    defaultArrivals: 'trace',
    draw: false,
    defaultJobs: jobs.length,
  };
}
