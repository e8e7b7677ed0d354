/** Anomaly detector: runtime past the predicted p99, memory at or climbing toward its limit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { AnomalyDetector, slopeOf } from '../../src/learn/anomaly/anomaly-detector.js';

const MiB = 1024 * 1024;

test('runtime: flagged past factor x p99 once, only with enough samples', () => {
  const c = new ManualClock(0);
  const a = new AnomalyDetector({ runtimeFactor: 2, minElapsedMs: 1000, minSamples: 5 });
  const check = { key: 'r/t', startedAt: 0, p99Ms: 2000, samples: 5 };
  c.set(4000);
  assert.equal(a.checkRuntime(check, c.now()), null, 'exactly 2 x p99 is not past it');
  assert.equal(a.checkRuntime({ ...check, samples: 4 }, 5000), null, 'too few samples');
  assert.equal(a.checkRuntime({ ...check, p99Ms: null }, 5000), null, 'no prediction');
  c.set(4001);
  const f = a.checkRuntime(check, c.now());
  assert.equal(f?.kind, 'runtime');
  assert.match(f!.reason, /running 4 s, past 2 x its predicted p99 of 2 s \(5 runs observed\)/);
  assert.equal(a.checkRuntime(check, 9000), null, 'once per attempt');
  a.forget('r/t');
  assert.ok(a.checkRuntime(check, 9000) !== null, 'a new attempt may be flagged again');
  assert.equal(a.counts.runtime, 2);
  // minElapsedMs: a tiny p99 does not flag short runs.
  assert.equal(a.checkRuntime({ key: 'x', startedAt: 0, p99Ms: 10, samples: 50 }, 900), null);
});

test('memory: at the fraction of the limit', () => {
  const a = new AnomalyDetector({ memoryFraction: 0.9 });
  assert.equal(a.observeMemory('k', 80 * MiB, 100 * MiB, 0), null);
  const f = a.observeMemory('k', 91 * MiB, 100 * MiB, 500);
  assert.match(f!.reason, /91 MiB is 91% of its 100 MiB limit/);
  assert.equal(a.observeMemory('k', 99 * MiB, 100 * MiB, 1000), null, 'once');
});

test('memory: climbing toward the limit within the horizon (but not a flat or slow process)', () => {
  const a = new AnomalyDetector({ memoryFraction: 0.95, horizonMs: 10_000 });
  // Flat at 60%: never.
  for (let t = 0; t < 10; t++) assert.equal(a.observeMemory('flat', 60 * MiB, 100 * MiB, t * 1000), null);
  // Slow climb, 1 MiB/s from 50%: reaches the limit in ~45 s > 10 s: not yet.
  for (let t = 0; t < 5; t++) assert.equal(a.observeMemory('slow', (50 + t) * MiB, 100 * MiB, t * 1000), null);
  // Fast climb, 10 MiB/s: at 70 MiB, ~3 s from the limit.
  assert.equal(a.observeMemory('fast', 50 * MiB, 100 * MiB, 0), null);
  assert.equal(a.observeMemory('fast', 60 * MiB, 100 * MiB, 1000), null, 'two samples are not a trend');
  const f = a.observeMemory('fast', 70 * MiB, 100 * MiB, 2000);
  assert.match(f!.reason, /climbing 10 MiB\/s: at the limit in ~3 s/);
});

test('slope is the least-squares slope', () => {
  assert.equal(slopeOf([0, 1, 2], [1, 3, 5]), 2);
  assert.equal(slopeOf([5], [1]), 0);
  assert.equal(slopeOf([1, 1], [1, 2]), 0);
});
