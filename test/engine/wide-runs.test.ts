/**
 * Runs wider than the signature memory (more distinct tasks than the runtime predictor's
 * `maxSignatures`) learn and are answered at the workflow and global levels only: their
 * signatures would evict one another before the next run could use them, and flush every other
 * workflow's on the way (runtime-estimates.ts, keepsSignatures).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FnHandler } from '../../src/exec/types.js';
import { RuntimePredictor } from '../../src/learn/runtime-predictor.js';
import { RuntimeEstimates } from '../../src/engine/runtime-estimates.js';
import { spec, testEngine } from './helpers.js';

test('RuntimeEstimates: a run keeps signatures up to maxSignatures distinct tasks', () => {
  const e = new RuntimeEstimates(null);
  const max = e.predictor.options.maxSignatures;
  assert.equal(e.keepsSignatures(max), true);
  assert.equal(e.keepsSignatures(max + 1), false);
});

test('RuntimePredictor shared level: observeShared makes no estimator and leaves an existing one as it is; predictShared ignores it', () => {
  const p = new RuntimePredictor({ halfLifeObservations: Infinity, halfLifeMs: Infinity });
  p.observe('ns/wf/own', 1000, 0);
  for (const ms of [100, 200, 300]) p.observeShared('ns/wf/t', ms, 1);
  assert.equal(p.has('ns/wf/t'), false, 'no estimator of its own');
  assert.equal(p.predict('ns/wf/own')!.count, 1, 'the existing estimator did not learn the shared runtimes');
  p.observeShared('ns/wf/own', 5000, 2);
  assert.equal(p.predict('ns/wf/own')!.count, 1, 'nor its own, observed shared');
  const own = p.predict('ns/wf/own')!;
  assert.equal(own.source, 'signature');
  const shared = p.predictShared('ns/wf/own')!;
  assert.equal(shared.source, 'prefix', 'answered as an unseen signature would be');
  assert.equal(shared.meanMs, (1000 + 100 + 200 + 300 + 5000) / 5);
  assert.deepEqual(p.predictShared('ns/wf/own'), p.predict('ns/wf/never-seen'));
  assert.equal(p.cvShared('ns/wf/own'), p.cv('ns/wf/never-seen'));
});

test('RuntimeEstimates.lookupShared: the workflow\'s answer, shared by its tasks and cached as cold answers are', () => {
  const e = new RuntimeEstimates(null);
  for (const ms of [100, 200, 300]) e.observeShared('ns/wf/t', ms, 0);
  e.observe('ns/wf/own', 10_000, 1);
  const a = e.lookupShared('ns/wf/own', 2);
  assert.equal(a.value, e.predictor.predictShared('ns/wf/own')!.meanMs, 'the prefix level...');
  assert.ok(a.value! < 3000, `...not the signature's own 10 s (${a.value})`);
  assert.equal(e.lookupShared('ns/wf/other', 3), a, 'one answer per workflow');
  assert.equal(e.lookup('ns/wf/unseen', 4), a, 'the same entry as an unseen signature\'s cold answer');
  assert.notEqual(e.lookupShared('ns/wf/own', 10_000), a, 'predicted again after the cold TTL');
});

test('engine: a run wider than maxSignatures learns at the workflow level only; a narrower one per signature', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-wide-'));
  const modelFile = join(dir, 'runtime-model.json');
  // A model that keeps two signatures: the 3-task workflow is wide, the 2-task one is not.
  writeFileSync(modelFile, JSON.stringify(new RuntimePredictor({ maxSignatures: 2 }).toJSON()));
  const noop: FnHandler = () => undefined;
  const t = testEngine({ functions: new Map([['noop', noop]]), runtimeModel: modelFile });
  try {
    const p = t.engine.estimates.predictor;
    const run = async (wf: string) => assert.equal((await t.engine.wait((await t.engine.submit(spec(wf))).id)).state, 'succeeded');
    await run('name: wide\ntasks:\n  a: { fn: noop }\n  b: { fn: noop }\n  c: { fn: noop }\n');
    for (const id of ['a', 'b', 'c']) assert.equal(p.has(`default/wide/${id}`), false, `wide/${id}: no estimator of its own`);
    assert.equal(p.predict('default/wide/new')!.count, 3, 'the wide workflow\'s prefix learned its three tasks');
    await run('name: narrow\ntasks:\n  a: { fn: noop }\n  b: { fn: noop }\n');
    for (const id of ['a', 'b']) assert.equal(p.predict(`default/narrow/${id}`)!.source, 'signature', `narrow/${id}: its own`);
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
