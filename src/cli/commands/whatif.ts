/**
 * `kairos whatif`: the digital twin (docs/self-tuning.md "Digital twin"). Reads the recorded live
 * history from the store, replays it in the simulator under the current policy and each
 * alternative, and prints the predicted metrics side by side, with the calibration of the replay
 * (how close the replay of the current policy comes to what really happened).
 *
 *   kairos whatif --since 6h --policies fifo,sjf,wrr --set wrr.high=0.8
 */
import type { Command } from 'commander';
import { cpus } from 'node:os';
import { parseDuration } from '../../core/units.js';
import { readHistoryWindow } from '../history-window.js';
import { buildCandidates } from '../../learn/whatif-candidates.js';
import { whatIf, type PredictedMetrics, type WhatIfReport } from '../../learn/whatif.js';
import type { SchedulerConfig } from '../../sched/types.js';
import { readConfigFile, ConfigError } from '../../server/config.js';
import { CliExit } from '../fail.js';
import { checkedPolicy } from './simulate.js';
import { stateDir, STORE_OPTION_HELP } from '../state.js';

interface Opts {
  state?: string;
  store?: string;
  since: string;
  policies: string;
  policy?: string;
  config?: string;
  concurrency?: string;
  cpus?: string;
  set: string[];
  seed: string;
  json?: boolean;
}

export const DEFAULT_WHATIF_POLICIES = 'fifo,priority,sjf,wrr,edf,fair';

const sec = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(ms < 10_000 ? 2 : 1) : '-');

function waitCell(m: PredictedMetrics, level: string): string {
  const w = m.waitByPriority[level];
  return w ? sec(w.p95Ms) : '-';
}

export function formatWhatIf(r: WhatIfReport): string {
  const levels = ['high', 'normal', 'low'].filter((l) => r.recorded.waitByPriority[l] !== undefined || r.rows.some((x) => x.metrics.waitByPriority[l] !== undefined));
  const head = ['POLICY', 'AVG JCT s', 'P95 JCT s', 'MAKESPAN s', 'DEADLINE MISS', ...levels.map((l) => `P95 WAIT ${l.toUpperCase()} s`), 'VS CURRENT'];
  const line = (label: string, m: PredictedMetrics, vs: string): string[] => [
    label, sec(m.avgJctMs), sec(m.p95JctMs), sec(m.makespanMs), m.deadlineRuns > 0 ? `${m.deadlineMisses}/${m.deadlineRuns}` : '-', ...levels.map((l) => waitCell(m, l)), vs,
  ];
  const table = [head, line('recorded (what happened)', r.recorded, ''), ...r.rows.map((x) => line(x.label, x.metrics, x.current ? '' : `${x.avgJctVsCurrent < 1 ? '-' : '+'}${Math.abs((x.avgJctVsCurrent - 1) * 100).toFixed(1)}%`))];
  const widths = head.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const out = table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
  const c = r.calibration;
  const from = new Date(r.fromMs).toISOString().slice(0, 19).replace('T', ' ');
  const to = new Date(r.toMs).toISOString().slice(0, 19).replace('T', ' ');
  return [
    `${r.runs} finished runs (${r.tasks} tasks) created ${from} .. ${to} UTC, replayed in the simulator (virtual time)`,
    '',
    ...out,
    '',
    `calibration: replay of the current policy avg JCT ${sec(c.replayedAvgJctMs)} s vs recorded ${sec(c.recordedAvgJctMs)} s (${Number.isFinite(c.avgJctError) ? `${c.avgJctError >= 0 ? '+' : ''}${(c.avgJctError * 100).toFixed(1)}%` : 'n/a'}); p95 ${sec(c.replayedP95JctMs)} s vs ${sec(c.recordedP95JctMs)} s`,
    ...r.notes.map((n) => `note: ${n}`),
    '',
  ].join('\n');
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliExit(2, `--${flag} ${v}: expected an integer >= 1`);
  return n;
}

export function registerWhatIf(program: Command): void {
  program
    .command('whatif')
    .description('replay the recorded history in the simulator under other policies and settings (the digital twin)')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .option('--since <duration>', 'how far back to read finished runs (e.g. 30m, 6h, 2d)', '6h')
    .option('--policies <list>', 'alternatives, comma-separated; each name or name:key=value;key=value', DEFAULT_WHATIF_POLICIES)
    .option('--policy <name>', 'the policy the history ran under, name or name:key=value;... (default: from --config, else priority, the server default)')
    .option('--config <file>', 'the server config file the history ran under (policy, concurrency)')
    .option('--concurrency <n>', 'the engine concurrency the history ran under (default: from --config, else 256)')
    .option('--cpus <n>', 'cpu capacity of the machine the history ran on (default: this machine)')
    .option('--set <key=value>', 'a setting to try, e.g. wrr.high=0.8 or admission=backfill (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--seed <n>', 'seed of the scheduler stream', '1')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const since = parseDuration(opts.since);
      if (!since.ok) throw new CliExit(2, `--since: ${since.error}`);
      let fileScheduler: SchedulerConfig | undefined;
      let fileConcurrency: number | undefined;
      if (opts.config !== undefined) {
        try {
          const c = readConfigFile(opts.config);
          fileScheduler = c.scheduler as SchedulerConfig | undefined;
          fileConcurrency = c.concurrency;
        } catch (e) {
          if (e instanceof ConfigError) throw new CliExit(2, e.message);
          throw e;
        }
      }
      const current: SchedulerConfig = opts.policy !== undefined ? { ...(fileScheduler ?? {}), ...checkedPolicy(opts.policy, 'policy').config } : (fileScheduler ?? { policy: 'priority' });
      const candidates = buildCandidates(current, opts.policies.split(','), opts.set);
      const concurrency = positiveInt('concurrency', opts.concurrency) ?? fileConcurrency ?? 256;
      const cpu = positiveInt('cpus', opts.cpus) ?? cpus().length;
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new CliExit(2, `--seed ${opts.seed}: expected an integer >= 0`);
      const trace = await readHistoryWindow({
        stateDir: stateDir(opts.state), storeUrl: opts.store, sinceMs: since.value, sinceText: opts.since, cpu, concurrency,
        emptyHint: '; run some workflows first, or widen --since',
      });
      const report = whatIf(trace, { current: candidates.current, alternatives: candidates.alternatives, seed });
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatWhatIf(report));
    });
}
