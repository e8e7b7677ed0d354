/**
 * A training run on disk (`kairos train --out DIR`): DIR/checkpoint.json after every iteration
 * (model, optimiser moments, learning curve, best model so far; written atomically), so an
 * interrupted run resumes where it stopped when started again with the same flags;
 * DIR/model.json (the best validated model, a model file), DIR/curve.json and
 * DIR/learning-curve.svg (validation reward and average JCT against iterations).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KairosError } from '../../core/errors.js';
import { lineChart } from '../../sim/report/svg.js';
import { VALIDATION_SEEDS, TRAIN_SEED_BASE } from './curriculum.js';
import { Mlp } from './mlp.js';
import { saveModel, toModelFile } from './model-file.js';
import type { RolloutRunner } from './rollout-pool.js';
import { priorOf, train, type CurvePoint, type TrainConfig, type TrainHooks, type TrainState } from './trainer.js';

export interface TrainingRunOptions {
  readonly config: TrainConfig;
  readonly out: string;
  readonly runner: RolloutRunner;
  /** The command line, recorded in the model's metadata. */
  readonly command: string;
  readonly fresh?: boolean;
  readonly onProgress?: TrainHooks['onProgress'];
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/**
 * The config fields that must match for a checkpoint to be resumed: all but `iterations`, so a
 * finished run can also be continued for more iterations.
 */
function fingerprint(c: TrainConfig): string {
  return JSON.stringify({ ...c, iterations: undefined });
}

export async function runTraining(o: TrainingRunOptions): Promise<{ state: TrainState; resumedFrom: number }> {
  mkdirSync(o.out, { recursive: true });
  const ckPath = join(o.out, 'checkpoint.json');
  let state: TrainState | undefined;
  let resumedFrom = 0;
  if (!o.fresh && existsSync(ckPath)) {
    const ck = JSON.parse(readFileSync(ckPath, 'utf8')) as { config: string; state: TrainState };
    if (fingerprint(JSON.parse(ck.config) as TrainConfig) !== fingerprint(o.config)) {
      throw new KairosError('PARAM_INVALID', `--out ${o.out} holds a checkpoint of a run with other settings; use another --out, the same flags, or --fresh to start over`, { field: 'out' });
    }
    state = ck.state;
    resumedFrom = state.iteration;
  }
  const final = await train(o.config, o.runner, state, {
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    onIteration: (s) => {
      writeAtomic(ckPath, JSON.stringify({ config: fingerprint(o.config), state: s }));
      writeOutputs(o, s);
    },
  });
  writeOutputs(o, final);
  return { state: final, resumedFrom };
}

function algorithmOf(c: TrainConfig): string {
  const first = c.residual === true ? 'residual network over the srpt-dag prior (output layer starting at 0)' : 'free network';
  const clone = c.imitationIterations > 0 ? ', behaviour cloning of job-SRPT (DAgger)' : '';
  const then = c.algorithm === 'es' ? 'evolution strategies (antithetic, common random numbers, centred ranks)' : 'REINFORCE with an input-dependent baseline';
  return `${first}${clone}, then ${then}`;
}

function writeOutputs(o: TrainingRunOptions, s: TrainState): void {
  const best = s.best ?? { iteration: s.iteration, vsTeacher: Number.NaN, params: s.params };
  const m = new Mlp(o.config.layers, best.params, priorOf(o.config));
  const atBest = s.curve.find((p) => p.iteration === best.iteration);
  saveModel(
    join(o.out, 'model.json'),
    toModelFile(m, o.config.objective, {
      command: o.command,
      algorithm: algorithmOf(o.config),
      workloads: o.config.workloads,
      seed: o.config.seed,
      trainSeeds: `>= ${TRAIN_SEED_BASE}, derived from (seed, iteration)`,
      validationSeeds: [...VALIDATION_SEEDS],
      iterations: s.iteration,
      selectedIteration: best.iteration,
      hyperparameters: { ...o.config, workloads: undefined, objective: undefined },
      validation: atBest ?? null,
      teacherValidation: s.teacherValidation,
    }),
  );
  writeAtomic(join(o.out, 'curve.json'), JSON.stringify(s.curve, null, 1) + '\n');
  writeAtomic(join(o.out, 'learning-curve.svg'), curveSvg(s.curve));
}

/** Two charts stacked in one SVG: validation reward and average JCT against iterations. */
export function curveSvg(curve: readonly CurvePoint[]): string {
  const reward = lineChart({
    title: 'Validation reward (minus mean time in system, s)',
    xLabel: 'iteration',
    yLabel: 'reward (s)',
    series: [{ name: 'reward', points: curve.map((p) => [p.iteration, p.reward] as const) }],
    yRange: [Math.min(...curve.map((p) => p.reward)) * 1.05, 0],
  });
  const jct = lineChart({
    title: 'Validation average JCT / teacher (job-SRPT) — below 1 is better',
    xLabel: 'iteration',
    yLabel: 'ratio',
    series: [
      { name: 'learned / teacher', points: curve.map((p) => [p.iteration, p.vsTeacher] as const) },
      { name: 'teacher = 1', points: curve.map((p) => [p.iteration, 1] as const) },
    ],
  });
  const strip = (svg: string): { body: string; w: number; h: number } => {
    const m = /<svg[^>]*width="(\d+)"[^>]*height="(\d+)"[^>]*>/.exec(svg);
    const w = m ? Number(m[1]) : 640;
    const h = m ? Number(m[2]) : 320;
    return { body: svg.replace(/^[\s\S]*?<svg[^>]*>/, '').replace(/<\/svg>\s*$/, ''), w, h };
  };
  const a = strip(reward);
  const b = strip(jct);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(a.w, b.w)}" height="${a.h + b.h}" font-family="sans-serif" font-size="11">\n<g>${a.body}</g>\n<g transform="translate(0,${a.h})">${b.body}</g>\n</svg>\n`;
}
