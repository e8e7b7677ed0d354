// Features version 2: summaries flowing along the DAG (descendants, counted once in a diamond),
// the job's current critical path, SRPT queue position, runtime uncertainty and failures — on
// hand-built states, and filled by the simulator for a real workload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_COUNT, FEATURE_NAMES, teacherPrior, writeFeatures, type DecisionContext } from '../../../src/learn/rl/features.js';
import { descendantSums } from '../../../src/sim/descendants.js';
import { staticOf } from '../../../src/sim/sim-job.js';
import { resolveWorkload } from '../../../src/sim/workloads/resolve.js';
import { Mlp } from '../../../src/learn/rl/mlp.js';
import { SeededRng } from '../../../src/core/clock.js';
import { job, task } from '../../sched/builders.js';

const at = (x: Float64Array, name: (typeof FEATURE_NAMES)[number], row = 0): number => x[row * FEATURE_COUNT + FEATURE_NAMES.indexOf(name)]!;
const ctx: DecisionContext = { now: 0, totalCpu: 10, freeCpu: 10, waitingTasks: 1, waitingJobs: 1, unknownEstimateMs: 60_000, minRemainingLog: 0, maxBottomMs: 1000 };

test('descendants: a diamond counts the shared sink once', () => {
  // 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3
  const children = [[1, 2], [3], [3], []];
  const tasks = [1, 2, 3, 4];
  const d = descendantSums(children, [0, 1, 2, 3], (i) => tasks[i]!, (i) => 10 * tasks[i]!);
  assert.deepEqual(Array.from(d.tasks), [2 + 3 + 4, 4, 4, 0]);
  assert.deepEqual(Array.from(d.workMs), [90, 40, 40, 0]);
});

test('features v2: descendants, critical path share, work ahead, uncertainty and failures', () => {
  const j = job('dv', { remainingWorkMs: 40_000, failedAttempts: 3 });
  const t = task('dv/s/0', { job: j, bottomLevelMs: 500, estimateCv: 0.5, descendantTasks: 6, descendantWorkMs: 10_000 });
  const x = new Float64Array(FEATURE_COUNT);
  writeFeatures({ head: t, count: 1, jobGroups: 2, jobRunning: 0, jobMaxBottomMs: 1000, workAheadMs: 20_000 }, ctx, x, 0);
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(at(x, 'estimate_cv'), 0.5);
  close(at(x, 'descendant_tasks_log'), Math.log1p(6));
  close(at(x, 'descendant_work_log_s'), Math.log1p(10));
  close(at(x, 'descendant_work_frac'), 0.25);
  close(at(x, 'job_path_rel'), 0.5);
  close(at(x, 'work_ahead_per_core_log_s'), Math.log1p(2)); // 20 cpu-s over 10 cores
  close(at(x, 'job_failures_log'), Math.log1p(3));
  // absent optional fields read as 0 (unknown), never NaN
  const bare = task('dv/s/1', { job: job('dw'), bottomLevelMs: 500 });
  writeFeatures({ head: bare, count: 1, jobGroups: 1, jobRunning: 0, jobMaxBottomMs: 500, workAheadMs: 0 }, ctx, x, 0);
  for (const n of ['estimate_cv', 'descendant_tasks_log', 'descendant_work_frac', 'job_failures_log'] as const) assert.equal(at(x, n), 0, n);
  assert.equal(at(x, 'job_path_rel'), 1);
});

test('simulator: TPC-H stages carry descendant sums from the DAG', () => {
  const wl = resolveWorkload('tpch', { sampled: true, seed: 1 });
  const spec = wl.jobs.find((s) => s.stages.length >= 4)!;
  const st = staticOf(spec);
  const sinks = spec.stages.map((_, i) => st.children[i]!.length === 0);
  sinks.forEach((sink, i) => (sink ? assert.equal(st.descTasks[i], 0) : assert.ok(st.descTasks[i]! > 0)));
  const total = spec.stages.reduce((a, s) => a + s.numTasks, 0);
  for (const r of st.roots) assert.ok(st.descTasks[r]! < total);
  assert.ok(spec.stages.some((s) => (s.sampler?.cv?.(50) ?? 0) > 0), 'sampled TPC-H stages report a duration spread');
});

test('residual model: with a zero output layer it scores exactly as its prior (the teacher order)', () => {
  const m = new Mlp([FEATURE_COUNT, 8, 4, 1], undefined, teacherPrior()).init(new SeededRng(3)).zeroOutput();
  const x = new Float64Array(3 * FEATURE_COUNT).map((_, i) => ((i * 7919) % 13) / 5);
  const out = new Float64Array(3);
  m.score(x, 3, out);
  const p = teacherPrior();
  for (let r = 0; r < 3; r++) {
    let s = 0;
    for (let i = 0; i < FEATURE_COUNT; i++) s += p[i]! * x[r * FEATURE_COUNT + i]!;
    assert.ok(Math.abs(out[r]! - s) < 1e-12, `${out[r]} vs ${s}`);
  }
  assert.deepEqual(Array.from(m.forwardTrain(x, 3)), Array.from(out));
});

test('curriculum: alibaba-windows trains and validates on disjoint trace jobs after the evaluation ones', async () => {
  const { CURRICULUM, VALIDATION_SEEDS, ALIBABA_EVAL_JOBS, ALIBABA_WINDOW, ALIBABA_TRAIN_WINDOWS } = await import('../../../src/learn/rl/curriculum.js');
  const nameOf = (seed: number): string => (CURRICULUM['alibaba-windows']!.experiment(seed).workload as { name: string }).name;
  const start = (seed: number): number => Number(/\[(\d+):/.exec(nameOf(seed))![1]);
  const trainEnd = ALIBABA_EVAL_JOBS + ALIBABA_TRAIN_WINDOWS * ALIBABA_WINDOW;
  for (let seed = 100_000; seed < 100_020; seed++) {
    assert.ok(start(seed) >= ALIBABA_EVAL_JOBS && start(seed) + ALIBABA_WINDOW <= trainEnd, nameOf(seed));
  }
  for (const seed of VALIDATION_SEEDS) assert.ok(start(seed) >= trainEnd, nameOf(seed));
});
