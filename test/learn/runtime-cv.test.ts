/**
 * Runtime uncertainty for the learned policy's estimate_cv feature (RuntimePredictor.cv): decayed
 * stdev / mean at the level `predict` answers from, on small hand-built histories. With decay off
 * every observation weighs the same, so it must equal the simulator's definition (population
 * stdev / mean of the measured durations, WaveSampler.cv in src/sim/workloads/tpch.ts) exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimePredictor } from '../../src/learn/runtime-predictor.js';

const NO_DECAY = { halfLifeObservations: Infinity, halfLifeMs: Infinity } as const;

function populationCv(xs: readonly number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length;
  return Math.sqrt(v) / m;
}

test('cv: stdev / mean of the signature\'s runtimes, as the simulator defines it', () => {
  const p = new RuntimePredictor(NO_DECAY);
  assert.equal(p.cv('etl/load/extract'), null, 'nothing observed');
  p.observe('etl/load/extract', 100, 0);
  assert.equal(p.cv('etl/load/extract'), 0, 'one observation: no spread');
  const xs = [100, 200, 300, 250, 150];
  for (const x of xs.slice(1)) p.observe('etl/load/extract', x, 1);
  const cv = p.cv('etl/load/extract')!;
  assert.ok(Math.abs(cv - populationCv(xs)) < 1e-12, `${cv} vs ${populationCv(xs)}`);
  assert.ok(Math.abs(cv - Math.sqrt(5000) / 200) < 1e-12); // mean 200, population variance 5,000
  // Equal runtimes: cv 0 (exact, as the simulator's exact estimates).
  const q = new RuntimePredictor(NO_DECAY);
  for (let i = 0; i < 5; i++) q.observe('a/b/c', 42, i);
  assert.equal(q.cv('a/b/c'), 0);
});

test('cv: an unseen signature gets its prefix\'s (then the global) spread, like predict; zero mean gives null', () => {
  const p = new RuntimePredictor(NO_DECAY);
  for (const x of [10, 30, 10, 30]) p.observe('ns/wf/a', x, 0);
  // ns/wf/ and ns/ have 4 >= minPrefixCount (3) observations: an unseen task of the workflow uses them.
  assert.equal(p.predict('ns/wf/new')!.source, 'prefix');
  assert.ok(Math.abs(p.cv('ns/wf/new')! - 0.5) < 1e-12); // mean 20, stdev 10
  p.observe('other/x/y', 1000, 1);
  // other/ has 1 < 3 observations: global (10, 30, 10, 30, 1000) answers, as it does for predict.
  assert.equal(p.predict('other/x/z')!.source, 'global');
  assert.ok(Math.abs(p.cv('other/x/z')! - populationCv([10, 30, 10, 30, 1000])) < 1e-12);
  assert.equal(p.cv(''), null, 'an invalid signature, as predict');
  const z = new RuntimePredictor(NO_DECAY);
  z.observe('a/b/c', 0, 0);
  assert.equal(z.cv('a/b/c'), null, 'mean 0: undefined ratio');
});

test('cv: decay follows a shifted spread; the snapshot keeps it', () => {
  const p = new RuntimePredictor({ halfLifeObservations: 5, halfLifeMs: Infinity });
  for (let i = 0; i < 60; i++) p.observe('a/b/c', i % 2 === 0 ? 50 : 150, i); // cv 0.5
  const before = p.cv('a/b/c')!;
  assert.ok(Math.abs(before - 0.5) < 0.05, String(before));
  for (let i = 0; i < 60; i++) p.observe('a/b/c', 100, 60 + i); // now steady
  const after = p.cv('a/b/c')!;
  assert.ok(after < 0.01, `old spread forgotten: ${after}`);
  const back = RuntimePredictor.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
  assert.equal(back.cv('a/b/c'), after);
});
