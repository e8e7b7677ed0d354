/**
 * The regret-by-replay decision logic (src/learn/rl/regret-guard.ts) with a fake clock and
 * injected replay scores: falls back on positive regret held for N evaluations, returns once the
 * model is no worse for M evaluations, keeps the side in force inside the dead band between the
 * two thresholds, respects the dwell time, and never flaps on alternating evidence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/core/clock.js';
import { RegretGuard, type ReplayScore } from '../../../src/learn/rl/regret-guard.js';

const MIN = 60_000;
const jct = (avgJctMs: number, deadlineMisses = 0, deadlineRuns = 0): ReplayScore => ({ avgJctMs, deadlineRuns, deadlineMisses });

function harness(g: RegretGuard, clock = new ManualClock(0)) {
  return (learnedMs: number, fallbackMs = 100_000) => {
    clock.advance(5 * MIN);
    return g.observe({ atMs: clock.now(), learned: jct(learnedMs), fallback: jct(fallbackMs) });
  };
}

test('regret guard: falls back after N evaluations with regret over the margin, returns after M no-worse ones', () => {
  const g = new RegretGuard({ margin: 0.05, returnMargin: 0, windows: 2, returnWindows: 3, minDwellMs: 0 });
  const ev = harness(g);
  let d = ev(104_000); // +4%: inside the margin
  assert.equal(d.action, 'hold');
  assert.match(d.reason, /regret \+4\.0%\): within the 5% margin: stay on learned/);
  d = ev(120_000);
  assert.equal(d.action, 'hold');
  assert.equal(d.streak, 1);
  assert.match(d.reason, /worse by over the margin 1\/2 evaluations in a row: hold/);
  d = ev(120_000);
  assert.equal(d.action, 'fallback');
  assert.equal(d.active, 'fallback');
  assert.ok(Math.abs(d.jctRegret - 0.2) < 1e-12);
  assert.match(d.reason, /avg JCT learned 2\.0 min vs fallback 1\.7 min \(regret \+20\.0%\): worse by over the margin in 2 evaluations in a row: fall back/);
  // On the fallback: no worse twice, then worse again resets the return streak.
  assert.equal(ev(100_000).streak, 1);
  assert.equal(ev(99_000).streak, 2);
  d = ev(103_000); // +3%: in the dead band (0% < 3% <= 5%): stays on the fallback, streak reset
  assert.equal(d.action, 'hold');
  assert.equal(d.active, 'fallback');
  assert.equal(d.streak, 0);
  assert.match(d.reason, /not back within 0%: stay on the fallback/);
  assert.equal(ev(100_000).action, 'hold');
  assert.equal(ev(100_000).action, 'hold');
  d = ev(100_000);
  assert.equal(d.action, 'return');
  assert.equal(d.active, 'learned');
  assert.match(d.reason, /no worse in 3 evaluations in a row: return to the learned policy/);
});

test('regret guard: alternating evidence never flaps; the dwell time spaces switches', () => {
  const clock = new ManualClock(0);
  const g = new RegretGuard({ margin: 0.05, windows: 2, returnWindows: 2, minDwellMs: 60 * MIN });
  const ev = harness(g, clock);
  // Worse, fine, worse, fine ...: no two in a row, so no switch at all.
  for (let i = 0; i < 10; i++) assert.equal(ev(i % 2 === 0 ? 150_000 : 100_000).action, 'hold');
  assert.equal(g.active, 'learned');
  // Regret just inside the dead band forever: holds on either side.
  for (let i = 0; i < 5; i++) assert.equal(ev(104_000).action, 'hold');
  ev(150_000);
  const fell = ev(150_000);
  assert.equal(fell.action, 'fallback');
  // No worse at once, but the dwell (60 min from the switch) holds the return back.
  let d = ev(90_000);
  d = ev(90_000);
  assert.equal(d.action, 'hold');
  assert.match(d.reason, /no worse 2 evaluations in a row, but the last switch was 10\.0 min ago \(dwell 60\.0 min\): hold/);
  let returnedAt = -1;
  for (let i = 0; i < 20 && returnedAt < 0; i++) if (ev(90_000).action === 'return') returnedAt = clock.now();
  assert.ok(returnedAt - fell.at >= 60 * MIN, 'returned only after the dwell time');
});

test('regret guard: deadline misses count when configured; no evidence holds and resets', () => {
  const g = new RegretGuard({ margin: 0.05, missMargin: 0.1, windows: 1, returnWindows: 1, minDwellMs: 0 });
  // Same avg JCT, 3 more misses out of 10 runs with deadlines (30% > 10%): falls back.
  let d = g.observe({ atMs: 1, learned: jct(100_000, 5, 10), fallback: jct(100_000, 2, 10) });
  assert.equal(d.action, 'fallback');
  assert.ok(Math.abs(d.missRegret - 0.3) < 1e-12);
  assert.match(d.reason, /deadline misses 5 vs 2 of 10/);
  // Returns only when misses are no worse too, not on avg JCT alone.
  assert.equal(g.observe({ atMs: 2, learned: jct(90_000, 3, 10), fallback: jct(100_000, 2, 10) }).action, 'hold');
  assert.equal(g.observe({ atMs: 3, learned: jct(90_000, 2, 10), fallback: jct(100_000, 2, 10) }).action, 'return');
  // Misses ignored without missMargin.
  const plain = new RegretGuard({ windows: 1, minDwellMs: 0 });
  assert.equal(plain.observe({ atMs: 1, learned: jct(100_000, 9, 10), fallback: jct(100_000, 0, 10) }).action, 'hold');
  // A replay where nothing finished: hold, streak reset.
  const h = new RegretGuard({ windows: 2, minDwellMs: 0 });
  assert.equal(h.observe({ atMs: 1, learned: jct(200_000), fallback: jct(100_000) }).streak, 1);
  d = h.observe({ atMs: 2, learned: jct(Number.NaN), fallback: jct(100_000) });
  assert.equal(d.action, 'hold');
  assert.equal(h.streak, 0);
  assert.match(d.reason, /no finished run in the replay/);
  assert.throws(() => new RegretGuard({ margin: 0.05, returnMargin: 0.1 }), /returnMargin/);
  assert.throws(() => new RegretGuard({ windows: 0 }), /windows/);
});
