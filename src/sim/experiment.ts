/**
 * One experiment = a workload, arrivals, a cluster and a seed, compiled once into a fully
 * resolved object (the jobs with their arrival times, the workers), then run under any number of
 * scheduler configurations: every policy of a bench sees exactly the same jobs, arrivals and
 * durations for a seed.
 *
 * Random streams (all from the seed, independent so that turning on failures does not change the
 * arrivals): job draw, arrival gaps, synthetic generation, and inside the simulator durations,
 * failures and crashes; the scheduler gets its own stream.
 */
import { SeededRng, type Rng } from '../core/clock.js';
import { KairosError } from '../core/errors.js';
import type { Placement, SchedulerApi, SchedulerConfig, WorkerInfo } from '../sched/types.js';
import { Scheduler } from '../sched/scheduler.js';
import { arrivalTimes, parseArrivals, poissonGapForLoad, traceCoresForLoad } from './arrivals.js';
import { effectiveCores, workersForCores, workersFromGroups, workersOfShape } from './cluster.js';
import { computeMetrics, type MetricsOptions, type RunMetrics } from './metrics.js';
import { Simulator, type CrashModel, type FailureModel, type SimJobInput, type SimResult } from './simulator.js';
import type { JobSpec, Workload } from './workload.js';
import { resolveWorkload } from './workloads/resolve.js';

export interface ExperimentOptions {
  /** A name (`tpch`, `tpch:10g`, `wfcommons:<name>`, `alibaba`, `synthetic:<kind>`), a path, or a Workload. */
  readonly workload: string | Workload;
  /** `batch`, `poisson`, `poisson:MEAN_SECONDS` or `trace`; default: the workload's own. */
  readonly arrivals?: string;
  /** Offered load (0..1]; see arrivals.ts. Default 0.85 where a cluster or rate must be derived. */
  readonly load?: number;
  /** Jobs drawn (TPC-H) or taken first (traces, synthetic). */
  readonly jobs?: number;
  /** N workers of the workload's worker shape instead of its recorded cluster. */
  readonly executors?: number;
  /** Worker speed factors, cycled over the workers (default all 1). */
  readonly speeds?: readonly number[];
  readonly seed?: number;
  /** `mean` (default): every instance runs its stage mean; `sampled`: measured TPC-H waves. */
  readonly durations?: 'mean' | 'sampled';
  readonly failures?: FailureModel;
  readonly crashes?: CrashModel;
  /** One namespace per job (fair policies then share among jobs, as in Decima). Default: true for TPC-H. */
  readonly namespacePerJob?: boolean;
}

export interface Experiment {
  readonly workload: string;
  readonly seed: number;
  readonly arrivals: string;
  /** Mean Poisson gap actually used (ms), or null. */
  readonly meanGapMs: number | null;
  readonly jobs: readonly SimJobInput[];
  readonly workers: readonly WorkerInfo[];
  readonly capacityCores: number;
  readonly failures: FailureModel | undefined;
  readonly crashes: CrashModel | undefined;
  /** Seed of the simulator's own streams. */
  readonly simSeed: number;
  readonly schedulerSeed: number;
}

function bad(flag: string, message: string): KairosError {
  return new KairosError('PARAM_INVALID', `--${flag}: ${message}`, { field: flag });
}

export function compileExperiment(o: ExperimentOptions): Experiment {
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0) throw bad('seed', `must be an integer >= 0 (got ${seed})`);
  if (o.jobs !== undefined && (!Number.isInteger(o.jobs) || o.jobs < 1)) throw bad('jobs', `must be an integer >= 1 (got ${o.jobs})`);
  if (o.executors !== undefined && (!Number.isInteger(o.executors) || o.executors < 1)) throw bad('executors', `must be an integer >= 1 (got ${o.executors})`);
  if (o.load !== undefined && !(o.load > 0 && o.load <= 1)) throw bad('load', `must be in (0, 1], e.g. 0.85 (got ${o.load})`);
  for (const s of o.speeds ?? []) if (!(s > 0)) throw bad('speeds', `every speed must be > 0 (got ${s})`);
  const master = new SeededRng(seed);
  const drawRng = master.fork();
  const arrivalRng = master.fork();
  const simSeed = master.int(2 ** 31);
  const schedulerSeed = master.int(2 ** 31);
  const wl =
    typeof o.workload === 'string'
      ? resolveWorkload(o.workload, { sampled: o.durations === 'sampled', seed, ...(o.jobs !== undefined ? { jobs: o.jobs } : {}) })
      : o.workload;
  const specs = pickJobs(wl, o.jobs, drawRng);
  const arrivals = parseArrivals(o.arrivals ?? wl.defaultArrivals);

  let workers: WorkerInfo[];
  let meanGapMs: number | null = null;
  if (arrivals.kind === 'trace') {
    if (o.load !== undefined && o.executors !== undefined) throw bad('load', 'with trace arrivals --load sizes the cluster; give --load or --executors, not both');
    const times = arrivalTimes(specs, arrivals, arrivalRng, null);
    if (o.executors !== undefined) workers = workersOfShape(o.executors, wl.workerShape, o.speeds);
    else if (o.load !== undefined || wl.cluster.length === 0) workers = workersForCores(traceCoresForLoad(specs, times, o.load ?? 0.85), wl.workerShape, o.speeds);
    else workers = workersFromGroups(wl.cluster, o.speeds);
    return finish(times);
  }
  workers = o.executors !== undefined ? workersOfShape(o.executors, wl.workerShape, o.speeds) : workersFromGroups(wl.cluster, o.speeds);
  if (workers.length === 0) throw bad('executors', `workload ${wl.name} records no cluster; give --executors N`);
  if (arrivals.kind === 'batch' && o.load !== undefined) throw bad('load', 'has no meaning with batch arrivals (all jobs at 0); use --arrivals poisson or trace');
  if (arrivals.kind === 'poisson') {
    if (arrivals.meanGapMs !== null && o.load !== undefined) throw bad('load', 'sets the Poisson rate itself; give poisson:MEAN_SECONDS or --load, not both');
    meanGapMs = arrivals.meanGapMs ?? poissonGapForLoad(specs, o.load ?? 0.85, effectiveCores(workers));
  }
  return finish(arrivalTimes(specs, arrivals, arrivalRng, meanGapMs));

  function finish(times: number[]): Experiment {
    const perJob = o.namespacePerJob ?? wl.draw;
    return {
      workload: wl.name,
      seed,
      arrivals: arrivals.kind === 'poisson' ? `poisson:${+(meanGapMs! / 1000).toFixed(3)}` : arrivals.kind,
      meanGapMs,
      jobs: specs.map((spec, i) => ({ spec, arrivalMs: times[i]!, namespace: perJob ? `job-${i}` : spec.namespace })),
      workers,
      capacityCores: effectiveCores(workers),
      failures: o.failures,
      crashes: o.crashes,
      simSeed,
      schedulerSeed,
    };
  }
}

function pickJobs(wl: Workload, n: number | undefined, rng: SeededRng): JobSpec[] {
  if (wl.draw) {
    const count = n ?? wl.defaultJobs;
    return Array.from({ length: count }, () => wl.jobs[rng.int(wl.jobs.length)]!);
  }
  if (n !== undefined && n > wl.jobs.length) throw bad('jobs', `workload ${wl.name} has only ${wl.jobs.length} jobs (got ${n})`);
  return wl.jobs.slice(0, n ?? wl.jobs.length);
}

export type SchedulerFactory = (config: SchedulerConfig, rng: Rng) => SchedulerApi;

export const defaultSchedulerFactory: SchedulerFactory = (config, rng) => new Scheduler(config, { rng });

/**
 * The default scheduler, reporting every placement of every round to `onPlacement` with the
 * round's time (what-if replays collect waits from it; tests read what the scheduler saw).
 */
export function placementObserver(onPlacement: (p: Placement, now: number) => void): SchedulerFactory {
  return (config, rng) => {
    const s = new Scheduler(config, { rng });
    const schedule = s.schedule.bind(s);
    s.schedule = (now) => {
      const r = schedule(now);
      for (const p of r.placements) onPlacement(p, now);
      return r;
    };
    return s;
  };
}

export interface RunOptions extends MetricsOptions {
  readonly timeline?: boolean;
  readonly attempts?: number;
  readonly makeScheduler?: SchedulerFactory;
}

export interface RunOutcome {
  readonly metrics: RunMetrics;
  readonly result: SimResult;
}

/** Runs one experiment under one scheduler configuration. */
export function runExperiment(exp: Experiment, config: SchedulerConfig, opts: RunOptions = {}): RunOutcome {
  const make = opts.makeScheduler ?? defaultSchedulerFactory;
  const scheduler = make(config, new SeededRng(exp.schedulerSeed));
  const sim = new Simulator({
    scheduler,
    workers: exp.workers,
    jobs: exp.jobs,
    seed: exp.simSeed,
    ...(exp.failures !== undefined ? { failures: exp.failures } : {}),
    ...(exp.crashes !== undefined ? { crashes: exp.crashes } : {}),
    timeline: opts.timeline ?? false,
    attempts: opts.attempts ?? 0,
  });
  const result = sim.run();
  return { metrics: computeMetrics(result, opts), result };
}
