/**
 * Online fine-tuning of the learned policy (issue 4, "Live"): the recorded live history (a
 * HistoryTrace, read from the store by src/engine/history-trace.ts) becomes simulator episodes,
 * the current model is trained further on them with the ordinary trainer (trainer.ts `train`,
 * starting from the current parameters, a few iterations, seeded), and the candidate is compared
 * with the current model on a replay of HELD-OUT history (src/learn/whatif.ts `replay`).
 *
 * Split: chronological. The oldest (1 - holdout) of the runs are the training episodes (chunks
 * of `episodeRuns` consecutive runs, arrivals as recorded); the newest `holdout` are only ever
 * replayed to judge — the trainer never sees them, neither to train nor to select its iteration
 * (its validation episodes are the training chunks). Judging on the newest runs also asks the
 * question that matters live: does the candidate do better on what comes next?
 *
 * Win rule: the candidate's replayed average JCT is below the current model's by more than
 * `minGain` (relative; default 0 = strictly lower), and, when the model's objective penalises
 * deadline misses, it misses no more deadlines. Anything else is a refusal with the numbers.
 * Promotion (`promoteModel`) keeps the previous model file as `<name>.prev.json` and then
 * replaces the model atomically (model-file.ts `saveModel`: temp file + rename).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KairosError } from '../../core/errors.js';
import { historyWorkload } from '../../sim/workloads/live-history.js';
import { withRuntimeSpread } from '../../sim/workloads/trace-runtime-spread.js';
import { replay, type HistoryTrace, type PredictedMetrics } from '../whatif.js';
import { registerCurriculumEntries, type CurriculumEntry } from './curriculum.js';
import { Mlp } from './mlp.js';
import { DEFAULT_MODEL_PATH, loadModel, saveModel, toModelFile, type ModelFile } from './model-file.js';
import { inlineRunner } from './rollout-pool.js';
import { DEFAULT_TRAIN, train, type TrainConfig, type TrainState } from './trainer.js';

export interface FinetuneOptions {
  readonly trace: HistoryTrace;
  /** The model serving now, and where it came from (recorded as the parent). */
  readonly current: { readonly mlp: Mlp; readonly file: ModelFile };
  readonly currentPath: string;
  /** Training iterations (default 4), of which the first `imitation` clone the teacher (default 0). */
  readonly iterations?: number;
  readonly imitation?: number;
  readonly seed?: number;
  /** Fraction of the newest runs held out for judging. Default 0.3. */
  readonly holdout?: number;
  /** Runs per training episode. Default 50. */
  readonly episodeRuns?: number;
  /** Relative avg-JCT gain the candidate needs on the held-out replay. Default 0. */
  readonly minGain?: number;
  /** Fewest finished runs to fine-tune on at all. Default 10. */
  readonly minRuns?: number;
  readonly command?: string;
  readonly onProgress?: (line: string) => void;
}

export interface ReplaySummary {
  readonly runs: number;
  readonly avgJctMs: number;
  readonly p95JctMs: number;
  readonly deadlineRuns: number;
  readonly deadlineMisses: number;
}

export interface FinetuneResult {
  readonly promote: boolean;
  readonly reason: string;
  /** The candidate model file, with its fine-tuning metadata (written only on promotion). */
  readonly candidate: ModelFile;
  readonly heldOut: { readonly current: ReplaySummary; readonly candidate: ReplaySummary };
  readonly split: { readonly trainRuns: number; readonly heldOutRuns: number; readonly episodes: number };
}

let registrations = 0;

function summary(m: PredictedMetrics): ReplaySummary {
  return { runs: m.runs, avgJctMs: m.avgJctMs, p95JctMs: m.p95JctMs, deadlineRuns: m.deadlineRuns, deadlineMisses: m.deadlineMisses };
}

/** A digest of the parameters: names the parent model in the candidate's metadata. */
export function paramsDigest(file: ModelFile): string {
  return createHash('sha256').update(JSON.stringify([file.layers, file.params])).digest('hex').slice(0, 16);
}

function sub(trace: HistoryTrace, runs: HistoryTrace['runs']): HistoryTrace {
  return { ...trace, runs, fromMs: runs[0]!.arrivalAt, toMs: runs[runs.length - 1]!.arrivalAt + 1 };
}

function replayModel(trace: HistoryTrace, mlp: Mlp, seed: number): PredictedMetrics {
  // The bare policy (no guard): a candidate whose scores go non-finite throws, and is refused.
  return replay(trace, { policy: 'learned', settings: { model: mlp, guard: false } }, seed);
}

export async function finetune(o: FinetuneOptions): Promise<FinetuneResult> {
  const iterations = o.iterations ?? 4;
  const imitation = o.imitation ?? 0;
  const seed = o.seed ?? 1;
  const holdout = o.holdout ?? 0.3;
  const episodeRuns = o.episodeRuns ?? 50;
  const minGain = o.minGain ?? 0;
  const minRuns = o.minRuns ?? 10;
  if (!(holdout > 0 && holdout < 1)) throw new KairosError('PARAM_INVALID', `holdout must be in (0, 1) (got ${holdout})`, { field: 'holdout' });
  if (!(Number.isInteger(episodeRuns) && episodeRuns >= 1)) throw new KairosError('PARAM_INVALID', `episodeRuns must be an integer >= 1 (got ${episodeRuns})`, { field: 'episodeRuns' });
  // The window's runtime spread per signature (estimate_cv), before the trace is split into
  // episodes: each chunk sees the window's, as it sees the window's mean estimate.
  const trace = withRuntimeSpread(o.trace);
  const runs = trace.runs;
  if (runs.length < Math.max(2, minRuns)) {
    throw new KairosError('LIMIT_EXCEEDED', `${runs.length} finished runs in the history window; fine-tuning needs at least ${Math.max(2, minRuns)} (run more workflows under the engine, or widen the window)`, { field: 'since' });
  }
  const nHeld = Math.max(1, Math.round(runs.length * holdout));
  const trainRuns = runs.slice(0, runs.length - nHeld);
  const heldRuns = runs.slice(runs.length - nHeld);
  const heldOut = sub(trace, heldRuns);

  // Training episodes: consecutive chunks of the older runs, registered for this thread only.
  const id = ++registrations;
  const entries: CurriculumEntry[] = [];
  for (let k = 0; k * episodeRuns < trainRuns.length; k++) {
    const chunk = sub(trace, trainRuns.slice(k * episodeRuns, (k + 1) * episodeRuns));
    const name = `live-history#${id}/${k}`;
    entries.push({ name, description: `recorded live history, ${chunk.runs.length} runs`, experiment: () => ({ workload: historyWorkload(chunk, name), arrivals: 'trace' }) });
  }
  const names = entries.map((e) => e.name);
  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN,
    layers: o.current.mlp.layers,
    objective: o.current.file.objective,
    workloads: names,
    validation: names,
    iterations,
    imitationIterations: imitation,
    seed,
    validateEvery: 1,
    // a residual model (its prior, mlp.ts) is fine-tuned as one: the prior stays, only the network moves
    ...(o.current.mlp.prior !== null ? { residual: true } : {}),
  };
  const start: TrainState = { iteration: 0, params: Array.from(o.current.mlp.params), adam: null, curve: [], best: null, teacherValidation: [] };
  const unregister = registerCurriculumEntries(entries);
  let state: TrainState;
  try {
    state = await train(cfg, inlineRunner, start, o.onProgress ? { onProgress: (line) => o.onProgress!(line) } : {});
  } finally {
    unregister();
  }
  const chosen = state.best ?? { iteration: state.iteration, vsTeacher: Number.NaN, params: state.params };
  const candidateMlp = new Mlp(cfg.layers, chosen.params, o.current.mlp.prior);

  const cur = summary(replayModel(heldOut, o.current.mlp, seed));
  let cand: ReplaySummary;
  let candError: string | null = null;
  try {
    cand = summary(replayModel(heldOut, candidateMlp, seed));
  } catch (e) {
    candError = (e as Error).message;
    cand = { runs: heldOut.runs.length, avgJctMs: Number.NaN, p95JctMs: Number.NaN, deadlineRuns: 0, deadlineMisses: 0 };
  }
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const gain = cur.avgJctMs > 0 ? 1 - cand.avgJctMs / cur.avgJctMs : Number.NaN;
  const vs = `held-out replay of the newest ${heldRuns.length} runs: candidate avg JCT ${s(cand.avgJctMs)} vs current ${s(cur.avgJctMs)} (${Number.isFinite(gain) ? `${gain >= 0 ? '-' : '+'}${Math.abs(gain * 100).toFixed(1)}%` : 'n/a'})`;
  const deadlines = o.current.file.objective.deadlineMissPenaltySec > 0 && cur.deadlineRuns > 0;
  let promote = false;
  let reason: string;
  if (candError !== null) reason = `the candidate failed on the held-out replay (${candError}): not promoted`;
  else if (!(cand.avgJctMs < cur.avgJctMs * (1 - minGain))) reason = `${vs}: not better${minGain > 0 ? ` by the ${+(minGain * 100).toFixed(1)}% margin` : ''}: not promoted`;
  else if (deadlines && cand.deadlineMisses > cur.deadlineMisses) reason = `${vs}, but deadline misses ${cand.deadlineMisses} > ${cur.deadlineMisses}: not promoted`;
  else {
    promote = true;
    reason = `${vs}${deadlines ? `, deadline misses ${cand.deadlineMisses} vs ${cur.deadlineMisses}` : ''}: promoted`;
  }

  const atBest = state.curve.find((p) => p.iteration === chosen.iteration) ?? null;
  const candidate = toModelFile(candidateMlp, cfg.objective, {
    command: o.command ?? 'kairos finetune',
    algorithm: `fine-tuning on recorded live history (${imitation} imitation + ${iterations - imitation} policy-gradient iterations) from the parent model`,
    parent: { path: o.currentPath, params: paramsDigest(o.current.file), command: o.current.file.training['command'] ?? null },
    history: {
      fromMs: runs[0]!.arrivalAt,
      toMs: runs[runs.length - 1]!.arrivalAt,
      runs: runs.length,
      trainRuns: trainRuns.length,
      trainFromMs: trainRuns[0]?.arrivalAt ?? null,
      heldOutRuns: heldRuns.length,
      heldOutFromMs: heldRuns[0]!.arrivalAt,
      episodeRuns,
      skipped: o.trace.skipped,
    },
    seed,
    iterations: state.iteration,
    selectedIteration: chosen.iteration,
    hyperparameters: { ...cfg, workloads: undefined, validation: undefined, objective: undefined },
    validation: atBest,
    replay: { heldOut: { current: cur, candidate: cand }, minGain, promoted: promote },
    finetunedAt: new Date().toISOString(),
  });
  return { promote, reason, candidate, heldOut: { current: cur, candidate: cand }, split: { trainRuns: trainRuns.length, heldOutRuns: heldRuns.length, episodes: entries.length } };
}

/** Where promotion keeps the previous model: `model.json` -> `model.prev.json`. */
export function backupPathOf(path: string): string {
  return path.endsWith('.json') ? `${path.slice(0, -5)}.prev.json` : `${path}.prev`;
}

/**
 * Writes the promoted model: the previous one (with its own metadata) to backupPathOf(path)
 * first, then the candidate, each atomically. The candidate's metadata records the backup path.
 */
export function promoteModel(path: string, previous: ModelFile | null, candidate: ModelFile): ModelFile {
  let written = candidate;
  if (previous !== null) {
    const backup = backupPathOf(path);
    saveModel(backup, previous);
    written = { ...candidate, training: { ...candidate.training, previous: backup } };
  } else if (existsSync(path)) {
    throw new KairosError('PARAM_INVALID', `${path} exists but no previous model was given to back up`, { field: 'model' });
  }
  saveModel(path, written);
  return written;
}

/** Where fine-tuned models live by default: `<state>/learned/model.json` (the shipped one is never overwritten). */
export function learnedModelPath(stateDir: string): string {
  return join(stateDir, 'learned', 'model.json');
}

/** The model to fine-tune: `path` when it exists, else `base` (default: the shipped model). */
export function currentModel(path: string, base: string = DEFAULT_MODEL_PATH): { mlp: Mlp; file: ModelFile; path: string; exists: boolean } {
  const exists = existsSync(path);
  const from = exists ? path : base;
  const m = loadModel(from);
  // A private copy: training must not move the parameters of the cached (maybe serving) model.
  return { mlp: new Mlp(m.mlp.layers, m.mlp.params, m.mlp.prior), file: m.file, path: from, exists };
}
