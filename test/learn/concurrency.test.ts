// Adaptive concurrency controllers with a fake clock: the gradient limiter decreases past a knee
// and recovers, AIMD halves on errors, bounds hold, decisions carry reasons, and (fast-check)
// arbitrary sample streams never give NaN or an out-of-bounds limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AimdLimiter, GradientLimiter, createConcurrencyController, type ConcurrencyController } from '../../src/learn/concurrency/index.js';

/** Feeds `windows` full windows of 20 samples at the controller's limit, latency from `lat(limit)`. */
function drive(c: ConcurrencyController, clock: { t: number }, windows: number, lat: (inflight: number) => number, ok = (_i: number) => true): void {
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < 20; i++) {
      clock.t += 10;
      c.observe({ latencyMs: lat(c.limit), ok: ok(i), inflight: c.limit, atMs: clock.t });
    }
  }
}
const knee = (k: number) => (n: number) => 100 * (1 + Math.max(0, n - k) ** 2 / 4);

test('gradient: grows while latency is flat, decreases past the knee, recovers when latency falls', () => {
  const clock = { t: 0 };
  const c = new GradientLimiter({ initialLimit: 10 });
  drive(c, clock, 60, knee(20));
  assert.ok(c.limit >= 19 && c.limit <= 23, `settles near the knee 20, got ${c.limit}`);
  assert.ok(c.decisions.some((d) => d.rule === 'increase' && /increase/.test(d.reason)));
  // The service gets a lower knee: latency rises at the current limit, the limit must fall.
  const before = c.limit;
  drive(c, clock, 60, knee(10));
  assert.ok(c.limit <= 13, `falls toward the new knee 10, got ${c.limit} (was ${before})`);
  const dec = c.decisions.find((d) => d.rule === 'gradient' && d.to < d.from);
  assert.ok(dec, 'a gradient decrease was recorded');
  assert.match(dec!.reason, /latency gradient 0\.\d+ < 1 .*: decrease/);
  // The knee moves back up: latency falls, the limit recovers.
  drive(c, clock, 100, knee(20));
  assert.ok(c.limit >= 18, `recovers toward 20, got ${c.limit}`);
});

test('gradient: holds on app-limited windows and during warm-up', () => {
  const clock = { t: 0 };
  const c = new GradientLimiter({ initialLimit: 40 });
  for (let i = 0; i < 200; i++) c.observe({ latencyMs: 100, ok: true, inflight: 3, atMs: (clock.t += 10) });
  assert.equal(c.limit, 40);
  assert.match(c.lastReason, /app-limited: max inflight 3\.00 < 0\.50 x limit 40/);
});

test('gradient: a p95 over the target backs off even without a gradient', () => {
  const clock = { t: 0 };
  const c = new GradientLimiter({ initialLimit: 20, objective: { p95TargetMs: 50 } });
  drive(c, clock, 3, () => 100);
  assert.ok(c.limit < 20);
  assert.equal(c.decisions[0]!.rule, 'latency-target');
  assert.match(c.decisions[0]!.reason, /p95 100 ms > target 50\.0 ms: x0\.90/);
});

test('aimd: halves on errors, adds one on healthy windows, backs off over the target', () => {
  const clock = { t: 0 };
  const c = new AimdLimiter({ initialLimit: 40, objective: { p95TargetMs: 200, maxErrorRate: 0.05 } });
  drive(c, clock, 1, () => 100, (i) => i % 4 !== 0); // 25% errors
  assert.equal(c.limit, 20);
  assert.equal(c.decisions.at(-1)!.rule, 'errors');
  assert.match(c.decisions.at(-1)!.reason, /error rate 5\/20 = 25\.0% > 5\.00%: x0\.50/);
  drive(c, clock, 3, () => 100);
  assert.equal(c.limit, 23);
  assert.match(c.decisions.at(-1)!.reason, /p95 100 ms <= target 200 ms, errors 0\.00%: \+1/);
  drive(c, clock, 1, () => 300);
  assert.equal(c.limit, 20); // floor(23 x 0.9)
  assert.equal(c.decisions.at(-1)!.rule, 'latency-target');
});

test('limits stay within bounds: errors cannot push below min, growth stops at max', () => {
  const clock = { t: 0 };
  const a = new AimdLimiter({ initialLimit: 8, minLimit: 3, maxLimit: 12 });
  drive(a, clock, 10, () => 10, () => false);
  assert.equal(a.limit, 3);
  drive(a, clock, 50, () => 10);
  assert.equal(a.limit, 12);
  const g = new GradientLimiter({ initialLimit: 8, minLimit: 4, maxLimit: 9 });
  drive(g, clock, 50, () => 10);
  assert.equal(g.limit, 9);
  drive(g, clock, 50, (n) => 10 * n * n);
  assert.ok(g.limit >= 4 && g.limit <= 9);
});

test('a slow pool still decides: a window closes after maxWindowMs with minWindowSamples', () => {
  const c = new AimdLimiter({ initialLimit: 10, maxWindowMs: 1000, minWindowSamples: 3 });
  for (let i = 0; i < 3; i++) c.observe({ latencyMs: 5, ok: true, inflight: 10, atMs: i * 600 });
  assert.equal(c.windows, 1);
  assert.equal(c.limit, 11);
});

test('invalid samples are refused and change nothing; bad settings throw', () => {
  const c = new GradientLimiter();
  for (const s of [
    { latencyMs: NaN, ok: true, inflight: 1, atMs: 0 },
    { latencyMs: -1, ok: true, inflight: 1, atMs: 0 },
    { latencyMs: 1, ok: true, inflight: Infinity, atMs: 0 },
    { latencyMs: 1, ok: true, inflight: 1, atMs: NaN },
    { latencyMs: 1, ok: 'yes' as unknown as boolean, inflight: 1, atMs: 0 },
  ]) assert.equal(c.observe(s), false);
  assert.throws(() => new GradientLimiter({ minLimit: 5, initialLimit: 2 }), /initialLimit/);
  assert.throws(() => new AimdLimiter({ errorBackoff: 1 }), /errorBackoff/);
  assert.throws(() => new GradientLimiter({ objective: { maxErrorRate: 2 } }), /maxErrorRate/);
  assert.throws(() => createConcurrencyController({ kind: 'nope' } as never), /unknown/);
  assert.equal(createConcurrencyController({ kind: 'aimd', initialLimit: 7 }).limit, 7);
});

test('decisions are bounded by maxDecisions', () => {
  const c = new AimdLimiter({ initialLimit: 1, maxLimit: 1000, maxDecisions: 5 });
  drive(c, { t: 0 }, 30, () => 1);
  assert.equal(c.decisions.length, 5);
  assert.equal(c.decisions.at(-1)!.to, 31);
});

const sample = fc.record({
  latencyMs: fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.double(), fc.constantFrom(0, 1e308, -0, NaN, Infinity)),
  ok: fc.oneof(fc.boolean(), fc.boolean(), fc.constant(undefined as unknown as boolean)),
  inflight: fc.oneof(fc.nat(5000), fc.double()),
  atMs: fc.oneof(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.constantFrom(NaN, Infinity)),
});

test('property: any sample stream keeps every limit an integer within bounds, never NaN', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<'gradient' | 'aimd'>('gradient', 'aimd'),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 200 }),
      fc.option(fc.double({ min: 0.001, max: 1e6, noNaN: true })),
      fc.array(sample, { maxLength: 400 }),
      (kind, min, span, target, samples) => {
        const max = min + span;
        const opts = { minLimit: min, maxLimit: max, initialLimit: min + span / 2, windowSamples: 7, minWindowSamples: 2, maxWindowMs: 100, ...(target !== null ? { objective: { p95TargetMs: target } } : {}) };
        const c = createConcurrencyController({ kind, ...opts });
        for (const s of samples) {
          c.observe(s);
          assert.ok(Number.isInteger(c.limit) && c.limit >= min && c.limit <= max, `limit ${c.limit} not in [${min}, ${max}]`);
        }
        for (const d of c.decisions) {
          assert.ok(Number.isInteger(d.to) && d.to >= min && d.to <= max && d.from !== d.to);
          assert.ok(d.reason.length > 0 && !/NaN/.test(d.reason), d.reason);
        }
        if (c instanceof GradientLimiter) assert.ok(Number.isNaN(c.longMs) || c.longMs >= 0);
      },
    ),
    { numRuns: 300 },
  );
});
