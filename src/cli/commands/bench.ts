/**
 * `kairos bench`: every policy on the same seeds (same jobs, arrivals and durations per seed), a
 * table of means with 95% confidence intervals and the ratio to the lower bound; `--out DIR`
 * writes a Markdown report with SVG charts. Flags of the experiment are those of `simulate`.
 */
import type { Command } from 'commander';
import { commandLine } from './command-line.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KairosError } from '../../core/errors.js';
import { runBench, type BenchResult } from '../../sim/bench.js';
import { benchReport } from '../../sim/report/markdown.js';
import { textTable } from '../../sim/report/tables.js';
import type { Interval } from '../../sim/stats.js';
import { addExperimentOptions, admissionFromFlag, checkedPolicy, experimentFromFlags, starvationMs, type ExperimentFlags } from './simulate.js';

interface BenchFlags extends ExperimentFlags {
  policies: string;
  seeds: string;
  json?: boolean;
  out?: string;
  quiet?: boolean;
}

function bad(flag: string, message: string): KairosError {
  return new KairosError('PARAM_INVALID', `--${flag}: ${message}`, { field: flag });
}

export function registerBench(program: Command): void {
  addExperimentOptions(program.command('bench').description('compare scheduling policies on the same simulated workload and seeds'))
    .option('--policies <list>', 'comma-separated policies, each name or name:key=value;key=value', 'fifo,priority')
    .option('--seeds <N>', 'number of seeds (runs per policy)', '5')
    .option('--seed <first>', 'first seed; seeds are first..first+N-1', '1')
    .option('--json', 'print the results as JSON (seconds)')
    .option('--out <dir>', 'write a Markdown report with SVG charts to this folder')
    .option('--quiet', 'no progress lines on stderr')
    .action((f: BenchFlags, cmd: Command) => {
      const n = Number(f.seeds);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw bad('seeds', `must be an integer in 1..1000 (got '${f.seeds}')`);
      const experiment = experimentFromFlags(f);
      const first = experiment.seed ?? 1;
      const policies = f.policies.split(',').filter((x) => x.trim() !== '').map((p) => checkedPolicy(p, 'policies'));
      if (new Set(policies.map((p) => p.label)).size !== policies.length) throw bad('policies', 'lists a policy twice');
      const result = runBench({
        experiment,
        policies,
        seeds: Array.from({ length: n }, (_, i) => first + i),
        base: { admission: admissionFromFlag(f.admission) },
        charts: f.out !== undefined,
        starvationThresholdMs: starvationMs(f.starvation),
        ...(f.quiet || f.json ? {} : {
          onRun: (label: string, seed: number, m: { avgJctMs: number; wallMs: number }) =>
            process.stderr.write(`  ${label} seed ${seed}: avg JCT ${(m.avgJctMs / 1000).toFixed(1)} s (${(m.wallMs / 1000).toFixed(2)} s wall)\n`),
        }),
      });
      if (f.out !== undefined) {
        const files = benchReport({ result, command: commandLine(cmd) });
        try {
          mkdirSync(f.out, { recursive: true });
          for (const [name, text] of Object.entries(files)) writeFileSync(join(f.out, name), text);
        } catch (e) {
          throw bad('out', `cannot write the report to ${f.out}: ${(e as Error).message}`);
        }
      }
      if (f.json) process.stdout.write(JSON.stringify(benchJson(result)) + '\n');
      else process.stdout.write(textTable(result) + (f.out !== undefined ? `\nreport: ${join(f.out, 'README.md')}` : '') + '\n');
    });
}

function ci(i: Interval, scale = 1e-3): { mean: number; ci95: number } {
  return { mean: +(i.mean * scale).toFixed(4), ci95: +(i.half * scale).toFixed(4) };
}

/** Bench results as JSON: every metric as {mean, ci95} over seeds (seconds; throughput jobs/s). */
export function benchJson(r: BenchResult): Record<string, unknown> {
  return {
    workload: r.workload,
    arrivals: r.arrivals,
    jobs: r.jobs,
    workers: r.workers,
    capacityCores: r.capacityCores,
    seeds: r.seeds,
    lowerBoundAvgJct: ci(r.lowerBound),
    policies: r.rows.map((row) => ({
      policy: row.label,
      avgJct: ci(row.avgJct),
      p95Jct: ci(row.p95Jct),
      makespan: ci(row.makespan),
      deadlineMissRate: ci(row.deadlineMiss, 1),
      throughput: ci(row.throughput, 1),
      maxWait: ci(row.maxWait),
      utilization: ci(row.utilization, 1),
      jctRatio: ci(row.jctRatio, 1),
      wallSec: ci(row.wallMs),
    })),
  };
}
