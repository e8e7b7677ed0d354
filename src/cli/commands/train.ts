/**
 * `kairos train`: trains the learned scheduling policy in the simulator (docs/learned-policy.md).
 * Progress goes to stderr; DIR/checkpoint.json is written after every iteration and a run started
 * again with the same flags resumes from it; DIR/model.json is the best validated model.
 */
import type { Command } from 'commander';
import { commandLine } from './command-line.js';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { KairosError } from '../../core/errors.js';
import { CURRICULUM } from '../../learn/rl/curriculum.js';
import { inlineRunner, WorkerRunner, type RolloutRunner } from '../../learn/rl/rollout-pool.js';
import { DEFAULT_ES, DEFAULT_TRAIN, type TrainConfig } from '../../learn/rl/trainer.js';
import { runTraining } from '../../learn/rl/training-run.js';

interface TrainFlags {
  workloads: string;
  validation?: string;
  iterations: string;
  imitation: string;
  seed: string;
  out: string;
  workers?: string;
  rollouts: string;
  experiments: string;
  deadlinePenalty: string;
  pgLr: string;
  temperature: string;
  entropy: string;
  residual?: boolean;
  algorithm: string;
  esPairs: string;
  esSigma: string;
  esLr: string;
  fresh?: boolean;
}

function int(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new KairosError('PARAM_INVALID', `--${flag}: must be an integer in ${min}..${max} (got '${v}')`, { field: flag });
  return n;
}

function positive(flag: string, v: string, zeroOk = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!zeroOk && n === 0)) throw new KairosError('PARAM_INVALID', `--${flag}: must be a number ${zeroOk ? '>=' : '>'} 0 (got '${v}')`, { field: flag });
  return n;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train the learned scheduling policy in the simulator (imitation of the srpt-dag teacher or a residual over it, then policy gradient or evolution strategies)')
    .option('--workloads <list>', `training curriculum, comma-separated: ${Object.keys(CURRICULUM).join(', ')}`, 'tpch-batch,tpch-continuous,alibaba,synthetic-deadlines')
    .option('--validation <list>', 'validation workloads (default: the training ones)')
    .option('--iterations <N>', 'training iterations in all', '20')
    .option('--imitation <N>', 'of which the first N imitate the teacher heuristic', '4')
    .option('--seed <N>', 'seed of initialisation and of every training episode', '1')
    .option('--out <dir>', 'folder for checkpoint.json, model.json, curve.json, learning-curve.svg', '.kairos/train')
    .option('--workers <N>', 'rollout worker threads (default: the cores; 0 = in this thread)')
    .option('--rollouts <N>', 'rollouts per experiment (the input-dependent baseline group)', String(DEFAULT_TRAIN.rollouts))
    .option('--experiments <N>', 'experiments per policy-gradient iteration', String(DEFAULT_TRAIN.experimentsPerIteration))
    .option('--deadline-penalty <SEC>', 'reward penalty per missed deadline, in seconds of job time', '0')
    .option('--pg-lr <X>', 'Adam step size of the policy-gradient phase', String(DEFAULT_TRAIN.pgLr))
    .option('--temperature <T>', 'softmax temperature of the sampled rollouts', String(DEFAULT_TRAIN.temperature))
    .option('--entropy <B>', 'entropy bonus weight', String(DEFAULT_TRAIN.entropy))
    .option('--residual', 'residual model: srpt-dag prior + a network starting at zero (no imitation needed)')
    .option('--algorithm <pg|es>', 'after imitation: policy gradient (pg) or evolution strategies (es)', 'pg')
    .option('--es-pairs <N>', 'ES: antithetic pairs of perturbed policies per iteration', String(DEFAULT_ES.pairs))
    .option('--es-sigma <X>', 'ES: noise scale on the parameters', String(DEFAULT_ES.sigma))
    .option('--es-lr <X>', 'ES: Adam step size', String(DEFAULT_ES.lr))
    .option('--fresh', 'ignore an existing checkpoint in --out and start over')
    .action(async (f: TrainFlags, cmd: Command) => {
      const workers = f.workers === undefined ? Math.min(2, availableParallelism()) : int('workers', f.workers, 0, 64);
      const iterations = int('iterations', f.iterations, 1, 100_000);
      const penalty = Number(f.deadlinePenalty);
      if (!(penalty >= 0)) throw new KairosError('PARAM_INVALID', `--deadline-penalty: must be a number >= 0 (got '${f.deadlinePenalty}')`, { field: 'deadline-penalty' });
      const config: TrainConfig = {
        ...DEFAULT_TRAIN,
        workloads: f.workloads.split(',').map((s) => s.trim()).filter(Boolean),
        ...(f.validation ? { validation: f.validation.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        iterations,
        imitationIterations: int('imitation', f.imitation, 0, iterations),
        seed: int('seed', f.seed, 0, 2 ** 31),
        rollouts: int('rollouts', f.rollouts, 2, 64),
        experimentsPerIteration: int('experiments', f.experiments, 1, 64),
        objective: { ...DEFAULT_TRAIN.objective, deadlineMissPenaltySec: penalty },
        pgLr: positive('pg-lr', f.pgLr),
        temperature: positive('temperature', f.temperature),
        entropy: positive('entropy', f.entropy, true),
        ...(f.residual ? { residual: true } : {}),
        ...(f.algorithm === 'es' ? { algorithm: 'es' as const, es: { pairs: int('es-pairs', f.esPairs, 1, 256), sigma: positive('es-sigma', f.esSigma), lr: positive('es-lr', f.esLr) } } : {}),
      };
      if (f.algorithm !== 'pg' && f.algorithm !== 'es') throw new KairosError('PARAM_INVALID', `--algorithm: must be pg or es (got '${f.algorithm}')`, { field: 'algorithm' });
      const runner: RolloutRunner = workers === 0 ? inlineRunner : new WorkerRunner(workers);
      const t0 = performance.now();
      try {
        const { state, resumedFrom } = await runTraining({
          config,
          out: f.out,
          runner,
          command: commandLine(cmd),
          fresh: f.fresh ?? false,
          onProgress: (line, it) => {
            const done = Math.round((20 * it) / iterations);
            process.stderr.write(`[${'#'.repeat(done)}${'.'.repeat(20 - done)}] ${((performance.now() - t0) / 1000).toFixed(0)} s  ${line}\n`);
          },
        });
        if (resumedFrom > 0) process.stderr.write(`(resumed from iteration ${resumedFrom})\n`);
        const best = state.best;
        process.stdout.write(
          `model: ${join(f.out, 'model.json')} (iteration ${best?.iteration ?? state.iteration}, validation avg JCT ${best ? best.vsTeacher.toFixed(3) : '?'}x the teacher's)\n` +
            `learning curve: ${join(f.out, 'learning-curve.svg')}\n`,
        );
      } finally {
        await runner.close();
      }
    });
}
