import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ci95, quantileSorted, tCritical95 } from '../../src/sim/stats.js';
import { fluidSrpt } from '../../src/sim/metrics.js';
import { compileExperiment, runExperiment } from '../../src/sim/experiment.js';
import { bucketSteps, cdfPoints } from '../../src/sim/report/series.js';
import { job, stage, workload } from './helpers.js';

test('percentiles interpolate between closest ranks (type 7)', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  const a = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.ok(Math.abs(quantileSorted(a, 0.95) - 19.05) < 1e-12);
  assert.equal(quantileSorted(a, 0), 1);
  assert.equal(quantileSorted(a, 1), 20);
  assert.equal(quantileSorted([], 0.5), 0);
  assert.equal(quantileSorted([7], 0.99), 7);
});

test('95% interval uses Student t: [1,2,3,4,5] -> 3 +- 2.776 * sqrt(2.5) / sqrt(5)', () => {
  const i = ci95([1, 2, 3, 4, 5]);
  assert.equal(i.mean, 3);
  assert.ok(Math.abs(i.half - (2.776 * Math.sqrt(2.5)) / Math.sqrt(5)) < 1e-9);
  assert.equal(ci95([4]).half, 0);
  assert.ok(Math.abs(tCritical95(100) - 1.984) < 0.001);
});

test('fluid SRPT bound: batch jobs of work 10 and 20 on capacity 1 finish at 10 and 30', () => {
  assert.deepEqual(fluidSrpt([{ arrival: 0, work: 20 }, { arrival: 0, work: 10 }], 1), { avgJct: 20, end: 30 });
});

test('fluid SRPT bound preempts for a shorter arrival: (0, 30) and (5, 5) -> JCTs 35 and 5', () => {
  assert.deepEqual(fluidSrpt([{ arrival: 0, work: 30 }, { arrival: 5, work: 5 }], 1), { avgJct: 20, end: 35 });
  // On 2 cores work takes half the time: job2 runs 5-7.5, job1 ends at 17.5.
  assert.deepEqual(fluidSrpt([{ arrival: 0, work: 30 }, { arrival: 5, work: 5 }], 2), { avgJct: 10, end: 17.5 });
});

test('a hand-worked run: a 10 s task then two 5 s tasks on two workers', () => {
  // t=0: a starts on one worker; t=10: b0 and b1 start on both; t=15: job done.
  const wl = workload([job('A', [stage('a', [], 1, 10_000), stage('b', [0], 2, 5_000)])], 2);
  const { metrics: m } = runExperiment(compileExperiment({ workload: wl }), { policy: 'fifo' });
  assert.equal(m.avgJctMs, 15_000);
  assert.equal(m.p99JctMs, 15_000);
  assert.equal(m.makespanMs, 15_000);
  assert.equal(m.avgSlowdown, 1);
  // Busy 10 + 5 + 5 core-seconds over 2 cores x 15 s.
  assert.ok(Math.abs(m.utilization - 20 / 30) < 1e-12);
  // Per-job bound max(cp 15, work 20 / 2 cores) = 15 beats the fluid bound (10).
  assert.equal(m.lowerBoundAvgJctMs, 15_000);
  assert.equal(m.jctRatio, 1);
  assert.equal(m.maxWaitMs, 0);
  assert.equal(m.throughputPerSec, 1 / 15);
  assert.equal(m.events, 4); // 1 arrival + 3 task ends
});

test('queue waits, starvation and deadline misses on one worker', () => {
  // One worker, two single-task jobs at 0 of 10 s and 4 s: one waits for the other.
  const wl = workload(
    [
      job('long', [stage('x', [], 1, 10_000)], { relativeDeadlineMs: 12_000 }),
      job('short', [stage('y', [], 1, 4_000)], { relativeDeadlineMs: 5_000 }),
    ],
    1,
  );
  const { metrics: m } = runExperiment(compileExperiment({ workload: wl }), { policy: 'fifo' }, { starvationThresholdMs: 5_000 });
  // FIFO by arrival order: long 0-10, short 10-14.
  assert.equal(m.avgJctMs, 12_000);
  assert.equal(m.maxWaitMs, 10_000);
  assert.equal(m.starvedTasks, 1);
  assert.equal(m.deadlineMissRate, 0.5);
  assert.equal(m.makespanMs, 14_000);
  // SRPT on 1 core: short at 4, long at 14 -> 9 s average; the per-job bound averages 7 s.
  assert.equal(m.lowerBoundAvgJctMs, 9_000);
  assert.equal(m.lowerBoundMakespanMs, 14_000);
});

test('series helpers: CDF ends at 1; bucketed steps average over time', () => {
  const c = cdfPoints([1, 2, 3, 4]);
  assert.deepEqual(c[c.length - 1], [4, 1]);
  // Busy 2 on [0,5), 0 on [5,10): two buckets of width 5.
  assert.deepEqual(bucketSteps([0, 5], [2, 0], 10, 2), [[0, 2], [5, 0]]);
  // One bucket over [0,10): (2*5 + 0*5) / 10 = 1, scaled by 1/2 capacity.
  assert.deepEqual(bucketSteps([0, 5], [2, 0], 10, 1, 0.5), [[0, 0.5]]);
});
