/** The per-worker circuit breaker: opens on a failure rate or a run of failures, probes back after a cool-down. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { BreakerSet } from '../../src/learn/breaker/circuit-breaker.js';

test('closed -> open on the failure rate over the window, with the numbers in the reason', () => {
  const c = new ManualClock(0);
  const b = new BreakerSet({ windowMs: 10_000, minRequests: 4, failureRate: 0.5, consecutiveFailures: 0, coolDownMs: 5000 });
  assert.equal(b.record('w1', true, c.now()), null);
  c.advance(100);
  assert.equal(b.record('w1', false, c.now()), null);
  c.advance(100);
  assert.equal(b.record('w1', true, c.now()), null);
  c.advance(100);
  const t = b.record('w1', false, c.now());
  assert.ok(t !== null);
  assert.equal(t.to, 'open');
  assert.match(t.reason, /2\/4 attempts failed .*50% >= 50%/);
  assert.equal(b.allows('w1'), false);
  assert.equal(b.allows('w2'), true, 'other keys are independent');
});

test('old results leave the window: spread-out failures never open it', () => {
  const c = new ManualClock(0);
  const b = new BreakerSet({ windowMs: 1000, minRequests: 3, failureRate: 0.5, consecutiveFailures: 0 });
  for (let i = 0; i < 100; i++) {
    assert.equal(b.record('w', false, c.now()), null);
    c.advance(600);
    assert.equal(b.record('w', true, c.now()), null);
    assert.equal(b.record('w', true, c.now()), null);
    c.advance(600);
  }
  assert.equal(b.state('w'), 'closed');
});

test('consecutive failures open it before minRequests of rate', () => {
  const b = new BreakerSet({ minRequests: 100, consecutiveFailures: 3 });
  b.record('w', false, 0);
  b.record('w', false, 1);
  const t = b.record('w', false, 2);
  assert.equal(t?.to, 'open');
  assert.match(t!.reason, /3 failures in a row/);
});

test('open -> half_open after the cool-down; probes close it; a failed probe reopens with a doubled cool-down', () => {
  const c = new ManualClock(0);
  const b = new BreakerSet({ consecutiveFailures: 2, coolDownMs: 1000, probes: 2, maxCoolDownMs: 3000 });
  b.record('w', false, 0);
  assert.equal(b.record('w', false, 0)?.to, 'open');
  c.set(999);
  assert.deepEqual(b.tick(c.now()), [], 'not before the cool-down');
  assert.equal(b.record('w', true, c.now()), null, 'a late result while open changes nothing');
  c.set(1000);
  const [h] = b.tick(c.now());
  assert.equal(h?.to, 'half_open');
  assert.equal(b.allows('w'), true);
  // A failed probe: open again for 2 s.
  const re = b.record('w', false, c.now());
  assert.equal(re?.to, 'open');
  assert.match(re!.reason, /open again for 2 s/);
  c.advance(1999);
  assert.deepEqual(b.tick(c.now()), []);
  c.advance(1);
  assert.equal(b.tick(c.now())[0]?.to, 'half_open');
  assert.equal(b.record('w', true, c.now()), null, 'one probe of two');
  const closed = b.record('w', true, c.now());
  assert.equal(closed?.to, 'closed');
  assert.equal(b.states(c.now())[0]!.opens, 2);
  // The cool-down was reset by the close: the next open lasts 1 s again.
  b.record('w', false, c.now());
  b.record('w', false, c.now());
  assert.equal(b.states(c.now())[0]!.probeAt, c.now() + 1000);
  assert.deepEqual(b.transitions.map((t) => t.to), ['open', 'half_open', 'open', 'half_open', 'closed', 'open']);
});

test('cool-down doubling stops at maxCoolDownMs', () => {
  const c = new ManualClock(0);
  const b = new BreakerSet({ consecutiveFailures: 1, coolDownMs: 1000, maxCoolDownMs: 3000 });
  b.record('w', false, 0);
  for (let i = 0; i < 5; i++) {
    c.advance(10_000);
    b.tick(c.now());
    b.record('w', false, c.now());
  }
  assert.equal(b.states(c.now())[0]!.probeAt! - c.now(), 3000);
});

test('invalid settings are refused', () => {
  assert.throws(() => new BreakerSet({ failureRate: 0 }), /failureRate/);
  assert.throws(() => new BreakerSet({ probes: 0 }), /probes/);
});
