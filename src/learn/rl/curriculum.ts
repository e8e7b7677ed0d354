/**
 * Training and validation episodes: named workload settings (the curriculum), and the seed
 * ranges that keep training, validation and evaluation apart.
 *
 * Seeds: training episodes use seeds >= TRAIN_SEED_BASE (derived from the run's seed and the
 * iteration), validation the fixed VALIDATION_SEEDS, and `kairos bench` evaluates on 1..N by
 * default — the three never overlap, so nothing is tuned on evaluation seeds.
 * Alibaba: a trace, whose jobs do not change with the seed, so training uses the jobs after the
 * first ALIBABA_EVAL_JOBS (re-timed to start at 0) and evaluation the first ALIBABA_EVAL_JOBS.
 */
import { KairosError } from '../../core/errors.js';
import type { ExperimentOptions } from '../../sim/experiment.js';
import type { Workload } from '../../sim/workload.js';
import { resolveWorkload } from '../../sim/workloads/resolve.js';

export const TRAIN_SEED_BASE = 100_000;
export const VALIDATION_SEEDS = [90_001, 90_002] as const;
/** `kairos bench --workload alibaba --jobs 1000` evaluates on jobs the training never saw. */
export const ALIBABA_EVAL_JOBS = 1000;

export interface CurriculumEntry {
  readonly name: string;
  readonly description: string;
  /** Experiment without its seed (which some entries use to pick a slice of a trace). */
  readonly experiment: (seed?: number) => Omit<ExperimentOptions, 'seed'>;
}

let alibabaTail: Workload | null = null;

/**
 * Alibaba windows: consecutive slices of ALIBABA_WINDOW jobs after the evaluation jobs. Training
 * seeds pick one of the first ALIBABA_TRAIN_WINDOWS (jobs 1000-3099), validation seeds one of the
 * last two (jobs 3100-3699), so validation is on trace jobs training never saw either.
 */
export const ALIBABA_WINDOW = 300;
export const ALIBABA_TRAIN_WINDOWS = 7;

function alibabaWindow(seed: number): Workload {
  const validation = (VALIDATION_SEEDS as readonly number[]).includes(seed);
  const w = validation ? ALIBABA_TRAIN_WINDOWS + (seed % 2) : seed % ALIBABA_TRAIN_WINDOWS;
  const wl = alibabaTrain(ALIBABA_TRAIN_WINDOWS * ALIBABA_WINDOW + 2 * ALIBABA_WINDOW);
  const jobs = wl.jobs.slice(w * ALIBABA_WINDOW, (w + 1) * ALIBABA_WINDOW);
  const t0 = Math.min(...jobs.map((j) => j.arrivalMs ?? 0));
  return { ...wl, name: `alibaba[${ALIBABA_EVAL_JOBS + w * ALIBABA_WINDOW}:+${ALIBABA_WINDOW}]`, jobs: jobs.map((j) => ({ ...j, arrivalMs: (j.arrivalMs ?? 0) - t0 })) };
}

/** Alibaba jobs ALIBABA_EVAL_JOBS.. (first `n`), arrivals shifted to start at 0. */
function alibabaTrain(n: number): Workload {
  if (alibabaTail === null) {
    const wl = resolveWorkload('alibaba', {});
    const tail = wl.jobs.slice(ALIBABA_EVAL_JOBS);
    const t0 = Math.min(...tail.map((j) => j.arrivalMs ?? 0));
    alibabaTail = { ...wl, name: `alibaba[${ALIBABA_EVAL_JOBS}:]`, jobs: tail.map((j) => ({ ...j, arrivalMs: (j.arrivalMs ?? 0) - t0 })) };
  }
  return { ...alibabaTail, jobs: alibabaTail.jobs.slice(0, n) };
}

/** Small episodes (a few hundred ms of simulation each): CPU is the budget of training. */
export const CURRICULUM: Readonly<Record<string, CurriculumEntry>> = {
  'tpch-tiny': {
    name: 'tpch-tiny',
    description: 'TPC-H, 4 random jobs at time 0 on 8 executors (tests)',
    experiment: () => ({ workload: 'tpch', arrivals: 'batch', jobs: 4, executors: 8 }),
  },
  'tpch-batch': {
    name: 'tpch-batch',
    description: 'TPC-H, 10 random jobs at time 0 on 20 executors',
    experiment: () => ({ workload: 'tpch', arrivals: 'batch', jobs: 10, executors: 20 }),
  },
  'tpch-continuous': {
    name: 'tpch-continuous',
    description: 'TPC-H, 60 jobs, Poisson arrivals at 85% load, 20 executors, sampled durations',
    experiment: () => ({ workload: 'tpch', arrivals: 'poisson', load: 0.85, jobs: 60, executors: 20, durations: 'sampled' }),
  },
  'tpch-continuous-low': {
    name: 'tpch-continuous-low',
    description: 'TPC-H, 60 jobs, Poisson arrivals at 70% load, 20 executors, sampled durations',
    experiment: () => ({ workload: 'tpch', arrivals: 'poisson', load: 0.7, jobs: 60, executors: 20, durations: 'sampled' }),
  },
  alibaba: {
    name: 'alibaba',
    description: `Alibaba trace jobs ${ALIBABA_EVAL_JOBS}..${ALIBABA_EVAL_JOBS + 300}, trace arrivals, cluster sized for load 0.85`,
    experiment: () => ({ workload: alibabaTrain(300), arrivals: 'trace', load: 0.85 }),
  },
  'alibaba-windows': {
    name: 'alibaba-windows',
    description: `Alibaba trace, ${ALIBABA_WINDOW} consecutive jobs picked by the seed (training: jobs ${ALIBABA_EVAL_JOBS}-${ALIBABA_EVAL_JOBS + ALIBABA_TRAIN_WINDOWS * ALIBABA_WINDOW - 1}; validation: the next ${2 * ALIBABA_WINDOW}), load 0.85`,
    experiment: (seed = 0) => ({ workload: alibabaWindow(seed), arrivals: 'trace', load: 0.85 }),
  },
  'synthetic-deadlines': {
    name: 'synthetic-deadlines',
    description: 'synthetic mixed DAGs with deadlines (slack 2), 60 jobs, Poisson at 85% load on 4 workers',
    experiment: () => ({ workload: 'synthetic:mixed', arrivals: 'poisson', load: 0.85, jobs: 60, executors: 4 }),
  },
  wfcommons: {
    name: 'wfcommons',
    description: 'WfCommons montage instance, one workflow, its recorded cluster',
    experiment: () => ({ workload: 'wfcommons:montage-chameleon-2mass-01d-001', arrivals: 'batch' }),
  },
};

/**
 * Episodes added at run time (fine-tuning on recorded live history, src/learn/rl/finetune.ts),
 * by name, beside the fixed curriculum. Only this thread sees them: train on them with the
 * inline rollout runner. Returns the function that removes them again.
 */
const extra = new Map<string, CurriculumEntry>();

export function registerCurriculumEntries(entries: readonly CurriculumEntry[]): () => void {
  for (const e of entries) {
    if (CURRICULUM[e.name] !== undefined || extra.has(e.name)) throw new KairosError('PARAM_INVALID', `training workload '${e.name}' already exists`, { field: 'workloads' });
  }
  for (const e of entries) extra.set(e.name, e);
  return () => {
    for (const e of entries) if (extra.get(e.name) === e) extra.delete(e.name);
  };
}

export function curriculum(names: readonly string[]): CurriculumEntry[] {
  return names.map((n) => {
    const e = CURRICULUM[n] ?? extra.get(n);
    if (!e) throw new KairosError('PARAM_INVALID', `--workloads: unknown training workload '${n}'; use ${Object.keys(CURRICULUM).join(', ')}`, { field: 'workloads' });
    return e;
  });
}
