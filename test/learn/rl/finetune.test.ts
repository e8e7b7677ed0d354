/**
 * Online fine-tuning (src/learn/rl/finetune.ts) on tiny recorded histories, deterministic with a
 * seed: a deliberately bad current model (longest remaining work first) fine-tuned on the older runs wins on the
 * held-out newest runs and is promoted (previous model backed up, metadata: parent, history
 * window, replay metrics); on a history where no order matters the candidate cannot win and is
 * refused; too little history is a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupPathOf, currentModel, finetune, paramsDigest, promoteModel } from '../../../src/learn/rl/finetune.js';
import { loadModel, saveModel, type ModelFile } from '../../../src/learn/rl/model-file.js';
import { antiSrptModel, contendedTrace, idleTrace, srptModel } from './learned-fixture.js';

test('finetune: a bad model fine-tuned on the older runs wins on the held-out newest runs; promotion keeps the previous model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-finetune-'));
  try {
    const path = join(dir, 'model.json');
    const bad = antiSrptModel();
    saveModel(path, bad.file);
    const current = currentModel(path);
    assert.equal(current.exists, true);
    const trace = contendedTrace(6); // 30 runs: 21 to train on, the newest 9 held out
    const r = await finetune({ trace, current, currentPath: path, iterations: 3, imitation: 2, seed: 7 });
    assert.deepEqual(r.split, { trainRuns: 21, heldOutRuns: 9, episodes: 1 });
    assert.equal(r.promote, true, r.reason);
    assert.ok(r.heldOut.candidate.avgJctMs < r.heldOut.current.avgJctMs, r.reason);
    assert.match(r.reason, /^held-out replay of the newest 9 runs: candidate avg JCT .* vs current .* \(-\d+\.\d%\): promoted$/);
    // Deterministic for a seed.
    const again = await finetune({ trace, current: currentModel(path), currentPath: path, iterations: 3, imitation: 2, seed: 7 });
    assert.deepEqual(again.candidate.params, r.candidate.params);

    const written = promoteModel(path, current.file, r.candidate);
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as ModelFile;
    assert.deepEqual(onDisk.params, r.candidate.params);
    assert.equal(loadModel(path).file.params[0], r.candidate.params[0], 'the load cache was dropped');
    const t = onDisk.training as Record<string, any>;
    assert.equal(t['previous'], backupPathOf(path));
    assert.equal(written.training['previous'], join(dir, 'model.prev.json'));
    assert.deepEqual(t['parent'], { path, params: paramsDigest(bad.file), command: 'hand-set: longest remaining work first' });
    assert.equal(t['history'].runs, 30);
    assert.equal(t['history'].trainRuns, 21);
    assert.equal(t['history'].heldOutRuns, 9);
    assert.equal(t['history'].fromMs, trace.runs[0]!.arrivalAt);
    assert.equal(t['history'].heldOutFromMs, trace.runs[21]!.arrivalAt);
    assert.equal(t['replay'].heldOut.candidate.avgJctMs, r.heldOut.candidate.avgJctMs);
    assert.equal(t['replay'].promoted, true);
    assert.equal(t['seed'], 7);
    // The backup is the previous model, with its own metadata.
    const prev = JSON.parse(readFileSync(backupPathOf(path), 'utf8')) as ModelFile;
    assert.deepEqual(prev.params, bad.file.params);
    assert.equal(prev.training['command'], 'hand-set: longest remaining work first');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('finetune: no better on held-out replay -> refused with the numbers; too little history is an error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-finetune-'));
  const base = join(dir, 'base.json');
  saveModel(base, srptModel().file);
  const current = currentModel(join(dir, 'model.json'), base); // not there yet: starts from base
  assert.equal(current.exists, false);
  assert.equal(current.path, base);
  const r = await finetune({ trace: idleTrace(12), current, currentPath: current.path, iterations: 2, seed: 1 });
  assert.equal(r.promote, false);
  assert.equal(r.heldOut.candidate.avgJctMs, r.heldOut.current.avgJctMs, 'runs that never wait: every order is the same');
  assert.match(r.reason, /held-out replay of the newest 4 runs: candidate avg JCT 8\.00 s vs current 8\.00 s \(-0\.0%\): not better: not promoted/);
  // A margin the candidate cannot meet: refused even though it is better.
  const bad = antiSrptModel();
  const m = await finetune({ trace: contendedTrace(6), current: bad, currentPath: 'bad', iterations: 3, imitation: 2, seed: 7, minGain: 0.99 });
  assert.equal(m.promote, false);
  assert.match(m.reason, /not better by the 99% margin: not promoted/);
  await assert.rejects(finetune({ trace: idleTrace(3), current, currentPath: current.path }), /3 finished runs in the history window; fine-tuning needs at least 10/);
  rmSync(dir, { recursive: true, force: true });
});
