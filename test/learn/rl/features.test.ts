// The learned policy's features on small hand-built states, and candidate grouping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_COUNT, FEATURE_NAMES, writeFeatures, type DecisionContext } from '../../../src/learn/rl/features.js';
import { Candidates } from '../../../src/learn/rl/candidates.js';
import { job, task } from '../../sched/builders.js';

const at = (x: Float64Array, name: (typeof FEATURE_NAMES)[number], row = 0): number => x[row * FEATURE_COUNT + FEATURE_NAMES.indexOf(name)]!;

const ctx: DecisionContext = { now: 10_000, totalCpu: 10, freeCpu: 4, waitingTasks: 7, waitingJobs: 2, unknownEstimateMs: 60_000, minRemainingLog: Math.log1p(2), maxBottomMs: 8000 };

test('features: time, work, progress and capacity are normalised as documented', () => {
  const j = job('fa', { arrivalAt: 4000, remainingWorkMs: 20_000, totalTasks: 10, doneTasks: 4, deadline: 30_000 });
  const t = task('fa/s1/0', { job: j, readyAt: 6000, estimateMs: 2000, bottomLevelMs: 4000, resources: { cpu: 2 }, priority: 5, deadline: 30_000 });
  const x = new Float64Array(FEATURE_COUNT);
  writeFeatures({ head: t, count: 3, jobGroups: 2, jobRunning: 1, jobMaxBottomMs: 0, workAheadMs: 0 }, ctx, x, 0);
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(at(x, 'group_tasks_log'), Math.log1p(3));
  close(at(x, 'estimate_log_s'), Math.log1p(2));
  assert.equal(at(x, 'estimate_unknown'), 0);
  close(at(x, 'bottom_level_log_s'), Math.log1p(4));
  close(at(x, 'bottom_level_rel'), 0.5);
  close(at(x, 'job_remaining_log_s'), Math.log1p(20));
  close(at(x, 'job_remaining_per_core_log_s'), Math.log1p(2));
  close(at(x, 'job_remaining_rel'), Math.log1p(20) - Math.log1p(2));
  close(at(x, 'job_progress'), 0.4);
  close(at(x, 'job_running_log'), Math.log1p(1));
  close(at(x, 'job_age_log_s'), Math.log1p(6));
  close(at(x, 'wait_log_s'), Math.log1p(4));
  close(at(x, 'slack_signed_log_s'), Math.log1p(16)); // 30 - 10 - 4 s
  assert.equal(at(x, 'has_deadline'), 1);
  close(at(x, 'priority'), 0.5);
  assert.equal(at(x, 'cpu_fits_free'), 1);
  close(at(x, 'free_cpu_frac'), 0.4);
  close(at(x, 'waiting_tasks_log'), Math.log1p(7));
  close(at(x, 'job_groups_log'), Math.log1p(2));
});

test('features: a missed deadline gives negative slack; no estimate uses the unknown runtime', () => {
  const j = job('fb', { deadline: 5000 });
  const t = task('fb/0', { job: j, deadline: 5000, estimateMs: null, bottomLevelMs: 1000, resources: { cpu: 8 } });
  const x = new Float64Array(FEATURE_COUNT);
  writeFeatures({ head: t, count: 1, jobGroups: 1, jobRunning: 0, jobMaxBottomMs: 0, workAheadMs: 0 }, ctx, x, 0);
  assert.ok(Math.abs(at(x, 'slack_signed_log_s') + Math.log1p(6)) < 1e-12);
  assert.equal(at(x, 'estimate_unknown'), 1);
  assert.ok(Math.abs(at(x, 'estimate_log_s') - Math.log1p(60)) < 1e-12);
  assert.equal(at(x, 'cpu_fits_free'), 0);
  assert.equal(at(x, 'has_deadline'), 1);
});

test('candidates: identical tasks of one job form one FIFO group; removal keeps counts right', () => {
  const c = new Candidates();
  const j = job('fc');
  const a = [0, 1, 2].map((i) => task(`fc/s/${i}`, { job: j }));
  const other = task('fc/t/0', { job: j, bottomLevelMs: 5 });
  for (const t of [...a, other]) c.add(t);
  assert.equal(c.groups.length, 2);
  assert.equal(c.jobGroups.get('fc'), 2);
  const g = c.groups.find((x) => c.countOf(x) === 3)!;
  assert.equal(c.headOf(g).key, 'fc/s/0');
  c.remove('fc/s/1');
  assert.equal(c.countOf(g), 2);
  c.remove('fc/s/0');
  assert.equal(c.headOf(g).key, 'fc/s/2');
  c.remove('fc/s/2');
  assert.equal(c.groups.length, 1);
  assert.equal(c.jobGroups.get('fc'), 1);
  assert.equal(c.size, 1);
});
