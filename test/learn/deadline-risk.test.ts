/** Deadline risk: remaining critical path, at-risk flag with hysteresis, bounded priority boosts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { DeadlineRisk, remainingCriticalPath } from '../../src/learn/deadline/deadline-risk.js';
import { WaitEstimate } from '../../src/learn/deadline/wait-estimate.js';

test('remaining critical path: the longest chain of remaining runtimes; finished parents do not count', () => {
  assert.equal(remainingCriticalPath([]), 0);
  // a(10) -> b(5) -> d(1); a -> c(20) -> d; e(25) alone; x's parent 'gone' is finished.
  const tasks = [
    { id: 'a', parents: [], remainingMs: 10 }, { id: 'b', parents: ['a'], remainingMs: 5 },
    { id: 'c', parents: ['a'], remainingMs: 20 }, { id: 'd', parents: ['b', 'c'], remainingMs: 1 },
    { id: 'e', parents: [], remainingMs: 25 }, { id: 'x', parents: ['gone'], remainingMs: 3 },
  ];
  assert.equal(remainingCriticalPath(tasks), 31);
  assert.equal(remainingCriticalPath([{ id: 'a', parents: [], remainingMs: -5 }]), 0, 'negative remaining counts as 0');
});

test('flags at risk once, boosts within bounds and at most once per period, recovers with hysteresis', () => {
  const c = new ManualClock(0);
  const r = new DeadlineRisk({ marginFraction: 0.1, boostStep: 20, maxBoost: 50, maxPriority: 100, boostEveryMs: 1000 });
  const run = { runId: 'r1', deadlineAt: 100_000, basePriority: 50 };
  assert.deepEqual(r.assess({ ...run, remainingMs: 50_000 }, c.now()), [], 'comfortably early');
  // Inside the margin (10% of 100 s left = 10 s): at risk though not late.
  let d = r.assess({ ...run, remainingMs: 95_000 }, c.now());
  assert.deepEqual(d.map((x) => x.action), ['at_risk', 'boost']);
  assert.match(d[0]!.reason, /inside the 10 s margin/);
  assert.equal(d[1]!.priority, 70);
  assert.equal(r.boostOf('r1'), 20);
  c.advance(500);
  assert.deepEqual(r.assess({ ...run, remainingMs: 120_000 }, c.now()), [], 'no second boost within boostEveryMs, no second at_risk');
  c.advance(500);
  d = r.assess({ ...run, remainingMs: 120_000 }, c.now());
  assert.equal(d[0]!.action, 'boost');
  assert.equal(d[0]!.priority, 90);
  c.advance(1000);
  d = r.assess({ ...run, remainingMs: 120_000 }, c.now());
  assert.equal(d[0]!.priority, 100, 'capped at maxPriority (50 + 50 = 100)');
  c.advance(1000);
  assert.deepEqual(r.assess({ ...run, remainingMs: 120_000 }, c.now()), [], 'no boost past the bounds');
  assert.equal(r.atRisk().length, 1);
  // Predicted end 2 s before the deadline with a margin of 9.6 s: still at risk (hysteresis) ...
  assert.deepEqual(r.assess({ ...run, remainingMs: 100_000 - c.now() - 12_000 }, c.now()), []);
  // ... recovered only past twice the margin.
  d = r.assess({ ...run, remainingMs: 30_000 }, c.now());
  assert.equal(d[0]!.action, 'recovered');
  assert.equal(r.atRisk().length, 0);
  assert.deepEqual(r.decisions.map((x) => x.action), ['at_risk', 'boost', 'boost', 'boost', 'recovered']);
  r.forgetExcept(new Set());
  assert.equal(r.boostOf('r1'), 0);
});

test('boost off: only the flag', () => {
  const r = new DeadlineRisk({ boost: false });
  const d = r.assess({ runId: 'r', deadlineAt: 1000, remainingMs: 5000, basePriority: 10 }, 0);
  assert.deepEqual(d.map((x) => x.action), ['at_risk']);
  assert.match(d[0]!.reason, /4 s after its deadline/);
});

test('wait estimate: plain mean at first, then an EWMA following a change', () => {
  const w = new WaitEstimate(0.1);
  w.observe(10);
  w.observe(20);
  assert.equal(w.valueMs, 15);
  w.observe(-1);
  w.observe(NaN);
  assert.equal(w.samples, 2, 'invalid waits ignored');
  for (let i = 0; i < 100; i++) w.observe(1000);
  assert.ok(Math.abs(w.valueMs - 1000) < 1, `${w.valueMs}`);
  assert.throws(() => new WaitEstimate(0), /alpha/);
});
