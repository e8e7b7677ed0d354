/**
 * TPC-H on Spark (the Decima paper's workload), one job per JSON line:
 * `{name, query, size, stages:[{id, numTasks, taskDurationMs, deps:[stage ids], waves?}]}`.
 * A stage becomes `numTasks` parallel single-executor tasks of `taskDurationMs` (the measured mean:
 * what every policy sees as the estimate). With `sampled`, lines that carry `waves` (the
 * `full/*-waves.jsonl` files) give each instance a duration drawn from the measured tasks instead.
 *
 * Pure: takes text, returns jobs; the files are read in resolve.ts.
 */
import type { Rng } from '../../core/clock.js';
import type { DurationSampler, JobSpec, StageSpec, Workload } from '../workload.js';
import { arr, assertAcyclic, invalid, jsonLines, num, obj, parseLine, str, type Where } from './check.js';

/** Decima's cluster: 50 single-slot executors. */
export const TPCH_EXECUTORS = 50;
const EXECUTOR = Object.freeze({ cpu: 1 });

export interface TpchParseOptions {
  /** Attach samplers from `waves` (error if a line has none). Default false. */
  readonly sampled?: boolean;
}

export function parseTpch(text: string, file: string, opts: TpchParseOptions = {}): JobSpec[] {
  const jobs: JobSpec[] = [];
  for (const { line, text: t } of jsonLines(text)) {
    const w: Where = { file, line };
    jobs.push(parseJob(obj(parseLine(t, w), w, 'job'), w, opts.sampled ?? false));
  }
  if (jobs.length === 0) throw invalid({ file, line: 0 }, '', 'holds no jobs (expected one JSON object per line)');
  return jobs;
}

function parseJob(o: Record<string, unknown>, w: Where, sampled: boolean): JobSpec {
  const name = str(o, 'name', w, '');
  const raw = arr(o, 'stages', w, '');
  if (raw.length === 0) throw invalid(w, 'stages', 'must list at least one stage');
  const ids: string[] = [];
  const depIds: string[][] = [];
  const stages: Omit<StageSpec, 'parents'>[] = raw.map((rs, i) => {
    const path = `stages[${i}].`;
    const s = obj(rs, w, `stages[${i}]`);
    ids.push(str(s, 'id', w, path));
    depIds.push(arr(s, 'deps', w, path).map((d, k) => {
      if (typeof d !== 'number' && typeof d !== 'string') throw invalid(w, `${path}deps[${k}]`, 'must be a stage id');
      return String(d);
    }));
    const numTasks = num(s, 'numTasks', w, path, { integer: true, min: 1 });
    const estimateMs = num(s, 'taskDurationMs', w, path);
    const base = { id: ids[i]!, numTasks, estimateMs, resources: EXECUTOR };
    if (!sampled) return base;
    if (s['waves'] === undefined) throw invalid(w, `${path}waves`, 'is missing: sampled durations need the full/*-waves.jsonl files');
    return { ...base, sampler: parseWaves(obj(s['waves'], w, `${path}waves`), w, `${path}waves`, estimateMs) };
  });
  const index = new Map(ids.map((id, i) => [id, i]));
  const parents = depIds.map((ds, i) =>
    ds.map((d) => {
      const j = index.get(d);
      if (j === undefined) throw invalid(w, `stages[${i}].deps`, `names unknown stage ${JSON.stringify(d)}`);
      return j;
    }),
  );
  assertAcyclic(ids, parents, w, 'stages');
  return {
    name,
    namespace: 'default',
    arrivalMs: null,
    priority: 50,
    relativeDeadlineMs: null,
    stages: stages.map((s, i) => ({ ...s, parents: parents[i]! })),
  };
}

interface Wave {
  readonly executors: number;
  readonly first: Float64Array;
  readonly rest: Float64Array;
}

function durations(o: Record<string, unknown>, key: string, w: Where, path: string): Float64Array {
  const a = o[key] === undefined ? [] : arr(o, key, w, path);
  const out = new Float64Array(a.length);
  a.forEach((v, i) => {
    if (typeof v !== 'number' || !(v >= 0)) throw invalid(w, `${path}${key}[${i}]`, `must be a duration >= 0 in ms (got ${JSON.stringify(v)})`);
    out[i] = v;
  });
  return out;
}

function parseWaves(o: Record<string, unknown>, w: Where, path: string, meanMs: number): DurationSampler {
  const waves: Wave[] = [];
  for (const k of Object.keys(o)) {
    const executors = Number(k);
    if (!Number.isInteger(executors) || executors < 1) throw invalid(w, `${path}.${k}`, 'must be keyed by an executor count >= 1');
    const wv = obj(o[k], w, `${path}.${k}`);
    const first = durations(wv, 'firstWave', w, `${path}.${k}.`);
    const rest = durations(wv, 'restWave', w, `${path}.${k}.`);
    if (first.length + rest.length > 0) waves.push({ executors, first, rest });
  }
  waves.sort((a, b) => a.executors - b.executors);
  return new WaveSampler(waves, meanMs);
}

/**
 * Draws an instance's duration the way Spark ran it: the wave recorded with the executor count
 * nearest the cluster's; the first `executors` instances of a stage come from the first wave (JVM
 * warm-up makes them slower: q1 stage 1 on 2g, 154-171 ms first vs 7-26 ms later) and the rest
 * from the later waves. Falls back to the other pool when one is empty, and to the mean when the
 * stage has no measurements.
 */
export class WaveSampler implements DurationSampler {
  readonly #waves: readonly Wave[];
  readonly #meanMs: number;
  #cachedFor = -1;
  #wave: Wave | undefined;

  constructor(waves: readonly Wave[], meanMs: number) {
    this.#waves = waves;
    this.#meanMs = meanMs;
  }

  sample(index: number, _numTasks: number, rng: Rng, executors = TPCH_EXECUTORS): number {
    const wave = this.#pick(executors);
    if (wave === undefined) return this.#meanMs;
    let pool = index < wave.executors ? wave.first : wave.rest;
    if (pool.length === 0) pool = pool === wave.first ? wave.rest : wave.first;
    return pool[Math.floor(rng.next() * pool.length)]!;
  }

  /** Stdev / mean over the picked wave's measured durations (first and later waves pooled). */
  cv(executors = TPCH_EXECUTORS): number {
    const wave = this.#pick(executors);
    if (wave === undefined) return 0;
    const all = [...wave.first, ...wave.rest];
    if (all.length < 2) return 0;
    let m = 0;
    for (const d of all) m += d / all.length;
    let v = 0;
    for (const d of all) v += ((d - m) * (d - m)) / all.length;
    return m > 0 ? Math.sqrt(v) / m : 0;
  }

  #pick(executors: number): Wave | undefined {
    if (executors === this.#cachedFor) return this.#wave;
    let best: Wave | undefined;
    for (const wv of this.#waves) if (best === undefined || Math.abs(wv.executors - executors) < Math.abs(best.executors - executors)) best = wv;
    this.#cachedFor = executors;
    this.#wave = best;
    return best;
  }
}

/** The TPC-H workload in Decima's setting: drawn jobs, 50 one-slot executors, batch by default. */
export function tpchWorkload(name: string, jobs: readonly JobSpec[]): Workload {
  return {
    name,
    jobs,
    cluster: [{ count: TPCH_EXECUTORS, capacity: EXECUTOR, speed: 1, namePrefix: 'exec' }],
    workerShape: EXECUTOR,
    defaultArrivals: 'batch',
    draw: true,
    defaultJobs: 20,
  };
}
