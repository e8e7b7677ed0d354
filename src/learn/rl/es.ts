/**
 * Evolution strategies (Salimans et al. 2017): the black-box RL fine-tuning stage of `kairos
 * train --algorithm es`. Policy gradient over sampled decisions stayed noise-bound at this CPU
 * budget (docs/learned-policy.md, "What was tried"); ES instead perturbs the parameters, runs the
 * *deterministic* (argmax) policy on whole episodes and moves along the fitness-weighted noise —
 * one scalar per episode, no credit assignment over thousands of decisions.
 *
 * Variance control: antithetic pairs (theta + sigma eps, theta - sigma eps); common random
 * numbers (every perturbation of an iteration runs the same experiments); fitness relative to
 * the teacher (srpt) on the same experiment, as ln(reward / teacher's reward), averaged over the
 * experiments; centred ranks (fitness shaping) so one outlier episode cannot dominate.
 * Every random choice derives from (seed, iteration): resumable and worker-count independent.
 */
import { SeededRng } from '../../core/clock.js';
import { mixSeed } from '../../sim/sim-job.js';
import { TRAIN_SEED_BASE } from './curriculum.js';
import { episodeReward } from './objective.js';
import type { Objective } from './model-file.js';
import type { RolloutRunner } from './rollout-pool.js';
import type { Episode, EpisodeRequest } from './rollout.js';
import type { Adam } from './scorer.js';

export interface EsSettings {
  /** Antithetic pairs per iteration (2 x pairs perturbed policies). */
  readonly pairs: number;
  /** Noise scale on the parameters. */
  readonly sigma: number;
  readonly lr: number;
}

export interface EsContext {
  readonly seed: number;
  readonly workloads: readonly string[];
  readonly objective: Objective;
  /** Builds a request for (workload, seed, params, mode). */
  readonly request: (workload: string, seed: number, params: Float64Array, mode: EpisodeRequest['mode']) => EpisodeRequest;
}

/** ln(reward / teacher's reward): < 0 is better than the teacher (rewards are negative). */
function fitness(ep: Episode, ref: Episode, o: Objective): number {
  const r = episodeReward(ep, o);
  const t = episodeReward(ref, o);
  return t < 0 && r < 0 ? Math.log(r / t) : r === t ? 0 : Math.log(Math.max(1e-9, -r) / Math.max(1e-9, -t));
}

/** Centred ranks in [-0.5, 0.5], lowest value (best) -> +0.5. */
function centredRanks(v: readonly number[]): number[] {
  const idx = v.map((_, i) => i).sort((a, b) => v[a]! - v[b]! || a - b);
  const out = new Array<number>(v.length);
  const n = v.length;
  idx.forEach((i, rank) => (out[i] = n > 1 ? 0.5 - rank / (n - 1) : 0));
  return out;
}

function gaussian(rng: SeededRng, n: number): Float64Array {
  const e = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rng.next(), 1e-12);
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * rng.next();
    e[i] = r * Math.cos(a);
    if (i + 1 < n) e[i + 1] = r * Math.sin(a);
  }
  return e;
}

/** One ES iteration: updates `params` in place through `adam`; returns a progress note. */
export async function esIteration(ctx: EsContext, es: EsSettings, runner: RolloutRunner, params: Float64Array, adam: Adam, it: number): Promise<string> {
  const exps = ctx.workloads.map((w, k) => ({ w, seed: TRAIN_SEED_BASE + (mixSeed(ctx.seed, it, 2000 + k) % 50_000) }));
  const rng = new SeededRng(mixSeed(ctx.seed, it, 13));
  const noise: Float64Array[] = [];
  for (let k = 0; k < es.pairs; k++) noise.push(gaussian(rng, params.length));
  const reqs: EpisodeRequest[] = exps.map((e) => ctx.request(e.w, e.seed, params, 'teacher'));
  for (const eps of noise) {
    for (const sign of [1, -1]) {
      const p = Float64Array.from(params, (v, j) => v + sign * es.sigma * eps[j]!);
      for (const e of exps) reqs.push(ctx.request(e.w, e.seed, p, 'argmax'));
    }
  }
  const eps = await runner.run(reqs);
  const E = exps.length;
  const refs = eps.slice(0, E);
  const fit: number[] = [];
  for (let m = 0; m < 2 * es.pairs; m++) {
    let f = 0;
    for (let e = 0; e < E; e++) f += fitness(eps[E + m * E + e]!, refs[e]!, ctx.objective) / E;
    fit.push(f);
  }
  const u = centredRanks(fit);
  const grad = new Float64Array(params.length);
  for (let k = 0; k < es.pairs; k++) {
    const w = -(u[2 * k]! - u[2 * k + 1]!) / (2 * es.pairs * es.sigma); // minimising: step against the utility gradient
    const eps = noise[k]!;
    for (let j = 0; j < grad.length; j++) grad[j] += w * eps[j]!;
  }
  adam.lr = es.lr;
  adam.step(params, grad);
  const mean = fit.reduce((a, b) => a + b, 0) / fit.length;
  const best = Math.min(...fit);
  return `evolution strategies: ${2 * es.pairs} perturbed policies x ${E} experiments, fitness vs teacher mean ${Math.exp(mean).toFixed(4)}x, best ${Math.exp(best).toFixed(4)}x`;
}
