/**
 * Training of the learned policy (issue 4): behaviour cloning of the teacher heuristic
 * (teacher.ts) with DAgger-style aggregation (later iterations roll out the student and label
 * its states with the teacher's choice), then REINFORCE with Decima's input-dependent baseline
 * (objective.ts) on rollouts in the simulator, run in parallel worker threads.
 *
 * Every random choice derives from (seed, iteration): a run resumed from its checkpoint continues
 * exactly as if it had never stopped, and the number of workers never changes the result.
 * Model selection: the model kept is the one with the best validation score (mean ratio of its
 * average JCT to the teacher's on VALIDATION_SEEDS); the evaluation seeds are never looked at.
 */
import { SeededRng } from '../../core/clock.js';
import { mixSeed } from '../../sim/sim-job.js';
import { TRAIN_SEED_BASE, VALIDATION_SEEDS, curriculum } from './curriculum.js';
import { esIteration, type EsSettings } from './es.js';
import { FEATURE_COUNT, teacherPrior } from './features.js';
import { accumulate, type LossResult } from './gradients.js';
import { Mlp } from './mlp.js';
import type { Objective } from './model-file.js';
import { DEFAULT_OBJECTIVE, episodeReward, groupAdvantages } from './objective.js';
import type { RolloutRunner } from './rollout-pool.js';
import type { EpisodeRequest } from './rollout.js';
import { Adam } from './scorer.js';

export interface TrainConfig {
  readonly workloads: readonly string[];
  /** Validation workloads (default: the training ones). */
  readonly validation?: readonly string[];
  readonly iterations: number;
  /** The first `imitationIterations` iterations clone the teacher; the rest are policy gradient. */
  readonly imitationIterations: number;
  readonly seed: number;
  readonly layers: readonly number[];
  readonly imitationLr: number;
  readonly imitationEpochs: number;
  readonly pgLr: number;
  /** Rollouts per experiment (the baseline's group) and experiments per PG iteration. */
  readonly rollouts: number;
  readonly experimentsPerIteration: number;
  readonly entropy: number;
  readonly temperature: number;
  readonly validateEvery: number;
  readonly objective: Objective;
  /**
   * Residual form (mlp.ts): score = srpt prior + network, output layer starting at zero, so the
   * untrained model is srpt and no imitation is needed. Absent/false: a free network.
   */
  readonly residual?: boolean;
  /** What the iterations after imitation run: policy gradient (default) or evolution strategies (es.ts). */
  readonly algorithm?: 'pg' | 'es';
  readonly es?: EsSettings;
}

export const DEFAULT_ES: EsSettings = { pairs: 8, sigma: 0.05, lr: 0.02 };

/** The prior of a config's models (null for a free network). */
export function priorOf(cfg: Pick<TrainConfig, 'residual'>): number[] | null {
  return cfg.residual === true ? teacherPrior() : null;
}

export const DEFAULT_TRAIN: Omit<TrainConfig, 'workloads' | 'iterations' | 'seed'> = {
  imitationIterations: 4,
  layers: [FEATURE_COUNT, 16, 8, 1],
  imitationLr: 3e-3,
  imitationEpochs: 4,
  pgLr: 3e-3,
  rollouts: 4,
  experimentsPerIteration: 2,
  entropy: 1e-3,
  temperature: 2,
  validateEvery: 2,
  objective: DEFAULT_OBJECTIVE,
};

export interface CurvePoint {
  readonly iteration: number;
  readonly phase: 'init' | 'imitation' | 'pg' | 'es';
  /** Mean over validation episodes of the episode reward (-average time in system, s). */
  readonly reward: number;
  readonly avgJctSec: number;
  /** Mean of avg JCT / teacher's avg JCT over validation episodes (< 1: better than the teacher). */
  readonly vsTeacher: number;
  readonly imitationAgreement?: number;
}

export interface TrainState {
  iteration: number;
  params: number[];
  adam: ReturnType<Adam['toJSON']> | null;
  curve: CurvePoint[];
  best: { iteration: number; vsTeacher: number; params: number[] } | null;
  teacherValidation: { workload: string; seed: number; avgJctMs: number; reward: number }[];
}

export interface TrainHooks {
  readonly onProgress?: (line: string, iteration: number) => void;
  /** After each iteration (checkpoint point). */
  readonly onIteration?: (s: TrainState) => void;
}

function req(cfg: TrainConfig, workload: string, seed: number, params: Float64Array, mode: EpisodeRequest['mode'], rolloutSeed: number, record: boolean): EpisodeRequest {
  return { workload, seed, layers: cfg.layers, params, prior: priorOf(cfg), mode, rolloutSeed, record, temperature: cfg.temperature, maxDecisions: 20_000 };
}

export function initialState(cfg: TrainConfig): TrainState {
  const m = new Mlp(cfg.layers, undefined, priorOf(cfg)).init(new SeededRng(cfg.seed));
  if (cfg.residual === true) m.zeroOutput();
  return { iteration: 0, params: Array.from(m.params), adam: null, curve: [], best: null, teacherValidation: [] };
}

async function validate(cfg: TrainConfig, runner: RolloutRunner, s: TrainState, params: Float64Array): Promise<Omit<CurvePoint, 'iteration' | 'phase'>> {
  const names = cfg.validation ?? cfg.workloads;
  const pairs = names.flatMap((w) => VALIDATION_SEEDS.map((seed) => ({ w, seed })));
  if (s.teacherValidation.length === 0) {
    const eps = await runner.run(pairs.map((p) => req(cfg, p.w, p.seed, params, 'teacher', 1, false)));
    s.teacherValidation = eps.map((e) => ({ workload: e.workload, seed: e.seed, avgJctMs: e.avgJctMs, reward: episodeReward(e, cfg.objective) }));
  }
  const eps = await runner.run(pairs.map((p) => req(cfg, p.w, p.seed, params, 'argmax', 1, false)));
  let reward = 0;
  let jct = 0;
  let ratio = 0;
  eps.forEach((e, i) => {
    reward += episodeReward(e, cfg.objective) / eps.length;
    jct += e.avgJctMs / 1000 / eps.length;
    ratio += e.avgJctMs / Math.max(1e-9, s.teacherValidation[i]!.avgJctMs) / eps.length;
  });
  return { reward, avgJctSec: jct, vsTeacher: ratio };
}

/** Runs (or resumes) training until cfg.iterations; returns the final state. */
export async function train(cfg: TrainConfig, runner: RolloutRunner, state: TrainState = initialState(cfg), hooks: TrainHooks = {}): Promise<TrainState> {
  const s = state;
  const model = new Mlp(cfg.layers, s.params, priorOf(cfg));
  const adam = new Adam(model.params.length, cfg.imitationLr);
  if (s.adam) adam.restore(s.adam);
  const names = cfg.workloads;
  curriculum(names); // validates names up front
  const log = (line: string): void => hooks.onProgress?.(line, s.iteration);
  if (s.curve.length === 0) {
    const v = await validate(cfg, runner, s, model.params);
    s.curve.push({ iteration: 0, phase: 'init', ...v });
    log(`init: validation avg JCT ${v.avgJctSec.toFixed(1)} s, ${v.vsTeacher.toFixed(3)}x teacher`);
  }
  while (s.iteration < cfg.iterations) {
    const it = s.iteration + 1;
    const imitation = it <= cfg.imitationIterations;
    let note: string;
    let agreement: number | undefined;
    if (imitation) {
      // The teacher's own states, plus (after the first iteration) the student's states labelled
      // by the teacher (DAgger). Rebuilt every iteration from (seed, iteration) only, so a resumed
      // run needs no replay buffer in its checkpoint.
      const seedOf = (k: number): number => TRAIN_SEED_BASE + (mixSeed(cfg.seed, it, k) % 50_000);
      const reqs = names.map((w, k) => req(cfg, w, seedOf(k), model.params, 'teacher', 1, true));
      if (it > 1) reqs.push(...names.map((w, k) => req(cfg, w, seedOf(k + names.length), model.params, 'argmax', 1, true)));
      const buffer = await runner.run(reqs);
      adam.lr = cfg.imitationLr;
      const rng = new SeededRng(mixSeed(cfg.seed, it, 7));
      const acc: LossResult = { loss: 0, agree: 0, decisions: 0 };
      for (let epoch = 0; epoch < cfg.imitationEpochs; epoch++) {
        acc.loss = 0;
        acc.agree = 0;
        acc.decisions = 0;
        for (const ep of shuffled(buffer, rng)) {
          for (const batch of minibatches(ep.decisions, 256, rng)) {
            model.zeroGrad();
            accumulate(model, ep, { kind: 'imitation', scale: 1 / batch.length, only: batch }, acc);
            adam.step(model.params, model.grads);
          }
        }
      }
      agreement = acc.agree / Math.max(1, acc.decisions);
      note = `imitation: loss ${(acc.loss / Math.max(1, acc.decisions)).toFixed(3)}, agrees with teacher on ${(100 * agreement).toFixed(1)}% of ${acc.decisions} decisions`;
    } else if (cfg.algorithm === 'es') {
      const ctx = { seed: cfg.seed, workloads: names, objective: cfg.objective, request: (w: string, seed: number, p: Float64Array, mode: EpisodeRequest['mode']) => req(cfg, w, seed, p, mode, 1, false) };
      note = await esIteration(ctx, cfg.es ?? DEFAULT_ES, runner, model.params, adam, it);
    } else {
      const reqs: EpisodeRequest[] = [];
      for (let e = 0; e < cfg.experimentsPerIteration; e++) {
        const w = names[(it * cfg.experimentsPerIteration + e) % names.length]!;
        const seed = TRAIN_SEED_BASE + (mixSeed(cfg.seed, it, e) % 50_000);
        for (let r = 0; r < cfg.rollouts; r++) reqs.push(req(cfg, w, seed, model.params, 'sample', mixSeed(cfg.seed, it, 1000 + e * 64 + r), true));
      }
      const eps = await runner.run(reqs);
      const advs: Float64Array[] = [];
      for (let e = 0; e < cfg.experimentsPerIteration; e++) advs.push(...groupAdvantages(eps.slice(e * cfg.rollouts, (e + 1) * cfg.rollouts), cfg.objective));
      let n = 0;
      let sq = 0;
      for (const a of advs) for (let k = 0; k < a.length; k++) (sq += a[k]! * a[k]!), n++;
      const std = Math.sqrt(sq / Math.max(1, n)) || 1;
      model.zeroGrad();
      const acc: LossResult = { loss: 0, agree: 0, decisions: 0 };
      eps.forEach((ep, i) => {
        const a = advs[i]!.map((v) => v / std);
        accumulate(model, ep, { kind: 'pg', advantages: a, entropy: cfg.entropy, temperature: cfg.temperature, scale: 1 / Math.max(1, n) }, acc);
      });
      adam.lr = cfg.pgLr;
      adam.step(model.params, model.grads);
      const jct = eps.reduce((x, e) => x + e.avgJctMs, 0) / eps.length / 1000;
      note = `policy gradient: ${eps.length} rollouts, ${n} decisions, mean rollout avg JCT ${jct.toFixed(1)} s`;
    }
    s.iteration = it;
    s.params = Array.from(model.params);
    s.adam = adam.toJSON();
    if (it % cfg.validateEvery === 0 || it === cfg.iterations || it === cfg.imitationIterations) {
      const v = await validate(cfg, runner, s, model.params);
      s.curve.push({ iteration: it, phase: imitation ? 'imitation' : cfg.algorithm === 'es' ? 'es' : 'pg', ...v, ...(agreement !== undefined ? { imitationAgreement: agreement } : {}) });
      if (s.best === null || v.vsTeacher < s.best.vsTeacher) s.best = { iteration: it, vsTeacher: v.vsTeacher, params: s.params };
      note += ` | validation avg JCT ${v.avgJctSec.toFixed(1)} s, ${v.vsTeacher.toFixed(3)}x teacher`;
    }
    log(`iteration ${it}/${cfg.iterations} ${note}`);
    hooks.onIteration?.(s);
  }
  return s;
}

function shuffled<T>(xs: readonly T[], rng: SeededRng): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function minibatches(n: number, size: number, rng: SeededRng): Int32Array[] {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  const out: Int32Array[] = [];
  for (let i = 0; i < n; i += size) out.push(idx.slice(i, i + size));
  return out;
}
