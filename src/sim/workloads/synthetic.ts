/**
 * Synthetic workloads: shapes the real traces lack in controlled doses. Kinds:
 * - `chain`: 3-10 stages in a line (no parallelism inside the job: critical path = work / width);
 * - `fork-join`: a source, 2-16 parallel branches, a sink (wide, short critical path);
 * - `layered`: 2-6 layers of 1-8 stages, each stage with 1-3 parents in the previous layer
 *   (random DAGs, the usual model of the DAG-scheduling literature);
 * - `mixed`: each job picks one of the three.
 * Each stage has 1-8 instances of a log-normal duration (median 10 s, sigma 1: heavy right tail,
 * mean ~16.5 s); demands are heterogeneous (cpu 1/2/4, memory 0.5-8 GiB); priorities follow a mix
 * (default 20% high, 60% normal, 20% low); three namespaces; deadline = slack x critical path.
 * The same seed always generates the same jobs.
 */
import { SeededRng } from '../../core/clock.js';
import { criticalPathLength } from '../../core/dag.js';
import { KairosError } from '../../core/errors.js';
import { PRIORITY_LEVELS } from '../../core/model.js';
import type { Resources } from '../../core/resources.js';
import type { JobSpec, StageSpec, Workload } from '../workload.js';

export const SYNTHETIC_KINDS = ['chain', 'fork-join', 'layered', 'mixed'] as const;
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

export interface SyntheticOptions {
  readonly kind: SyntheticKind;
  /** Number of jobs (default 100). */
  readonly jobs?: number;
  readonly seed: number;
  /** Share of high / normal / low priority jobs (default 0.2 / 0.6 / 0.2). */
  readonly priorityMix?: { readonly high: number; readonly normal: number; readonly low: number };
  /** Deadline = slack x critical path after arrival (default 2); 0 = no deadlines. */
  readonly slack?: number;
}

const GiB = 1024 ** 3;
const WORKER: Resources = Object.freeze({ cpu: 8, memory: 32 * GiB });
const CPU = [1, 1, 1, 2, 2, 4];
const MEMORY = [0.5, 1, 1, 2, 4, 8];
const NAMESPACES = ['team-a', 'team-b', 'team-c'];

export function isSyntheticKind(s: string): s is SyntheticKind {
  return (SYNTHETIC_KINDS as readonly string[]).includes(s);
}

export function syntheticWorkload(opts: SyntheticOptions): Workload {
  const n = opts.jobs ?? 100;
  if (!Number.isInteger(n) || n < 1) throw new KairosError('WORKLOAD_INVALID', `synthetic: jobs must be an integer >= 1 (got ${n})`, { field: 'jobs' });
  const mix = opts.priorityMix ?? { high: 0.2, normal: 0.6, low: 0.2 };
  const total = mix.high + mix.normal + mix.low;
  if (!(total > 0) || mix.high < 0 || mix.normal < 0 || mix.low < 0) {
    throw new KairosError('WORKLOAD_INVALID', 'synthetic: the priority mix must be non-negative shares with a positive sum', { field: 'priorityMix' });
  }
  const slack = opts.slack ?? 2;
  const rng = new SeededRng(opts.seed ^ 0x5eed);
  const jobs: JobSpec[] = [];
  for (let j = 0; j < n; j++) {
    const kind = opts.kind === 'mixed' ? (SYNTHETIC_KINDS[rng.int(3)] as Exclude<SyntheticKind, 'mixed'>) : opts.kind;
    const parents = shape(kind, rng);
    const stages: StageSpec[] = parents.map((ps, i) => ({
      id: `s${i}`,
      parents: ps,
      numTasks: 1 + rng.int(8),
      estimateMs: Math.round(logNormal(rng, 10_000, 1)),
      resources: { cpu: CPU[rng.int(CPU.length)]!, memory: MEMORY[rng.int(MEMORY.length)]! * GiB },
    }));
    const cp = criticalPathLength({ n: stages.length, parents }, (i) => stages[i]!.estimateMs);
    const u = rng.next() * total;
    const priority = u < mix.high ? PRIORITY_LEVELS.high : u < mix.high + mix.normal ? PRIORITY_LEVELS.normal : PRIORITY_LEVELS.low;
    jobs.push({
      name: `${kind}-${j}`,
      namespace: NAMESPACES[rng.int(NAMESPACES.length)]!,
      arrivalMs: null,
      priority,
      relativeDeadlineMs: slack > 0 ? Math.round(slack * cp) : null,
      stages,
    });
  }
  return {
    name: `synthetic:${opts.kind}`,
    jobs,
    cluster: [{ count: 16, capacity: WORKER, speed: 1, namePrefix: 'node' }],
    workerShape: WORKER,
    defaultArrivals: 'poisson',
    draw: false,
    defaultJobs: n,
  };
}

/** Parent lists of one job's stages, by kind. */
function shape(kind: Exclude<SyntheticKind, 'mixed'>, rng: SeededRng): number[][] {
  if (kind === 'chain') {
    const len = 3 + rng.int(8);
    return Array.from({ length: len }, (_, i) => (i === 0 ? [] : [i - 1]));
  }
  if (kind === 'fork-join') {
    const k = 2 + rng.int(15);
    const out: number[][] = [[]];
    for (let i = 1; i <= k; i++) out.push([0]);
    out.push(Array.from({ length: k }, (_, i) => i + 1));
    return out;
  }
  const layers = 2 + rng.int(5);
  const out: number[][] = [];
  let prev: number[] = [];
  for (let l = 0; l < layers; l++) {
    const width = 1 + rng.int(8);
    const cur: number[] = [];
    for (let k = 0; k < width; k++) {
      const ps = new Set<number>();
      if (prev.length > 0) {
        const want = 1 + rng.int(Math.min(3, prev.length));
        while (ps.size < want) ps.add(prev[rng.int(prev.length)]!);
      }
      cur.push(out.length);
      out.push([...ps].sort((a, b) => a - b));
    }
    prev = cur;
  }
  return out;
}

/** Log-normal with the given median and sigma (Box-Muller on the seeded stream). */
function logNormal(rng: SeededRng, median: number, sigma: number): number {
  const u1 = 1 - rng.next();
  const u2 = rng.next();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return median * Math.exp(sigma * z);
}
