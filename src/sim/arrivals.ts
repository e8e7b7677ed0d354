/**
 * Arrival processes and the `--load` arithmetic (issue 3):
 * - `batch`: every job at time 0;
 * - `poisson:MEAN_SECONDS`: exponential gaps of that mean, first job at 0; `poisson` with
 *   `--load L` and no mean sets the gap to mean job work / (L x capacity), so the offered load is
 *   L (TPC-H: 888.8 s of work per job / (0.85 x 50 cores) = 20.9 s);
 * - `trace`: the workload's own timestamps; with `--load L` the cluster is sized instead (see
 *   `traceCoresForLoad`).
 */
import type { SeededRng } from '../core/clock.js';
import { KairosError } from '../core/errors.js';
import { staticOf } from './sim-job.js';
import type { JobSpec } from './workload.js';

export type ArrivalSpec =
  | { readonly kind: 'batch' }
  | { readonly kind: 'poisson'; readonly meanGapMs: number | null }
  | { readonly kind: 'trace' };

function bad(message: string): KairosError {
  return new KairosError('WORKLOAD_INVALID', message, { field: 'arrivals' });
}

export function parseArrivals(text: string): ArrivalSpec {
  if (text === 'batch' || text === 'trace') return { kind: text };
  if (text === 'poisson') return { kind: 'poisson', meanGapMs: null };
  const m = /^poisson:(.+)$/.exec(text);
  if (m) {
    const sec = Number(m[1]);
    if (!(sec > 0) || !Number.isFinite(sec)) throw bad(`--arrivals ${text}: the mean gap must be a number of seconds > 0, e.g. poisson:21`);
    return { kind: 'poisson', meanGapMs: sec * 1000 };
  }
  throw bad(`--arrivals ${text}: use batch, poisson, poisson:MEAN_SECONDS or trace`);
}

/** Mean estimated work per job (cores x ms). */
export function meanJobWorkMs(jobs: readonly JobSpec[]): number {
  let w = 0;
  for (const j of jobs) w += staticOf(j).estimatedWorkMs;
  return jobs.length === 0 ? 0 : w / jobs.length;
}

/** Poisson gap giving offered load `load` on `capacityCores` (cores x speed). */
export function poissonGapForLoad(jobs: readonly JobSpec[], load: number, capacityCores: number): number {
  return meanJobWorkMs(jobs) / (load * capacityCores);
}

/**
 * Cores for trace arrivals at offered load `load`: in the unconstrained schedule every job runs
 * from its arrival for its (estimated) critical path; its average demand is the total work over
 * the span from the first arrival to the last such finish, and capacity = demand / load.
 */
export function traceCoresForLoad(jobs: readonly JobSpec[], arrivals: readonly number[], load: number): number {
  let work = 0;
  let first = Infinity;
  let end = 0;
  jobs.forEach((j, i) => {
    const s = staticOf(j);
    work += s.estimatedWorkMs;
    let cp = 0;
    for (const b of s.bottom) if (b > cp) cp = b;
    first = Math.min(first, arrivals[i]!);
    end = Math.max(end, arrivals[i]! + cp);
  });
  const span = end - first;
  if (!(span > 0)) throw bad('--load with trace arrivals needs jobs with some duration');
  return work / span / load;
}

/** Arrival times (ms) for `jobs` under `spec`; `meanGapMs` must be resolved for poisson. */
export function arrivalTimes(jobs: readonly JobSpec[], spec: ArrivalSpec, rng: SeededRng, meanGapMs: number | null): number[] {
  if (spec.kind === 'batch') return jobs.map(() => 0);
  if (spec.kind === 'trace') {
    return jobs.map((j) => {
      if (j.arrivalMs === null) throw bad(`--arrivals trace: job ${j.name} has no arrival time in the workload; use batch or poisson`);
      return j.arrivalMs;
    });
  }
  if (meanGapMs === null || !(meanGapMs > 0)) throw bad('--arrivals poisson needs a mean gap (poisson:SECONDS) or --load');
  let t = 0;
  return jobs.map((_, i) => {
    if (i > 0) t += rng.exponential(meanGapMs);
    return t;
  });
}
