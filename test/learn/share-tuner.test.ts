// Priority-share tuner: moves toward the objectives, respects bounds, holds inside the hysteresis
// band, damps oscillation, and never leaves its bounds or produces NaN (fast-check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ShareTuner, withShares, quantileNearestRank } from '../../src/learn/share-tuner.js';
import { SeededRng } from '../../src/core/clock.js';

const fill = (n: number, v: number): number[] => Array.from({ length: n }, () => v);
const base = { initial: { high: 0.9, normal: 0.1 }, objectives: { high: 30_000, normal: 60_000 } };

test('moves share toward the level that misses its objective, with a reason', () => {
  const t = new ShareTuner(base);
  const d = t.observe({ atMs: 60_000, waits: { high: fill(50, 5_000), normal: fill(50, 200_000) } });
  assert.equal(d.changed, true);
  assert.deepEqual(d.to, { high: 0.85, normal: 0.15 });
  assert.match(d.reason, /normal p95 wait 200 s > objective 60 s \(\+20%\): 0\.050 of share from high \(p95 5\.0 s, objective 30 s\)/);
  assert.equal(t.decisions.length, 1);
  assert.equal(d.levels['normal']!.ratio, 200_000 / 60_000);
});

test('holds still inside the hysteresis band, and with too few samples', () => {
  const t = new ShareTuner(base);
  // normal at 1.15x its objective: inside the +20% band.
  let d = t.observe({ atMs: 1, waits: { high: fill(50, 5_000), normal: fill(50, 69_000) } });
  assert.equal(d.changed, false);
  assert.match(d.reason, /within its objective/);
  d = t.observe({ atMs: 2, waits: { high: fill(50, 5_000), normal: fill(5, 600_000) } });
  assert.equal(d.changed, false);
  assert.match(d.reason, /normal: 5 < 20 samples/);
  assert.deepEqual(t.shares, base.initial);
});

test('respects bounds: stops at the recipient max and the donor min', () => {
  const t = new ShareTuner({ ...base, bounds: { high: { min: 0.7, max: 0.95 }, normal: { min: 0.05, max: 0.25 } } });
  for (let i = 0; i < 20; i++) t.observe({ atMs: i, waits: { high: fill(50, 1_000), normal: fill(50, 600_000) } });
  assert.deepEqual(t.shares, { high: 0.75, normal: 0.25 });
  const d = t.observe({ atMs: 99, waits: { high: fill(50, 1_000), normal: fill(50, 600_000) } });
  assert.match(d.reason, /upper bound: hold/);
  const t2 = new ShareTuner({ ...base, bounds: { high: { min: 0.8, max: 0.95 }, normal: { min: 0.05, max: 0.5 } } });
  for (let i = 0; i < 20; i++) t2.observe({ atMs: i, waits: { high: fill(50, 1_000), normal: fill(50, 600_000) } });
  assert.deepEqual(t2.shares, { high: 0.8, normal: 0.2 });
});

test('does not take from a level that has no slack relative to the recipient', () => {
  const t = new ShareTuner(base);
  // Both miss by about the same factor: moving share would only swap who misses.
  const d = t.observe({ atMs: 1, waits: { high: fill(50, 60_000), normal: fill(50, 130_000) } });
  assert.equal(d.changed, false);
  assert.match(d.reason, /no level with data has both slack/);
});

test('a level without an objective gives share; unknown levels in waits are ignored', () => {
  const t = new ShareTuner({ initial: { high: 0.5, normal: 0.3, low: 0.2 }, objectives: { normal: 10_000 } });
  const d = t.observe({ atMs: 1, waits: { high: fill(30, 1), normal: fill(30, 50_000), low: fill(30, 1), other: fill(30, 9) } });
  assert.equal(d.changed, true);
  assert.equal(d.to['normal'], 0.35);
  assert.equal(Math.round((d.to['high']! + d.to['low']!) * 1e6) / 1e6, 0.65);
});

test('never oscillates on noise: a plant around the objective settles, reversals shrink the step', () => {
  // normal's p95 falls as its share grows: p95 = 60 s x (0.3 / share), with +-30% noise per window.
  const rng = new SeededRng(7);
  const t = new ShareTuner({ ...base, bounds: { high: { min: 0.4, max: 0.95 }, normal: { min: 0.05, max: 0.6 } } });
  const trajectory: number[] = [];
  for (let w = 0; w < 500; w++) {
    const s = t.shares['normal']!;
    const noise = 1 + 0.3 * (2 * rng.next() - 1);
    const p95 = 60_000 * (0.3 / s) * noise;
    t.observe({ atMs: w * 60_000, waits: { high: fill(40, 10_000 * (0.9 / t.shares['high']!)), normal: fill(40, p95) } });
    trajectory.push(t.shares['normal']!);
  }
  const late = trajectory.slice(250);
  const spread = Math.max(...late) - Math.min(...late);
  assert.ok(spread <= 0.1, `settled: normal share spread ${spread.toFixed(3)} in the last 250 windows`);
  assert.ok(t.decisions.length < 40, `few moves: ${t.decisions.length}`);
  // And pure noise inside the band never moves anything.
  const still = new ShareTuner(base);
  for (let w = 0; w < 1000; w++) {
    const n = 1 + 0.19 * (2 * rng.next() - 1);
    still.observe({ atMs: w, waits: { high: fill(40, 30_000 * n), normal: fill(40, 60_000 * n) } });
  }
  assert.equal(still.decisions.length, 0);
});

test('a reversal halves the step; repeating a direction doubles it back', () => {
  const t = new ShareTuner(base);
  const miss = { high: fill(50, 1_000), normal: fill(50, 600_000) };
  const back = { high: fill(50, 600_000), normal: fill(50, 1_000) };
  t.observe({ atMs: 1, waits: miss }); // +0.05 normal
  const r = t.observe({ atMs: 2, waits: back }); // reversal: step 0.025
  assert.equal(r.step, 0.025);
  assert.deepEqual(r.to, { high: 0.875, normal: 0.125 });
  assert.equal(t.observe({ atMs: 3, waits: back }).step, 0.05);
});

test('withShares keeps other settings; quantile is nearest rank', () => {
  const c = withShares({ policy: 'wrr', settings: { levels: 'bands', shares: { high: 0.9, normal: 0.1, low: 0.01 } } }, { high: 0.7, normal: 0.3 });
  assert.deepEqual(c.settings, { levels: 'bands', shares: { high: 0.7, normal: 0.3, low: 0.01 } });
  assert.equal(quantileNearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 0.95), 19);
  assert.throws(() => new ShareTuner({ initial: { high: 1 }, objectives: {} }), /two levels/);
  assert.throws(() => new ShareTuner({ ...base, objectives: { nope: 5 } }), /not a level/);
});

test('property: arbitrary windows keep shares within bounds, the sum constant, no NaN', () => {
  const waits = fc.array(fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double(), fc.constant(NaN)), { maxLength: 60 });
  fc.assert(
    fc.property(
      fc.double({ min: 0.01, max: 0.3, noNaN: true }),
      fc.array(fc.record({ atMs: fc.double(), high: waits, normal: waits, low: waits }), { maxLength: 80 }),
      (lo, windows) => {
        const bounds = { high: { min: lo, max: 0.95 }, normal: { min: lo, max: 0.6 }, low: { min: lo, max: 0.5 } };
        const t = new ShareTuner({ initial: { high: 0.6, normal: 0.3, low: 0.1 }, objectives: { high: 1000, normal: 5000 }, bounds, minSamples: 3 });
        const sum0 = Object.values(t.shares).reduce((a, b) => a + b, 0);
        for (const w of windows) {
          const d = t.observe({ atMs: w.atMs, waits: { high: w.high, normal: w.normal, low: w.low } });
          for (const [k, v] of Object.entries(d.to)) {
            const b = bounds[k as keyof typeof bounds];
            assert.ok(Number.isFinite(v) && v >= b.min - 1e-9 && v <= b.max + 1e-9, `${k} = ${v}`);
          }
          const sum = Object.values(d.to).reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(sum - sum0) < 1e-5, `sum ${sum} != ${sum0}`);
          assert.ok(!/NaN/.test(d.reason) || !d.changed, d.reason);
        }
      },
    ),
    { numRuns: 300 },
  );
});
