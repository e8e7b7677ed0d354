// The `learned` policy in the real Scheduler: batched scoring picks the best candidate; every
// guard falls back to the heuristic (missing model, non-finite scores, latency) and returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../../src/core/clock.js';
import { Scheduler } from '../../../src/sched/scheduler.js';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../../src/learn/rl/features.js';
import { newGuardStats, type GuardEvent } from '../../../src/learn/rl/guard.js';
import type { Scorer } from '../../../src/learn/rl/scorer.js';
import '../../../src/learn/rl/register.js';
import { drain, job, task, worker } from '../../sched/builders.js';

const REM = FEATURE_NAMES.indexOf('job_remaining_log_s');

/** Smaller remaining job work scores higher (job-SRPT as a linear scorer). */
const srpt: Scorer = {
  inputs: FEATURE_COUNT,
  score(x, rows, out) {
    for (let r = 0; r < rows; r++) out[r] = -x[r * FEATURE_COUNT + REM]!;
  },
};

const nan: Scorer = { inputs: FEATURE_COUNT, score: (_x, rows, out) => out.fill(Number.NaN, 0, rows) };

function setup(settings: Record<string, unknown>): Scheduler {
  const s = new Scheduler({ policy: 'learned', settings }, { rng: new SeededRng(1) });
  s.addWorker(worker('w', { capacity: { cpu: 1 } }));
  s.enqueue(task('big/0', { job: job('big', { remainingWorkMs: 90_000 }) }));
  s.enqueue(task('small/0', { job: job('small', { remainingWorkMs: 2000 }) }));
  s.enqueue(task('mid/0', { job: job('mid', { remainingWorkMs: 10_000 }) }));
  return s;
}

test('learned: argmax of the scores, one candidate per placement', () => {
  const stats = newGuardStats();
  assert.deepEqual(drain(setup({ model: srpt, stats })), ['small/0', 'mid/0', 'big/0']);
  assert.equal(stats.learnedDecisions, 3);
  assert.equal(stats.active, 'learned');
});

test('learned: softmax sampling is reproducible for a seed', () => {
  const runs = [0, 1].map(() => drain(setup({ model: srpt, guard: false, mode: 'sample', temperature: 5 })));
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0]!.length, 3);
});

test('guard: a missing model falls back to the heuristic for good, counted and reported', () => {
  const stats = newGuardStats();
  const events: GuardEvent[] = [];
  const s = setup({ model: '/nonexistent/model.json', fallback: 'fifo', stats, onEvent: (e: GuardEvent) => events.push(e) });
  assert.deepEqual(drain(s), ['big/0', 'small/0', 'mid/0']); // fifo order
  assert.equal(stats.fallbacks.model, 1);
  assert.equal(stats.active, 'fallback');
  assert.equal(events[0]!.reason, 'model');
  assert.match(events[0]!.detail, /cannot be read/);
});

test('guard: an incompatible model object falls back', () => {
  const stats = newGuardStats();
  drain(setup({ model: { format: 'kairos-learned-policy', version: 1, features: ['x'] }, stats }));
  assert.equal(stats.fallbacks.model, 1);
});

test('guard: non-finite scores hand the round to the fallback, then it returns after the cooldown', () => {
  const stats = newGuardStats();
  const s = setup({ model: nan, fallback: 'fifo', stats, cooldownRounds: 1 });
  // Round 1: NaN -> fifo places big/0. Round 2: back on the model, NaN again -> fifo places
  // small/0. Round 3: back again; one candidate is taken without scoring.
  assert.deepEqual(drain(s), ['big/0', 'small/0', 'mid/0']);
  assert.equal(stats.fallbacks['non-finite'], 2);
  assert.equal(stats.returns, 2);
  assert.equal(stats.fallbackDecisions, 2);
  assert.equal(stats.learnedDecisions, 1);
});

test('guard: a decision over the latency budget (injected timer) switches the next rounds to the fallback', () => {
  let now = 0;
  const timer = (): number => (now += 2); // every decision "takes" 2 ms
  const stats = newGuardStats();
  const s = setup({ model: srpt, fallback: 'fifo', stats, timer, budgetMs: 1, cooldownRounds: 100 });
  const order = drain(s);
  assert.equal(order[0], 'small/0'); // the late decision itself stands
  assert.deepEqual(order.slice(1), ['big/0', 'mid/0']); // then fifo
  assert.equal(stats.fallbacks.latency, 1);
  assert.match(stats.last!.detail, /budget 1 ms/);
});

test('guard: without a timer there is no latency guard (the simulator passes none)', () => {
  const stats = newGuardStats();
  drain(setup({ model: srpt, stats, budgetMs: 0 }));
  assert.equal(stats.fallbacks.latency, 0);
});

test('learned: without a model setting the shipped default model is loaded and used', () => {
  const stats = newGuardStats();
  const order = drain(setup({ stats }));
  assert.equal(order.length, 3);
  assert.equal(stats.fallbacks.model, 0);
  assert.equal(stats.learnedDecisions, 3);
});

test('engine: withLearnedGuards gives the learned policy a wall-clock timer and a log, and leaves other policies alone', async () => {
  const { withLearnedGuards } = await import('../../../src/engine/learned-guards.js');
  const other = { policy: 'fifo' };
  assert.equal(withLearnedGuards(other), other);
  const lines: string[] = [];
  const c = withLearnedGuards({ policy: 'learned', settings: { model: '/nonexistent/model.json', fallback: 'fifo' } }, (l) => lines.push(l));
  assert.equal(typeof c.settings!['timer'], 'function');
  const s = new Scheduler(c, { rng: new SeededRng(1) });
  s.addWorker(worker('w', { capacity: { cpu: 1 } }));
  s.enqueue(task('e/0', { job: job('e') }));
  assert.equal(drain(s).length, 1);
  assert.match(lines[0]!, /fell back to its heuristic \(model/);
});
