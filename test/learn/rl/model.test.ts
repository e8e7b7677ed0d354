// The hand-written network: gradients match finite differences; a saved model scores identically
// after loading; incompatible files are refused with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRng } from '../../../src/core/clock.js';
import { FEATURE_COUNT, teacherPrior } from '../../../src/learn/rl/features.js';
import { Mlp } from '../../../src/learn/rl/mlp.js';
import { DEFAULT_OBJECTIVE } from '../../../src/learn/rl/objective.js';
import { loadModel, saveModel, toModelFile } from '../../../src/learn/rl/model-file.js';

function input(rows: number, cols: number, seed: number): Float64Array {
  const r = new SeededRng(seed);
  return Float64Array.from({ length: rows * cols }, () => r.next() * 4 - 2);
}

test('mlp: backward equals finite differences of sum(w_r x score_r)', () => {
  const m = new Mlp([5, 7, 3, 1]).init(new SeededRng(3));
  const rows = 6;
  const x = input(rows, 5, 4);
  const w = Float64Array.from({ length: rows }, (_, i) => i - 2.5);
  const loss = (): number => {
    const out = new Float64Array(rows);
    m.score(x, rows, out);
    return out.reduce((s, v, i) => s + v * w[i]!, 0);
  };
  m.zeroGrad();
  m.forwardTrain(x, rows);
  m.backward(w);
  for (let i = 0; i < m.params.length; i++) {
    const p = m.params[i]!;
    m.params[i] = p + 1e-6;
    const up = loss();
    m.params[i] = p - 1e-6;
    const down = loss();
    m.params[i] = p;
    const fd = (up - down) / 2e-6;
    assert.ok(Math.abs(fd - m.grads[i]!) < 1e-5 * Math.max(1, Math.abs(fd)), `param ${i}: ${fd} vs ${m.grads[i]}`);
  }
});

test('mlp: score and forwardTrain agree, for row counts around the 4-row blocking', () => {
  const m = new Mlp([FEATURE_COUNT, 16, 8, 1]).init(new SeededRng(5));
  for (const rows of [1, 3, 4, 5, 9]) {
    const x = input(rows, FEATURE_COUNT, rows);
    const out = new Float64Array(rows);
    m.score(x, rows, out);
    assert.deepEqual(Array.from(out), Array.from(m.forwardTrain(x, rows)));
  }
});

test('model file: save then load gives bit-identical scores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-model-'));
  const m = new Mlp([FEATURE_COUNT, 16, 8, 1]).init(new SeededRng(9));
  const path = join(dir, 'model.json');
  saveModel(path, toModelFile(m, DEFAULT_OBJECTIVE, { note: 'test' }));
  const { mlp, file } = loadModel(path);
  assert.equal(file.training['note'], 'test');
  const x = input(50, FEATURE_COUNT, 1);
  const a = new Float64Array(50);
  const b = new Float64Array(50);
  m.score(x, 50, a);
  mlp.score(x, 50, b);
  assert.deepEqual(Array.from(a), Array.from(b));
});

test('model file: a residual model keeps its prior through save and load (bit-identical scores)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-model-'));
  const m = new Mlp([FEATURE_COUNT, 16, 8, 1], undefined, teacherPrior()).init(new SeededRng(11));
  const path = join(dir, 'residual.json');
  saveModel(path, toModelFile(m, DEFAULT_OBJECTIVE, {}));
  const { mlp, file } = loadModel(path);
  assert.deepEqual(file.prior, teacherPrior());
  const x = input(9, FEATURE_COUNT, 2);
  const a = new Float64Array(9);
  const b = new Float64Array(9);
  m.score(x, 9, a);
  mlp.score(x, 9, b);
  assert.deepEqual(Array.from(a), Array.from(b));
  const free = new Mlp([FEATURE_COUNT, 16, 8, 1], m.params);
  const c = new Float64Array(9);
  free.score(x, 9, c);
  assert.notDeepEqual(Array.from(c), Array.from(a)); // the prior is part of the model, not ignored
});

test('model file: wrong features or format are refused, naming the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-model-'));
  const m = new Mlp([FEATURE_COUNT, 4, 1]).init(new SeededRng(1));
  const good = toModelFile(m, DEFAULT_OBJECTIVE, {});
  const cases: [string, unknown, RegExp][] = [
    ['features.json', { ...good, features: [...good.features].reverse() }, /features/],
    ['version.json', { ...good, version: 99 }, /version 99/],
    ['format.json', { ...good, format: 'other' }, /format/],
    ['params.json', { ...good, params: good.params.slice(1) }, /parameters/],
  ];
  for (const [name, body, re] of cases) {
    writeFileSync(join(dir, name), JSON.stringify(body));
    assert.throws(() => loadModel(join(dir, name)), (e: Error & { code?: string }) => e.code === 'PARAM_INVALID' && re.test(e.message));
  }
  assert.throws(() => loadModel(join(dir, 'missing.json')), /cannot be read/);
});
