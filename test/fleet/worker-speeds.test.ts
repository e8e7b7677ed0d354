/** Learned worker speed factors (src/engine/worker-speeds.ts): what HEFT reads as WorkerInfo.speed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerSpeeds } from '../../src/engine/worker-speeds.js';

test('a worker twice as fast as the estimates converges to speed ~2; a slow one to ~0.5', () => {
  const s = new WorkerSpeeds();
  let publishedFast = 0;
  for (let i = 0; i < 50; i++) {
    if (s.observe('fast', 1000, 500) !== null) publishedFast++;
    s.observe('slow', 1000, 2000);
  }
  assert.ok(Math.abs(s.speed('fast') - 2) < 0.2, `fast ${s.speed('fast')}`);
  assert.ok(Math.abs(s.speed('slow') - 0.5) < 0.05, `slow ${s.speed('slow')}`);
  assert.ok(publishedFast <= 2, `re-published only when it moved >10% (${publishedFast} times)`);
  assert.equal(s.speed('unknown'), 1);
});

test('no signal: unknown estimate, sub-50 ms attempts; one outlier moves the factor by a bounded step', () => {
  const s = new WorkerSpeeds();
  assert.equal(s.observe('w', null, 1000), null);
  assert.equal(s.observe('w', 1000, 3), null);
  assert.equal(s.speed('w'), 1);
  for (let i = 0; i < 30; i++) s.observe('w', 1000, 1000);
  s.observe('w', 1000, 1_000_000); // a 1000x straggler (clamped to 10x, then 20% of it)
  assert.ok(s.speed('w') >= 0.6, `one outlier left speed ${s.speed('w')}`);
  s.forget('w');
  assert.equal(s.speed('w'), 1);
});
