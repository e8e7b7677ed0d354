/**
 * Evaluation of the learned policy against every heuristic on the issue's target settings, on
 * seeds and jobs never used in training (training seeds are >= 100,000, validation 90,001-2;
 * Alibaba training uses trace jobs 1000.., evaluation the first 1000). Writes Markdown tables to
 * bench/learn/results/<name>.md and prints them.
 *
 *   node --import tsx bench/learn/evaluate.ts [--only alibaba,tpch-continuous,...] [--model PATH] [--seeds N]
 *     [--heuristics fifo,sjf,...] [--teacher] [--out DIR]
 *
 * The heuristics include `srpt` and `srpt-dag` (the teacher of the learned policy, registered so
 * the learned policy is measured against it). `--teacher` adds the teacher as computed inside the
 * learned policy (its bare scorer acting as the teacher; the same order as srpt-dag up to ties).
 * "Best heuristic" in the tables is the best of all heuristics run, the bar of the issue's targets.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import '../../src/learn/rl/register.js';
import { DEFAULT_MODEL_PATH } from '../../src/learn/rl/model-file.js';
import { parsePolicy, runBench, type PolicySpec } from '../../src/sim/bench.js';
import type { ExperimentOptions } from '../../src/sim/experiment.js';
import { markdownTable } from '../../src/sim/report/tables.js';
import { ci95 } from '../../src/sim/stats.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const model = arg('model') ?? DEFAULT_MODEL_PATH;
const seedCount = Number(arg('seeds') ?? 3);
const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);

const ALL_HEURISTICS = ['fifo', 'priority', 'wrr', 'edf', 'sjf', 'least-slack', 'critical-path', 'heft', 'fair', 'weighted-fair', 'weighted-fair:alpha=-0.5', 'weighted-fair:alpha=-1', 'srpt', 'srpt-dag'];

/** `--heuristics a,b` restricts the registered heuristics compared (CPU); default all. */
const HEURISTICS = arg('heuristics')?.split(',').filter(Boolean) ?? ALL_HEURISTICS;
/** `--teacher`: also run the teacher inside the learned policy (a check that it matches srpt-dag). */
const TEACHER = process.argv.includes('--teacher');

function policies(): PolicySpec[] {
  return [
    ...HEURISTICS.map(parsePolicy),
    ...(TEACHER ? [{ label: 'teacher (in learned)', config: { policy: 'learned', settings: { guard: false, model, actAsTeacher: true } } }] : []),
    { label: 'learned', config: { policy: 'learned', settings: { model } } },
  ];
}

interface Setting {
  readonly description: string;
  readonly experiment: Omit<ExperimentOptions, 'seed'>;
  readonly seeds: readonly number[];
}

const SETTINGS: Record<string, Setting> = {
  alibaba: { description: 'Alibaba trace, first 1,000 jobs (never trained on), trace arrivals, cluster sized for load 0.85', experiment: { workload: 'alibaba', jobs: 1000, load: 0.85 }, seeds: [1] },
  'tpch-continuous': {
    description: 'TPC-H, 500 jobs, Poisson arrivals at 85% load, 50 executors, policies see stage means, true durations sampled from the measured waves',
    experiment: { workload: 'tpch', arrivals: 'poisson', load: 0.85, jobs: 500, executors: 50, durations: 'sampled' },
    seeds,
  },
  'tpch-batched': { description: 'TPC-H, 20 jobs at time 0, 50 executors (decima-batched)', experiment: { workload: 'tpch', arrivals: 'batch', jobs: 20, executors: 50 }, seeds: Array.from({ length: Math.max(seedCount, 5) }, (_, i) => i + 1) },
  'synthetic-deadlines': {
    description: 'synthetic mixed DAGs, deadlines at 2x critical path, 200 jobs, Poisson at 85% load, 4 workers',
    experiment: { workload: 'synthetic:mixed', arrivals: 'poisson', load: 0.85, jobs: 200, executors: 4 },
    seeds,
  },
  'tpch-load-0.5': { description: 'generalisation: TPC-H continuous at load 0.5 (500 jobs, sampled durations)', experiment: { workload: 'tpch', arrivals: 'poisson', load: 0.5, jobs: 500, executors: 50, durations: 'sampled' }, seeds },
  'tpch-load-0.95': { description: 'generalisation: TPC-H continuous at load 0.95 (500 jobs, sampled durations)', experiment: { workload: 'tpch', arrivals: 'poisson', load: 0.95, jobs: 500, executors: 50, durations: 'sampled' }, seeds },
  'alibaba-load-0.7': { description: 'generalisation: Alibaba first 1,000 jobs, cluster sized for load 0.7', experiment: { workload: 'alibaba', jobs: 1000, load: 0.7 }, seeds: [1] },
};

const only = arg('only')?.split(',') ?? Object.keys(SETTINGS);
const outDir = arg('out') ?? join(import.meta.dirname, 'results');
mkdirSync(outDir, { recursive: true });
for (const name of only) {
  const st = SETTINGS[name];
  if (!st) throw new Error(`unknown setting ${name}; use ${Object.keys(SETTINGS).join(', ')}`);
  const t0 = performance.now();
  const res = runBench({
    experiment: st.experiment,
    policies: policies(),
    seeds: st.seeds,
    onRun: (label, seed, m) => process.stderr.write(`  ${name} ${label} seed ${seed}: avg JCT ${(m.avgJctMs / 1000).toFixed(1)} s (${(m.wallMs / 1000).toFixed(1)} s wall)\n`),
  });
  const byLabel = new Map(res.rows.map((r) => [r.label, r]));
  const heur = res.rows.filter((r) => r.label !== 'learned');
  if (heur.length === 0) heur.push(res.rows[0]!);
  const best = heur.reduce((a, b) => (b.avgJct.mean < a.avgJct.mean ? b : a));
  const bestRegistered = (heur.filter((r) => !r.label.startsWith('teacher')).length > 0 ? heur.filter((r) => !r.label.startsWith('teacher')) : heur).reduce((a, b) => (b.avgJct.mean < a.avgJct.mean ? b : a));
  const srptRow = byLabel.get('srpt');
  const learned = byLabel.get('learned')!;
  const p99 = (label: string): string => {
    const i = ci95(byLabel.get(label)!.runs.map((m) => m.p99JctMs / 1000));
    return i.n > 1 ? `${i.mean.toFixed(1)} ± ${i.half.toFixed(1)}` : i.mean.toFixed(1);
  };
  const lines = [
    `## ${name}`,
    '',
    `${st.description}. Seeds ${st.seeds.join(',')}; lower bound on avg JCT ${(res.lowerBound.mean / 1000).toFixed(1)} s. Model: ${model}.`,
    '',
    markdownTable(res),
    '',
    `p99 JCT (s): ${res.rows.map((r) => `${r.label} ${p99(r.label)}`).join('; ')}`,
    '',
    `- best heuristic: **${best.label}** ${(best.avgJct.mean / 1000).toFixed(1)} s; best registered heuristic: **${bestRegistered.label}** ${(bestRegistered.avgJct.mean / 1000).toFixed(1)} s`,
    `- learned: ${(learned.avgJct.mean / 1000).toFixed(1)} s = **${(100 * (learned.avgJct.mean / best.avgJct.mean - 1)).toFixed(1)}%** vs the best heuristic, ${(100 * (learned.avgJct.mean / bestRegistered.avgJct.mean - 1)).toFixed(1)}% vs the best registered one; p99 ${p99('learned')} s vs ${p99(best.label)} s; deadline miss ${(100 * learned.deadlineMiss.mean).toFixed(1)}%`,
    ...(srptRow ? [`- learned vs srpt: **${(100 * (learned.avgJct.mean / srptRow.avgJct.mean - 1)).toFixed(1)}%** avg JCT, p99 ${p99('learned')} s vs ${p99('srpt')} s; JCT / LB: learned ${learned.jctRatio.mean.toFixed(2)}, srpt ${srptRow.jctRatio.mean.toFixed(2)}`] : []),
    `- wall: ${((performance.now() - t0) / 1000).toFixed(0)} s; machine load (1-min average) at the end: ${loadavg()[0]!.toFixed(1)}`,
    '',
  ];
  const text = lines.join('\n');
  writeFileSync(join(outDir, `${name}.md`), text);
  process.stdout.write(text + '\n');
}
