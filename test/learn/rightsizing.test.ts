/** Right-sizing recommender (VPA-like decaying histograms) and the sizing decisions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { RightSizingRecommender } from '../../src/learn/rightsizing/recommender.js';
import { afterOom, applied } from '../../src/learn/rightsizing/sizing.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

test('recommends percentile x (1 + margin) of peak memory and average cpu; confident after minSamples', () => {
  const c = new ManualClock(0);
  const r = new RightSizingRecommender({ margin: 0.15, minSamples: 3 });
  const declared = { cpu: 4, memory: 2 * GiB };
  assert.equal(r.observe('ns/wf/t', { wallMs: 1000, declared }, c.now()), false, 'nothing measured: nothing learned');
  r.observe('ns/wf/t', { peakRssBytes: 100 * MiB, cpuMs: 500, wallMs: 1000, declared }, c.now());
  let rec = r.recommend('ns/wf/t')!;
  assert.equal(rec.confident, false);
  assert.equal(rec.memory!.target, 100 * MiB * 1.15, 'a constant gives that constant (x margin)');
  assert.equal(rec.cpu!.target, 0.5 * 1.15);
  assert.deepEqual(rec.declared, { cpu: 4, memory: 2 * GiB });
  for (let i = 0; i < 9; i++) {
    c.advance(60_000);
    r.observe('ns/wf/t', { peakRssBytes: (100 + 10 * i) * MiB, cpuMs: 500, wallMs: 1000, declared }, c.now());
  }
  rec = r.recommend('ns/wf/t')!;
  assert.equal(rec.confident, true);
  assert.equal(rec.samples, 10);
  assert.ok(rec.memory!.lower <= rec.memory!.target && rec.memory!.target <= rec.memory!.upper);
  assert.ok(rec.memory!.target > 150 * MiB * 1.15 && rec.memory!.target <= 180 * MiB * 1.15, `p90 target ${rec.memory!.target / MiB}`);
  assert.equal(r.recommend('other'), null);
});

test('time decay follows a change of use within a few half-lives', () => {
  const c = new ManualClock(0);
  const r = new RightSizingRecommender({ halfLifeMs: 3600_000, margin: 0 });
  for (let i = 0; i < 50; i++) (r.observe('s', { peakRssBytes: 1 * GiB, wallMs: 1, declared: {} }, c.now()), c.advance(60_000));
  // The task now needs 200 MiB. After 5 half-lives of new samples the old level is ~3% of the weight.
  for (let i = 0; i < 300; i++) (r.observe('s', { peakRssBytes: 200 * MiB, wallMs: 1, declared: {} }, c.now()), c.advance(60_000));
  assert.equal(r.recommend('s')!.memory!.target, 200 * MiB);
});

test('an OOM kill pushes the recommendation above the limit it was killed at', () => {
  const r = new RightSizingRecommender({ margin: 0, targetPercentile: 0.9 });
  for (let i = 0; i < 5; i++) r.observe('s', { peakRssBytes: 100 * MiB, wallMs: 1, declared: { memory: 128 * MiB } }, i);
  r.observeOom('s', 128 * MiB, 10);
  const rec = r.recommend('s')!;
  assert.equal(rec.ooms, 1);
  assert.equal(rec.memory!.upper, 228 * MiB, 'max(1.2 x 128, 128 + 100) MiB');
});

test('round trip through JSON keeps the recommendations; bad input is refused', () => {
  const r = new RightSizingRecommender();
  r.observe('a', { peakRssBytes: 300 * MiB, cpuMs: 2000, wallMs: 1000, declared: { cpu: 1 } }, 5);
  r.observeOom('b', 64 * MiB, 6);
  const back = RightSizingRecommender.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
  assert.deepEqual(back.all(), r.all());
  assert.throws(() => RightSizingRecommender.fromJSON({ kind: 'x' }), /not a kairos.rightsizing/);
  assert.throws(() => RightSizingRecommender.fromJSON({ kind: 'kairos.rightsizing', version: 1, signatures: [['a', { samples: -1 }]] }), /invalid/);
});

test('bounded: least recently observed signatures are evicted', () => {
  const r = new RightSizingRecommender({ maxSignatures: 10 });
  for (let i = 0; i < 25; i++) r.observe(`s${i}`, { peakRssBytes: MiB * 20, wallMs: 1, declared: {} }, i);
  assert.ok(r.size <= 10);
  assert.ok(r.recommend('s24') !== null);
});

test('applied: confident recommendations replace declared dimensions only', () => {
  const r = new RightSizingRecommender({ margin: 0, minSamples: 2 });
  const declared = { cpu: 2, memory: GiB, slots: 1 };
  r.observe('s', { peakRssBytes: 100 * MiB, cpuMs: 250, wallMs: 1000, declared }, 0);
  assert.equal(applied(declared, r.recommend('s')).changed, false, 'not confident yet');
  r.observe('s', { peakRssBytes: 100 * MiB, cpuMs: 250, wallMs: 1000, declared }, 1);
  const a = applied(declared, r.recommend('s'));
  assert.deepEqual(a.resources, { cpu: 0.25, memory: 100 * MiB, slots: 1 });
  assert.match(a.reason, /memory 1024 MiB -> 100 MiB, cpu 2 -> 0.25/);
  const onlyCpu = applied({ cpu: 2 }, r.recommend('s'));
  assert.deepEqual(onlyCpu.resources, { cpu: 0.25 }, 'memory not declared: not added');
});

test('afterOom: x growth, at least the upper bound, capped; null at the cap', () => {
  const g = { growth: 2, capBytes: GiB };
  assert.equal(afterOom(100 * MiB, null, g)!.memory, 200 * MiB);
  assert.equal(afterOom(600 * MiB, null, g)!.memory, GiB);
  assert.match(afterOom(600 * MiB, null, g)!.reason, /capped/);
  assert.equal(afterOom(GiB, null, g), null);
  const rec = { signature: 's', samples: 3, ooms: 1, declared: { cpu: null, memory: null }, cpu: null, memory: { lower: 1, target: 2, upper: 300 * MiB }, confident: true, lastAt: 0 };
  assert.equal(afterOom(100 * MiB, rec, g)!.memory, 300 * MiB);
});
