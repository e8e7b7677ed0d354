/**
 * `kairos simulate`: one simulated run of a workload under one scheduling policy, driven by the
 * same src/sched code as the engine. The experiment flags are shared with `kairos bench`
 * (`addExperimentOptions` / `experimentFromFlags`). Bad flags throw a KairosError naming the flag
 * and the fix; the CLI main prints it and exits 2.
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { KairosError } from '../../core/errors.js';
import { policyNames } from '../../sched/registry.js';
import type { AdmissionMode } from '../../sched/types.js';
import { parsePolicy, type PolicySpec } from '../../sim/bench.js';
import { compileExperiment, runExperiment, type ExperimentOptions } from '../../sim/experiment.js';
import type { RunMetrics } from '../../sim/metrics.js';
import { ganttSvg } from '../../sim/report/gantt.js';
import { scenario } from '../../sim/scenarios.js';

export interface ExperimentFlags {
  workload?: string;
  scenario?: string;
  arrivals?: string;
  load?: string;
  jobs?: string;
  executors?: string;
  speeds?: string;
  seed?: string;
  durations?: string;
  failureRate?: string;
  maxAttempts?: string;
  crashMtbf?: string;
  lease?: string;
  repair?: string;
  namespacePerJob?: boolean;
  admission?: string;
  starvation?: string;
}

export function addExperimentOptions(cmd: Command): Command {
  return cmd
    .option('--workload <name|path>', 'tpch, tpch:<size>, wfcommons:<name>, alibaba, synthetic:<chain|fork-join|layered|mixed>, or a workload file')
    .option('--scenario <name>', 'built-in experiment: decima-batched, decima-continuous (flags override it)')
    .option('--arrivals <kind>', 'batch | poisson | poisson:MEAN_SECONDS | trace (default: the workload\'s own)')
    .option('--load <L>', 'offered load in (0,1]: sizes the cluster (trace) or the Poisson rate (poisson without a mean); default 0.85 where needed')
    .option('--jobs <N>', 'jobs drawn at random (TPC-H) or taken first (traces, synthetic)')
    .option('--executors <N>', 'N workers of the workload\'s worker shape instead of its recorded cluster')
    .option('--speeds <list>', 'worker speed factors cycled over the workers, e.g. 1,1,2')
    .option('--durations <mode>', 'mean (every task its stage mean) | sampled (TPC-H: measured task durations)', 'mean')
    .option('--failure-rate <P>', 'probability that a task attempt fails (retried)', '0')
    .option('--max-attempts <N>', 'attempts per task before its job fails', '4')
    .option('--crash-mtbf <SEC>', 'mean seconds between crashes of each worker (off by default)')
    .option('--lease <SEC>', 'lease: seconds until a crashed worker\'s tasks are declared lost', '30')
    .option('--repair <SEC>', 'seconds until a crashed worker rejoins', '300')
    .option('--namespace-per-job', 'put every job in its own namespace (default for TPC-H: fair policies share among jobs)')
    .option('--admission <mode>', 'greedy | strict | backfill', 'greedy')
    .option('--starvation <SEC>', 'a queue wait above this counts as starved', '600');
}

function bad(flag: string, message: string): KairosError {
  return new KairosError('PARAM_INVALID', `--${flag}: ${message}`, { field: flag });
}

function number(flag: string, v: string | undefined, check: (n: number) => boolean, want: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw bad(flag, `must be ${want} (got '${v}')`);
  return n;
}

const int1 = (n: number): boolean => Number.isInteger(n) && n >= 1;

export function experimentFromFlags(f: ExperimentFlags): ExperimentOptions {
  const base: Partial<ExperimentOptions> = f.scenario !== undefined ? scenario(f.scenario).experiment : {};
  const workload = f.workload ?? base.workload;
  if (workload === undefined) throw bad('workload', 'is required (or give --scenario), e.g. --workload tpch');
  if (f.durations !== 'mean' && f.durations !== 'sampled' && f.durations !== undefined) throw bad('durations', `must be mean or sampled (got '${f.durations}')`);
  const failureRate = number('failure-rate', f.failureRate, (n) => n >= 0 && n < 1, 'a probability in [0, 1)') ?? 0;
  const maxAttempts = number('max-attempts', f.maxAttempts, int1, 'an integer >= 1') ?? 4;
  const mtbf = number('crash-mtbf', f.crashMtbf, (n) => n > 0, 'seconds > 0');
  const lease = number('lease', f.lease, (n) => n > 0, 'seconds > 0') ?? 30;
  const repair = number('repair', f.repair, (n) => n > 0, 'seconds > 0') ?? 300;
  const speeds = f.speeds?.split(',').map((s) => number('speeds', s, (n) => n > 0, 'a list of speeds > 0, e.g. 1,1,2')!);
  const pick = <T>(flag: T | undefined, dflt: T | undefined): T | undefined => (flag !== undefined ? flag : dflt);
  const load = pick(number('load', f.load, (n) => n > 0 && n <= 1, 'a fraction in (0, 1], e.g. 0.85'), base.load);
  const jobs = pick(number('jobs', f.jobs, int1, 'an integer >= 1'), base.jobs);
  const executors = pick(number('executors', f.executors, int1, 'an integer >= 1'), base.executors);
  const arrivals = pick(f.arrivals, base.arrivals);
  const seed = number('seed', f.seed, (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0') ?? 1;
  return {
    workload,
    seed,
    durations: f.durations === 'sampled' ? 'sampled' : 'mean',
    ...(arrivals !== undefined ? { arrivals } : {}),
    ...(load !== undefined ? { load } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(executors !== undefined ? { executors } : {}),
    ...(speeds !== undefined ? { speeds } : {}),
    ...(failureRate > 0 ? { failures: { probability: failureRate, maxAttempts } } : {}),
    ...(mtbf !== undefined ? { crashes: { mtbfMs: mtbf * 1000, leaseMs: lease * 1000, repairMs: repair * 1000 } } : {}),
    ...(f.namespacePerJob ? { namespacePerJob: true } : {}),
  };
}

export function admissionFromFlag(v: string | undefined): AdmissionMode {
  if (v === undefined || v === 'greedy' || v === 'strict' || v === 'backfill') return v ?? 'greedy';
  throw bad('admission', `must be greedy, strict or backfill (got '${v}')`);
}

export function starvationMs(v: string | undefined): number {
  return (number('starvation', v, (n) => n >= 0, 'seconds >= 0') ?? 600) * 1000;
}

/** Parses a policy flag and checks the name against the scheduler's registry. */
export function checkedPolicy(text: string, flag: string): PolicySpec {
  const p = parsePolicy(text);
  const known = policyNames();
  if (!known.includes(p.config.policy)) {
    throw new KairosError('POLICY_UNKNOWN', `--${flag}: unknown policy '${p.config.policy}'; registered: ${known.join(', ')}`, { field: flag });
  }
  return p;
}

const s = (ms: number): number => +(ms / 1000).toFixed(3);

/** The `--json` line of `simulate`: exactly these fields, times in seconds, throughput in jobs/s. */
export function simulateJson(policy: string, workload: string, seed: number, m: RunMetrics): Record<string, number | string> {
  return {
    policy,
    workload,
    seed,
    jobs: m.jobs,
    avgJct: s(m.avgJctMs),
    p50Jct: s(m.p50JctMs),
    p95Jct: s(m.p95JctMs),
    p99Jct: s(m.p99JctMs),
    makespan: s(m.makespanMs),
    deadlineMissRate: +m.deadlineMissRate.toFixed(4),
    throughput: +m.throughputPerSec.toFixed(6),
    maxWait: s(m.maxWaitMs),
    utilization: +m.utilization.toFixed(4),
    lowerBoundAvgJct: s(m.lowerBoundAvgJctMs),
    events: m.events,
    eventsPerSec: Math.round(m.eventsPerSec),
  };
}

interface SimulateFlags extends ExperimentFlags {
  policy: string;
  json?: boolean;
  gantt?: string;
}

export function registerSimulate(program: Command): void {
  addExperimentOptions(program.command('simulate').description('simulate one run of a workload under a scheduling policy (virtual time)'))
    .option('--policy <name>', 'scheduling policy, optionally with settings: name or name:key=value;key=value', 'fifo')
    .option('--seed <N>', 'random seed: the same seed gives the same run', '1')
    .option('--json', 'print one JSON object with the run\'s metrics (seconds)')
    .option('--gantt <file.svg>', 'draw the schedule (first 50,000 attempts) as an SVG Gantt chart')
    .action((f: SimulateFlags) => {
      const exp = compileExperiment(experimentFromFlags(f));
      const p = checkedPolicy(f.policy, 'policy');
      const { metrics: m, result } = runExperiment(exp, { ...p.config, admission: admissionFromFlag(f.admission) }, {
        attempts: f.gantt !== undefined ? 50_000 : 0,
        starvationThresholdMs: starvationMs(f.starvation),
      });
      if (f.gantt !== undefined) {
        const svg = ganttSvg({
          title: `${exp.workload} — ${p.label}, seed ${exp.seed}`,
          workers: exp.workers.map((w) => w.id),
          attempts: result.recorder.attempts ?? [],
          jobNames: exp.jobs.map((j) => j.spec.name),
          dropped: result.recorder.attemptsDropped,
        });
        try {
          writeFileSync(f.gantt, svg);
        } catch (e) {
          throw bad('gantt', `cannot write ${f.gantt}: ${(e as Error).message}`);
        }
      }
      if (f.json) {
        process.stdout.write(JSON.stringify(simulateJson(p.label, exp.workload, exp.seed, m)) + '\n');
        return;
      }
      process.stdout.write(summary(p.label, exp, m) + (f.gantt !== undefined ? `\nGantt chart: ${f.gantt}` : '') + '\n');
    });
}

function summary(policy: string, exp: ReturnType<typeof compileExperiment>, m: RunMetrics): string {
  const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return [
    `${exp.workload} under ${policy}, seed ${exp.seed}: ${m.jobs} jobs, arrivals ${exp.arrivals}, ${exp.workers.length} workers (${+exp.capacityCores.toFixed(2)} cores)`,
    `  JCT avg ${sec(m.avgJctMs)}  p50 ${sec(m.p50JctMs)}  p95 ${sec(m.p95JctMs)}  p99 ${sec(m.p99JctMs)}  (lower bound ${sec(m.lowerBoundAvgJctMs)}, ratio ${m.jctRatio.toFixed(2)})`,
    `  slowdown avg ${m.avgSlowdown.toFixed(2)}  p95 ${m.p95Slowdown.toFixed(2)}   makespan ${sec(m.makespanMs)} (bound ${sec(m.lowerBoundMakespanMs)})`,
    `  deadline misses ${(m.deadlineMissRate * 100).toFixed(1)}%  throughput ${(m.throughputPerSec * 3600).toFixed(1)} jobs/h  utilization ${(m.utilization * 100).toFixed(1)}%`,
    `  queue wait max ${sec(m.maxWaitMs)}  p99 ${sec(m.p99WaitMs)}  starved (> ${sec(m.starvationThresholdMs)}) ${m.starvedTasks}`,
    `  jobs completed ${m.completedJobs}, failed ${m.failedJobs}, unfinished ${m.unfinishedJobs}; attempts ${m.attemptsStarted} (failed ${m.attemptsFailed}, lost ${m.attemptsLost})`,
    `  ${m.events} events in ${(m.wallMs / 1000).toFixed(2)} s wall = ${Math.round(m.eventsPerSec).toLocaleString('en-US')} events/s`,
  ].join('\n');
}
