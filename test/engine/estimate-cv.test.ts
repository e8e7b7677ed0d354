/**
 * The live engine gives the scheduler the runtime uncertainty the simulator gives it
 * (SchedTask.estimateCv, the learned policy's estimate_cv feature): for a task without a declared
 * estimate, the runtime predictor's stdev / mean (RuntimePredictor.cv) next to its mean; for a
 * declared estimate, none. The runtime model is a hand-built history saved where the engine loads
 * it; a tiny registered policy (fifo underneath) records what the scheduler is given at enqueue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fifo } from '../../src/sched/policies/fifo.js';
import { registerPolicy } from '../../src/sched/registry.js';
import type { SchedTask } from '../../src/sched/types.js';
import type { FnHandler } from '../../src/exec/types.js';
import { RuntimePredictor } from '../../src/learn/runtime-predictor.js';
import { RuntimeEstimates } from '../../src/engine/runtime-estimates.js';
import { spec, testEngine } from './helpers.js';

const seen = new Map<string, { estimateMs: number | null; estimateCv: number | undefined }>();
registerPolicy('test-record-estimate-cv', (settings, ctx) => {
  const inner = fifo(settings, ctx);
  const enqueue = inner.enqueue.bind(inner);
  inner.enqueue = (t: SchedTask) => {
    seen.set(t.key.slice(t.key.indexOf('/') + 1), { estimateMs: t.estimateMs, estimateCv: t.estimateCv });
    enqueue(t);
  };
  return inner;
});

const noop: FnHandler = async () => ({});
const WF = `
name: cvflow
tasks:
  learned:
    fn: noop
  declared:
    fn: noop
    estimate: 3s
  fresh:
    fn: noop
`;

test('live SchedTask.estimateCv: the predictor\'s stdev / mean for learned estimates, none for declared ones', async () => {
  // A hand-built history: 'learned' ran 1 s, 2 s, 3 s (mean 2 s, population stdev 816 ms).
  const p = new RuntimePredictor({ halfLifeObservations: Infinity, halfLifeMs: Infinity });
  for (const ms of [1000, 2000, 3000]) p.observe('default/cvflow/learned', ms, 0);
  const modelDir = mkdtempSync(join(tmpdir(), 'kairos-cv-'));
  const modelFile = join(modelDir, 'runtime-model.json');
  writeFileSync(modelFile, JSON.stringify(p.toJSON()));
  const t = testEngine({ functions: new Map([['noop', noop]]), scheduler: { policy: 'test-record-estimate-cv' }, runtimeModel: modelFile });
  try {
    seen.clear();
    const run = await t.engine.submit(spec(WF));
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    const l = seen.get('learned')!;
    assert.equal(l.estimateMs, 2000);
    assert.ok(Math.abs(l.estimateCv! - Math.sqrt(2 / 3) / 2) < 1e-12, String(l.estimateCv));
    assert.deepEqual(seen.get('declared'), { estimateMs: 3000, estimateCv: undefined });
    // Never seen: the workflow prefix has 3 observations (>= minPrefixCount), so its mean and spread answer.
    const f = seen.get('fresh')!;
    assert.equal(f.estimateMs, 2000);
    assert.ok(Math.abs(f.estimateCv! - Math.sqrt(2 / 3) / 2) < 1e-12);
  } finally {
    await t.close();
    rmSync(modelDir, { recursive: true, force: true });
  }
});

test('RuntimeEstimates.lookup: the cached mean and cv move together when the signature learns', () => {
  const e = new RuntimeEstimates(null);
  const none = e.lookup('ns/wf/a', 0);
  assert.equal(none.value, null);
  assert.equal(none.cv, null);
  e.observe('ns/wf/a', 100, 0);
  assert.equal(e.lookup('ns/wf/a', 1).cv, 0);
  e.observe('ns/wf/a', 300, 2);
  const r = e.lookup('ns/wf/a', 3);
  assert.ok(r.value! > 100 && r.cv! > 0.4 && r.cv! < 0.6, JSON.stringify(r)); // 100 and 300, decayed weights: ~0.5
  assert.equal(e.estimate('ns/wf/a', 3), r.value);
});

test('RuntimeEstimates.lookup: a signature\'s own answer is reused until it learns; an unseen one shares its workflow\'s cold answer', () => {
  const e = new RuntimeEstimates(null);
  e.observe('ns/wf/a', 100, 0);
  const first = e.lookup('ns/wf/a', 1);
  assert.equal(e.lookup('ns/wf/a', 10_000), first, 'the same object: no new prediction while it learns nothing');
  e.observe('ns/wf/b', 500, 2);
  assert.equal(e.lookup('ns/wf/a', 10_001), first, 'another signature learning leaves it be');
  e.observe('ns/wf/a', 300, 3);
  const second = e.lookup('ns/wf/a', 10_002);
  assert.notEqual(second, first);
  assert.ok(second.value! > first.value!);
  const cold = e.lookup('ns/wf/x', 10_003);
  assert.equal(e.lookup('ns/wf/y', 10_004), cold, 'one cold answer per workflow prefix');
  e.observe('ns/wf/c', 900, 4);
  assert.equal(e.lookup('ns/wf/z', 10_005), cold, 'reused for a while (COLD_TTL_MS)...');
  const later = e.lookup('ns/wf/z', 20_000);
  assert.notEqual(later, cold, '...then predicted again, with what was learned since');
});
