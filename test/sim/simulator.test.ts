import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/clock.js';
import { EventQueue, poppedEvent } from '../../src/sim/event-queue.js';
import { compileExperiment, runExperiment, type ExperimentOptions } from '../../src/sim/experiment.js';
import type { RunMetrics } from '../../src/sim/metrics.js';
import { totalTasks } from '../../src/sim/workload.js';
import { job, stage, workload } from './helpers.js';

/** Metrics without the wall-clock fields, which differ from run to run. */
function pure(m: RunMetrics): Omit<RunMetrics, 'wallMs' | 'eventsPerSec'> {
  const { wallMs: _w, eventsPerSec: _e, ...rest } = m;
  return rest;
}

const run = (o: ExperimentOptions, policy = 'fifo'): RunMetrics => runExperiment(compileExperiment(o), { policy }).metrics;

test('event queue pops by time, then by insertion order at equal times', () => {
  const q = new EventQueue<string>(2); // tiny: forces growth
  const rng = new SeededRng(9);
  const pushed: [number, number, string][] = [];
  for (let i = 0; i < 500; i++) {
    const t = rng.int(20); // many ties
    q.push(t, 0, `e${i}`);
    pushed.push([t, i, `e${i}`]);
  }
  pushed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const ev = poppedEvent<string>();
  const popped: string[] = [];
  while (q.pop(ev)) popped.push(ev.ref!);
  assert.deepEqual(popped, pushed.map((p) => p[2]));
  assert.equal(q.peekTime(), Infinity);
  assert.throws(() => q.push(Number.NaN, 0, 'x'), RangeError);
});

test('golden run: TPC-H 2g, 6 jobs, Poisson 10 s, 10 executors, fifo, seed 42', () => {
  const m = run({ workload: 'tpch:2g', arrivals: 'poisson:10', jobs: 6, executors: 10, seed: 42 });
  const ms = (v: number): string => v.toFixed(3);
  assert.equal(m.completedJobs, 6);
  assert.equal(m.events, 4329);
  assert.equal(m.attemptsStarted, 4323);
  assert.equal(ms(m.avgJctMs), '26065.867');
  assert.equal(ms(m.p95JctMs), '41681.621');
  assert.equal(ms(m.makespanMs), '119185.275');
  assert.equal(ms(m.maxWaitMs), '11865.800');
  assert.equal(ms(m.lowerBoundAvgJctMs), '17189.252');
  assert.equal(m.utilization.toFixed(6), '0.677834');
});

test('golden run with sampled durations: TPC-H 2g, 4 jobs batch on 5 executors, seed 3', () => {
  const m = run({ workload: 'tpch:2g', arrivals: 'batch', jobs: 4, executors: 5, seed: 3, durations: 'sampled' });
  assert.equal(m.events, 3271);
  assert.equal(m.avgJctMs.toFixed(3), '37568.750');
  assert.equal(m.makespanMs.toFixed(3), '44061.000');
  assert.equal(m.lowerBoundAvgJctMs.toFixed(3), '23166.700');
});

test('determinism: the same seed gives identical metrics; another seed does not', () => {
  const o: ExperimentOptions = { workload: 'synthetic:mixed', jobs: 40, seed: 5, failures: { probability: 0.05, maxAttempts: 5 }, crashes: { mtbfMs: 600_000, leaseMs: 10_000, repairMs: 60_000 } };
  const a = run(o);
  const b = run(o);
  assert.deepEqual(pure(a), pure(b));
  assert.notEqual(run({ ...o, seed: 6 }).avgJctMs, a.avgJctMs);
});

test('the same experiment is identical across policies in everything but the schedule (sampled durations too)', () => {
  const exp = compileExperiment({ workload: 'tpch', jobs: 10, seed: 4, durations: 'sampled' });
  const a = runExperiment(exp, { policy: 'fifo' }).metrics;
  const b = runExperiment(exp, { policy: 'sjf' }).metrics;
  assert.equal(a.lowerBoundAvgJctMs, b.lowerBoundAvgJctMs);
  assert.equal(a.attemptsStarted, b.attemptsStarted);
});

test('worker crashes: leases expire, lost tasks are rescheduled, every task completes exactly once', () => {
  const jobs = [job('wide', [stage('a', [], 40, 20_000), stage('b', [0], 20, 10_000)]), job('chain', [stage('x', [], 1, 30_000), stage('y', [0], 1, 30_000)])];
  const exp = compileExperiment({ workload: workload(jobs, 4), seed: 11, crashes: { mtbfMs: 60_000, leaseMs: 5_000, repairMs: 20_000 } });
  const { metrics: m, result } = runExperiment(exp, { policy: 'fifo' });
  assert.ok(m.attemptsLost > 0, 'some attempts were lost');
  assert.equal(m.completedJobs, 2);
  // SimJob.complete throws on a second completion; successes = starts - lost - failed.
  const tasks = jobs.reduce((s, j) => s + totalTasks(j), 0);
  assert.equal(m.attemptsStarted - m.attemptsLost - m.attemptsFailed, tasks);
  for (const j of result.jobs) assert.equal(j.info.doneTasks, j.info.totalTasks);
  // Lost work makes the run longer than the crash-free one.
  const calm = runExperiment(compileExperiment({ workload: workload(jobs, 4), seed: 11 }), { policy: 'fifo' }).metrics;
  assert.ok(m.makespanMs > calm.makespanMs);
});

test('task failures are retried until success within maxAttempts', () => {
  const jobs = [job('j', [stage('a', [], 50, 1_000), stage('b', [0], 50, 1_000)])];
  const exp = compileExperiment({ workload: workload(jobs, 5), seed: 2, failures: { probability: 0.3, maxAttempts: 20 } });
  const { metrics: m, result } = runExperiment(exp, { policy: 'fifo' });
  assert.ok(m.attemptsFailed > 10, `failed ${m.attemptsFailed}`);
  assert.equal(m.completedJobs, 1);
  assert.equal(m.attemptsStarted - m.attemptsFailed, 100);
  assert.equal(result.jobs[0]!.info.remainingWorkMs, 0);
  assert.equal(result.jobs[0]!.info.running, 0);
});

test('a task out of attempts fails its job; the other jobs still complete', () => {
  const jobs = Array.from({ length: 10 }, (_, i) => job(`j${i}`, [stage('a', [], 5, 1_000), stage('b', [0], 5, 1_000)]));
  const { metrics: m } = runExperiment(compileExperiment({ workload: workload(jobs, 3), seed: 8, failures: { probability: 0.2, maxAttempts: 1 } }), { policy: 'fifo' });
  assert.ok(m.failedJobs > 0 && m.failedJobs < 10, `failed jobs ${m.failedJobs}`);
  assert.equal(m.completedJobs + m.failedJobs, 10);
  assert.equal(m.unfinishedJobs, 0);
});

test('a demand no worker can hold leaves its job unfinished instead of looping', () => {
  const jobs = [job('ok', [stage('a', [], 1, 1_000)]), job('huge', [stage('h', [], 1, 1_000, 8)])];
  const m = run({ workload: workload(jobs, 2) });
  assert.equal(m.completedJobs, 1);
  assert.equal(m.unfinishedJobs, 1);
});

test('worker speed divides task time: one 2x worker halves a chain', () => {
  const jobs = [job('c', [stage('a', [], 1, 10_000), stage('b', [0], 1, 10_000)])];
  assert.equal(run({ workload: workload(jobs, 1), speeds: [2] }).avgJctMs, 10_000);
});

test('--load with Poisson arrivals sets the mean gap to mean work / (L x capacity)', () => {
  const jobs = [job('a', [stage('s', [], 10, 1_000)]), job('b', [stage('s', [], 30, 1_000)])];
  const exp = compileExperiment({ workload: workload(jobs, 5), arrivals: 'poisson', load: 0.5 });
  // mean work 20 core-s / (0.5 x 5 cores) = 8 s.
  assert.equal(exp.meanGapMs, 8_000);
  const tp = compileExperiment({ workload: 'tpch', arrivals: 'poisson', load: 0.85, jobs: 1000, executors: 50, seed: 1 });
  assert.ok(Math.abs(tp.meanGapMs! - 20_900) < 1_000, `TPC-H gap ${tp.meanGapMs}`);
});

test('--load with trace arrivals sizes the cluster to work / unconstrained span / L', () => {
  // Two jobs at 0 and 10 s, each 4 tasks x 10 s: work 80 core-s over [0, 20 s] = 4 cores of demand.
  const jobs = [job('a', [stage('s', [], 4, 10_000)], { arrivalMs: 0 }), job('b', [stage('s', [], 4, 10_000)], { arrivalMs: 10_000 })];
  const exp = compileExperiment({ workload: { ...workload(jobs, 1), workerShape: { cpu: 3 } }, arrivals: 'trace', load: 0.8 });
  assert.equal(exp.capacityCores, 5); // 4 / 0.8 = 5 cores = one 3-core worker + one 2-core worker
  assert.deepEqual(exp.workers.map((w) => w.capacity['cpu']), [3, 2]);
});
