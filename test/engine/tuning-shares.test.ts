/**
 * Priority-share tuning wired into the engine (`autoShares`), driven by a fake clock: tasks run
 * until the test releases them, and the clock moves only when the test says so, so every wait
 * the tuner sees is exact and the outcome does not depend on the machine's speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import type { TuningDecision } from '../../src/engine/tuning-log.js';
import { spec, testEngine } from './helpers.js';

function gate(): { fn: () => Promise<void>; open(): number; inFlight(): number } {
  const waiting: (() => void)[] = [];
  return {
    fn: () => new Promise<void>((r) => waiting.push(r)),
    open: () => waiting.splice(0).map((r) => r()).length,
    inFlight: () => waiting.length,
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const wf = (name: string, priority: string, n: number): string =>
  `name: ${name}\npriority: ${priority}\ntasks:\n` + Array.from({ length: n }, (_, i) => `  t${i}:\n    fn: work\n    resources: {cpu: 1}`).join('\n') + '\n';

test('autoShares: high priority misses its p95 wait objective under 50/50 shares; the tuner moves share to it, with a reason', async () => {
  const g = gate();
  const clock = new ManualClock(1_000_000);
  const t = testEngine({
    functions: new Map([['work', g.fn]]),
    clock,
    capacity: { cpu: 2, memory: 2 ** 30 },
    scheduler: { policy: 'wrr', settings: { shares: { high: 0.5, normal: 0.5 } } },
    autoShares: { objectives: { high: '10s' }, window: '60s', minSamples: 4 },
  });
  try {
    const decisions: TuningDecision[] = [];
    t.engine.on('tuning', (d) => decisions.push(d));
    const high = await t.engine.submit(spec(wf('hi', 'high', 30)));
    const normal = await t.engine.submit(spec(wf('lo', 'normal', 30)));
    // Two slots; every 5 s of fake time both running tasks finish and two more start.
    for (let step = 0; step < 30 && decisions.length === 0; step++) {
      await until(() => g.inFlight() === 2, 'two tasks running');
      clock.advance(5000);
      g.open();
    }
    assert.ok(decisions.length >= 1, 'a share decision was made');
    const d = decisions[0]!;
    assert.equal(d.tuner, 'shares');
    assert.equal(d.action, 'move');
    assert.match(d.reason, /^high p95 wait \d+ s > objective 10 s \(\+20%\): 0\.050 of share from normal/);
    const to = d.to as Record<string, number>;
    assert.ok(to.high! > 0.5 && to.normal! < 0.5, `high gains share: ${JSON.stringify(to)}`);
    // Applied to the scheduler, recorded in the log and the state.
    const shares = (t.engine.scheduler.config.settings as { shares: Record<string, number> }).shares;
    assert.equal(shares.high, to.high);
    assert.equal(t.engine.selfTuning.log.recent().at(-1), d);
    const st = t.engine.selfTuning.state();
    assert.equal(st.shares.enabled, true);
    assert.equal((st.shares as { changes: number }).changes, decisions.length);
    // Drain the rest so the runs finish.
    for (let i = 0; i < 100 && g.inFlight() + t.engine.scheduler.queuedCount > 0; i++) {
      await until(() => g.inFlight() > 0 || t.engine.scheduler.queuedCount === 0, 'work');
      clock.advance(5000);
      g.open();
    }
    assert.equal((await t.engine.wait(high.id)).state, 'succeeded');
    assert.equal((await t.engine.wait(normal.id)).state, 'succeeded');
  } finally {
    await t.close();
  }
});

test('autoShares: within the objective nothing moves; the latest reason says hold', async () => {
  const g = gate();
  const clock = new ManualClock(1_000_000);
  const t = testEngine({
    functions: new Map([['work', g.fn]]),
    clock,
    capacity: { cpu: 2, memory: 2 ** 30 },
    scheduler: { policy: 'wrr', settings: { shares: { high: 0.5, normal: 0.5 } } },
    autoShares: { objectives: { high: '10m', normal: '10m' }, window: '20s', minSamples: 2 },
  });
  try {
    const decisions: TuningDecision[] = [];
    t.engine.on('tuning', (d) => decisions.push(d));
    const run = await t.engine.submit(spec(wf('both', 'high', 12)));
    for (let i = 0; i < 6; i++) {
      await until(() => g.inFlight() === 2, 'two tasks running');
      clock.advance(5000);
      g.open();
    }
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    assert.equal(decisions.length, 0);
    const st = t.engine.selfTuning.state().shares as { lastReason: string; windows: number };
    assert.ok(st.windows >= 1);
    assert.match(st.lastReason, /within its objective .*: hold/);
  } finally {
    await t.close();
  }
});

test('autoShares: bad objectives are refused naming the field', () => {
  assert.throws(() => testEngine({ autoShares: { objectives: { urgent: '1s' } } }), /autoShares\.objectives\.urgent: levels are high, normal and low/);
  assert.throws(() => testEngine({ autoShares: { objectives: { high: 'soon' } } }), /autoShares\.objectives\.high/);
});
