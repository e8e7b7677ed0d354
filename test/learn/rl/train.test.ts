// A few training iterations on a tiny workload with a fixed seed improve the validation reward,
// identically on every run; resuming from a checkpoint state continues the same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_COUNT } from '../../../src/learn/rl/features.js';
import { inlineRunner } from '../../../src/learn/rl/rollout-pool.js';
import { DEFAULT_TRAIN, train, type TrainConfig, type TrainState } from '../../../src/learn/rl/trainer.js';

const cfg: TrainConfig = {
  ...DEFAULT_TRAIN,
  workloads: ['tpch-tiny'],
  iterations: 3,
  imitationIterations: 2,
  seed: 7,
  layers: [FEATURE_COUNT, 8, 4, 1],
  imitationEpochs: 2,
  rollouts: 2,
  experimentsPerIteration: 1,
  validateEvery: 1,
};

test('train: imitation then policy gradient improve the validation reward, deterministically', async () => {
  const a = await train(cfg, inlineRunner);
  const b = await train(cfg, inlineRunner);
  assert.deepEqual(a.curve, b.curve);
  assert.deepEqual(a.params, b.params);
  const first = a.curve[0]!;
  const best = a.curve.reduce((x, p) => (p.reward > x.reward ? p : x));
  assert.ok(best.reward > first.reward, `reward ${first.reward} -> best ${best.reward}`);
  assert.equal(a.curve.at(-1)!.phase, 'pg');
});

test('train: a run resumed from an intermediate state ends where the uninterrupted run ends', async () => {
  const full = await train(cfg, inlineRunner);
  let saved: TrainState | null = null;
  await train({ ...cfg, iterations: 1 }, inlineRunner, undefined, { onIteration: (s) => (saved = structuredClone(s)) });
  const resumed = await train(cfg, inlineRunner, saved!);
  assert.deepEqual(resumed.params, full.params);
  assert.deepEqual(resumed.curve, full.curve);
});

test('training run on disk: checkpoint, resume for more iterations, refusal of other settings', async () => {
  const { mkdtempSync, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { runTraining } = await import('../../../src/learn/rl/training-run.js');
  const { loadModel } = await import('../../../src/learn/rl/model-file.js');
  const out = mkdtempSync(join(tmpdir(), 'kairos-train-'));
  const one = { ...cfg, iterations: 1 };
  const a = await runTraining({ config: one, out, runner: inlineRunner, command: 'test' });
  assert.equal(a.resumedFrom, 0);
  for (const f of ['checkpoint.json', 'model.json', 'curve.json', 'learning-curve.svg']) assert.ok(existsSync(join(out, f)), f);
  assert.equal(loadModel(join(out, 'model.json')).file.training['command'], 'test');
  const b = await runTraining({ config: { ...cfg, iterations: 2 }, out, runner: inlineRunner, command: 'test' });
  assert.equal(b.resumedFrom, 1);
  assert.equal(b.state.iteration, 2);
  await assert.rejects(runTraining({ config: { ...cfg, seed: 8 }, out, runner: inlineRunner, command: 'test' }), /other settings/);
});

test('train: residual model + evolution strategies starts at the teacher and is deterministic', async () => {
  const es: TrainConfig = { ...cfg, imitationIterations: 0, iterations: 2, residual: true, algorithm: 'es', es: { pairs: 2, sigma: 0.02, lr: 0.01 } };
  const a = await train(es, inlineRunner);
  const b = await train(es, inlineRunner);
  assert.deepEqual(a.params, b.params);
  assert.deepEqual(a.curve, b.curve);
  // the untrained residual model is the teacher's prior: the teacher's schedules up to near-ties
  // (the linear prior and the teacher's lexicographic order differ only there)
  assert.ok(Math.abs(a.curve[0]!.vsTeacher - 1) < 1e-3, `${a.curve[0]!.vsTeacher}`);
  assert.equal(a.curve.at(-1)!.phase, 'es');
  assert.notDeepEqual(a.params, (await train({ ...es, iterations: 0 }, inlineRunner)).params); // ES moved the parameters
});
