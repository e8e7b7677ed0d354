/**
 * The lab's comparison: every policy on the same experiments (one per seed: same jobs, arrivals
 * and durations), then the mean of each metric over seeds with a 95% Student-t interval.
 * A policy is written `name` or `name:key=value;key=value` (values parsed as numbers when they
 * look like one), e.g. `weighted-fair:alpha=0.5`, so settings can be swept from the command line.
 */
import { KairosError } from '../core/errors.js';
import type { SchedulerConfig } from '../sched/types.js';
import { compileExperiment, runExperiment, type ExperimentOptions, type SchedulerFactory } from './experiment.js';
import type { RunMetrics } from './metrics.js';
import { bucketSteps, cdfPoints } from './report/series.js';
import { ci95, sorted, type Interval } from './stats.js';

export interface PolicySpec {
  readonly label: string;
  readonly config: SchedulerConfig;
}

export function parsePolicy(text: string): PolicySpec {
  const [name, rest] = splitOnce(text.trim(), ':');
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new KairosError('PARAM_INVALID', `--policies: '${text}' is not a policy name (write name or name:key=value;key=value)`, { field: 'policies' });
  }
  const settings: Record<string, unknown> = {};
  if (rest !== undefined && rest !== '') {
    for (const kv of rest.split(';')) {
      const [k, v] = splitOnce(kv, '=');
      if (v === undefined || k === '') throw new KairosError('PARAM_INVALID', `--policies: setting '${kv}' of ${name} must be key=value`, { field: 'policies' });
      settings[k] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
    }
  }
  return { label: text.trim(), config: { policy: name, ...(Object.keys(settings).length > 0 ? { settings } : {}) } };
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

export interface BenchOptions {
  readonly experiment: Omit<ExperimentOptions, 'seed'>;
  readonly policies: readonly PolicySpec[];
  readonly seeds: readonly number[];
  /** Extra scheduler settings applied to every policy (admission, quotas...). */
  readonly base?: Omit<SchedulerConfig, 'policy'>;
  /** Collect utilization-over-time series (first seed) and JCT CDFs for a report. */
  readonly charts?: boolean;
  readonly starvationThresholdMs?: number;
  readonly makeScheduler?: SchedulerFactory;
  /** Called after each run (progress output). */
  readonly onRun?: (label: string, seed: number, m: RunMetrics) => void;
}

export interface BenchRow {
  readonly label: string;
  readonly runs: readonly RunMetrics[];
  readonly avgJct: Interval;
  readonly p95Jct: Interval;
  readonly makespan: Interval;
  readonly deadlineMiss: Interval;
  readonly throughput: Interval;
  readonly maxWait: Interval;
  readonly utilization: Interval;
  /** avgJct / lower bound, per seed. */
  readonly jctRatio: Interval;
  readonly wallMs: Interval;
  /** Pooled JCTs over all seeds (ms, ascending) as CDF points; only with `charts`. */
  readonly cdf: [number, number][];
  /** Utilization over time for the first seed (time ms, fraction); only with `charts`. */
  readonly utilizationSeries: [number, number][];
}

export interface BenchResult {
  readonly workload: string;
  readonly arrivals: string;
  readonly workers: number;
  readonly capacityCores: number;
  readonly jobs: number;
  readonly seeds: readonly number[];
  readonly rows: readonly BenchRow[];
  /** Lower bound on the average JCT, per seed (identical for every policy). */
  readonly lowerBound: Interval;
}

export function runBench(o: BenchOptions): BenchResult {
  if (o.policies.length === 0) throw new KairosError('PARAM_INVALID', '--policies: give at least one policy, e.g. fifo,fair', { field: 'policies' });
  if (o.seeds.length === 0) throw new KairosError('PARAM_INVALID', '--seeds: give at least 1', { field: 'seeds' });
  const runs = new Map<string, RunMetrics[]>(o.policies.map((p) => [p.label, []]));
  const jcts = new Map<string, number[]>(o.policies.map((p) => [p.label, []]));
  const util = new Map<string, [number, number][]>();
  const lbs: number[] = [];
  let first: ReturnType<typeof compileExperiment> | undefined;
  for (const seed of o.seeds) {
    const exp = compileExperiment({ ...o.experiment, seed });
    first ??= exp;
    for (const p of o.policies) {
      const charts = (o.charts ?? false) && seed === o.seeds[0];
      const { metrics, result } = runExperiment(exp, { ...o.base, ...p.config }, {
        timeline: charts,
        ...(o.starvationThresholdMs !== undefined ? { starvationThresholdMs: o.starvationThresholdMs } : {}),
        ...(o.makeScheduler !== undefined ? { makeScheduler: o.makeScheduler } : {}),
      });
      runs.get(p.label)!.push(metrics);
      if (p === o.policies[0]) lbs.push(metrics.lowerBoundAvgJctMs);
      if (o.charts) for (const j of result.jobs) if (j.finished && j.failed === null) jcts.get(p.label)!.push(j.finishedAt - j.arrivalMs);
      if (charts) {
        const rec = result.recorder;
        const end = metrics.makespanMs + Math.min(...exp.jobs.map((j) => j.arrivalMs));
        util.set(p.label, bucketSteps(rec.stepTime!.view(), rec.stepBusy!.view(), end, 200, 1 / exp.capacityCores));
      }
      o.onRun?.(p.label, seed, metrics);
    }
  }
  const rows = o.policies.map((p): BenchRow => {
    const ms = runs.get(p.label)!;
    const over = (f: (m: RunMetrics) => number): Interval => ci95(ms.map(f));
    return {
      label: p.label,
      runs: ms,
      avgJct: over((m) => m.avgJctMs),
      p95Jct: over((m) => m.p95JctMs),
      makespan: over((m) => m.makespanMs),
      deadlineMiss: over((m) => m.deadlineMissRate),
      throughput: over((m) => m.throughputPerSec),
      maxWait: over((m) => m.maxWaitMs),
      utilization: over((m) => m.utilization),
      jctRatio: over((m) => m.jctRatio),
      wallMs: over((m) => m.wallMs),
      cdf: o.charts ? cdfPoints(sorted(jcts.get(p.label)!)) : [],
      utilizationSeries: util.get(p.label) ?? [],
    };
  });
  return {
    workload: first!.workload,
    arrivals: first!.arrivals,
    workers: first!.workers.length,
    capacityCores: first!.capacityCores,
    jobs: first!.jobs.length,
    seeds: o.seeds,
    rows,
    lowerBound: ci95(lbs),
  };
}
