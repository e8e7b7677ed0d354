/**
 * `kairos finetune`: online fine-tuning of the learned policy (docs/learned-policy.md, "Live:
 * guards"). Reads the recorded live history from the store (the state folder or --store), trains
 * the current model further on its older runs in the simulator, replays the newest runs (held
 * out) under the candidate and the current model, and promotes the candidate only when it wins
 * (src/learn/rl/finetune.ts). The previous model is kept as `<name>.prev.json`.
 *
 *   kairos finetune --since 24h --concurrency 8 [--model .kairos/learned/model.json]
 */
import type { Command } from 'commander';
import { commandLine } from './command-line.js';
import { cpus } from 'node:os';
import { parseDuration } from '../../core/units.js';
import { readHistoryWindow } from '../history-window.js';
import { currentModel, finetune, learnedModelPath, promoteModel, type ReplaySummary } from '../../learn/rl/finetune.js';
import { readConfigFile, ConfigError } from '../../server/config.js';
import { CliExit } from '../fail.js';
import { stateDir, STORE_OPTION_HELP } from '../state.js';

interface Opts {
  state?: string;
  store?: string;
  since: string;
  model?: string;
  base?: string;
  config?: string;
  concurrency?: string;
  cpus?: string;
  iterations: string;
  imitation: string;
  seed: string;
  holdout: string;
  minGain: string;
  episodeRuns: string;
  minRuns: string;
  dryRun?: boolean;
  json?: boolean;
}

function int(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliExit(2, `--${flag} ${v}: expected an integer >= ${min}`);
  return n;
}

function fraction(flag: string, v: string, lo: number, hi: number): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= lo && n < hi)) throw new CliExit(2, `--${flag} ${v}: expected a number in [${lo}, ${hi})`);
  return n;
}

const sec = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');
const row = (label: string, m: ReplaySummary): string => `  ${label.padEnd(10)} avg JCT ${sec(m.avgJctMs)} s  p95 ${sec(m.p95JctMs)} s${m.deadlineRuns > 0 ? `  deadline misses ${m.deadlineMisses}/${m.deadlineRuns}` : ''}`;

export function registerFinetune(program: Command): void {
  program
    .command('finetune')
    .description('fine-tune the learned policy on the recorded live history; promote it only if it wins on held-out replay')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .option('--since <duration>', 'how far back to read finished runs (e.g. 6h, 2d)', '24h')
    .option('--model <path>', 'the model to fine-tune and replace (default <state>/learned/model.json)')
    .option('--base <path>', 'the model to start from when --model does not exist yet (default: the shipped model)')
    .option('--config <file>', 'the server config file the history ran under (concurrency)')
    .option('--concurrency <n>', 'the engine concurrency the history ran under (default: from --config, else 256)')
    .option('--cpus <n>', 'cpu capacity of the machine the history ran on (default: this machine)')
    .option('--iterations <N>', 'training iterations', '4')
    .option('--imitation <N>', 'of which the first N imitate the teacher heuristic', '0')
    .option('--seed <N>', 'seed of the training run and of the replays', '1')
    .option('--holdout <F>', 'fraction of the newest runs held out to judge the candidate', '0.3')
    .option('--min-gain <F>', 'relative avg-JCT gain the candidate needs on the held-out replay', '0')
    .option('--episode-runs <N>', 'runs per training episode', '50')
    .option('--min-runs <N>', 'fewest finished runs to fine-tune on', '10')
    .option('--dry-run', 'judge the candidate but never write the model')
    .option('--json', 'print JSON')
    .action(async (opts: Opts, cmd: Command) => {
      const since = parseDuration(opts.since);
      if (!since.ok) throw new CliExit(2, `--since: ${since.error}`);
      let fileConcurrency: number | undefined;
      if (opts.config !== undefined) {
        try {
          fileConcurrency = readConfigFile(opts.config).concurrency;
        } catch (e) {
          if (e instanceof ConfigError) throw new CliExit(2, e.message);
          throw e;
        }
      }
      const iterations = int('iterations', opts.iterations, 1)!;
      const imitation = int('imitation', opts.imitation, 0)!;
      if (imitation > iterations) throw new CliExit(2, `--imitation ${imitation}: at most --iterations (${iterations})`);
      const seed = int('seed', opts.seed, 0)!;
      const holdout = fraction('holdout', opts.holdout, 0.01, 1);
      const minGain = fraction('min-gain', opts.minGain, 0, 1);
      const episodeRuns = int('episode-runs', opts.episodeRuns, 1)!;
      const minRuns = int('min-runs', opts.minRuns, 2)!;
      const concurrency = int('concurrency', opts.concurrency, 1) ?? fileConcurrency ?? 256;
      const cpu = int('cpus', opts.cpus, 1) ?? cpus().length;
      const dir = stateDir(opts.state);
      const modelPath = opts.model ?? learnedModelPath(dir);
      const current = currentModel(modelPath, opts.base);

      const trace = await readHistoryWindow({
        stateDir: dir, storeUrl: opts.store, sinceMs: since.value, sinceText: opts.since, cpu, concurrency,
        emptyHint: ': nothing to fine-tune on; run workflows under the engine first, or widen --since',
      });
      if (trace.runs.length < minRuns) {
        throw new CliExit(3, `only ${trace.runs.length} finished runs in the last ${opts.since}, fine-tuning needs --min-runs ${minRuns}: widen --since or wait for more history`);
      }
      const r = await finetune({
        trace, current, currentPath: current.path, iterations, imitation, seed, holdout, minGain, episodeRuns, minRuns,
        command: commandLine(cmd),
        onProgress: (line) => process.stderr.write(`finetune: ${line}\n`),
      });
      const written = r.promote && !opts.dryRun ? promoteModel(modelPath, current.exists ? current.file : null, r.candidate) : null;
      if (opts.json) {
        process.stdout.write(JSON.stringify({ promoted: written !== null, wins: r.promote, reason: r.reason, model: modelPath, previous: written?.training['previous'] ?? null, split: r.split, heldOut: r.heldOut }, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        [
          `${trace.runs.length} finished runs: ${r.split.trainRuns} to train on (${r.split.episodes} episode(s)), the newest ${r.split.heldOutRuns} held out`,
          `started from ${current.path}`,
          row('current', r.heldOut.current),
          row('candidate', r.heldOut.candidate),
          r.reason,
          written !== null ? `model: ${modelPath}${written.training['previous'] ? ` (previous kept as ${String(written.training['previous'])})` : ''}` : r.promote ? '--dry-run: the model was not written' : `model unchanged: ${modelPath}`,
          '',
        ].join('\n'),
      );
    });
}
