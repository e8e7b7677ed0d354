/**
 * The what-if automatic mode: the switch hysteresis (margin, consecutive windows, cooldown) as
 * pure logic with a fake clock, then the engine glue on a hand-built FIFO history (real SQLite)
 * where the twin predicts SJF to be much better: it switches on the N-th evaluation, not before,
 * records the reason as a `tuning` decision, and holds afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { ManualClock } from '../../src/core/clock.js';
import { Engine } from '../../src/engine/engine.js';
import { WhatIfAuto } from '../../src/engine/whatif-auto.js';
import type { TuningDecision } from '../../src/engine/tuning-log.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { PolicySwitcher } from '../../src/learn/policy-switcher.js';
import { contendedHistory, tempDir, writeHistory } from './whatif-fixture.js';

const MIN = 60_000;

test('switcher: needs the same challenger to win by the margin in N evaluations in a row, then respects the cooldown', () => {
  const s = new PolicySwitcher({ margin: 0.1, windows: 3, cooldownMs: 60 * MIN });
  const clock = new ManualClock(0);
  const ev = (cur: number, others: Record<string, number>, current = 'fifo') => {
    clock.advance(10 * MIN);
    return s.observe({ atMs: clock.now(), current, scores: [{ label: current, value: cur }, ...Object.entries(others).map(([label, value]) => ({ label, value }))] });
  };
  // 5% better: inside the margin.
  let d = ev(100_000, { sjf: 95_000 });
  assert.equal(d.switch, false);
  assert.match(d.reason, /sjf 1\.6 min vs fifo 1\.7 min \(-5\.0%\): not better by the 10% margin: hold/);
  assert.equal(ev(100_000, { sjf: 80_000 }).streak, 1);
  assert.equal(ev(100_000, { sjf: 80_000 }).streak, 2);
  // Another challenger wins this time: the streak restarts with it.
  d = ev(100_000, { sjf: 95_000, edf: 70_000 });
  assert.equal(d.challenger, 'edf');
  assert.equal(d.streak, 1);
  assert.equal(ev(100_000, { edf: 70_000 }).switch, false);
  d = ev(100_000, { edf: 70_000 });
  assert.equal(d.switch, true);
  assert.equal(d.to, 'edf');
  assert.match(d.reason, /better by over 10% in 3 evaluations in a row: switch to edf/);
  // Now on edf; fifo looks better 3 times, but within the cooldown (60 min from the switch).
  for (let i = 0; i < 3; i++) d = ev(100_000, { fifo: 50_000 }, 'edf');
  assert.equal(d.switch, false);
  assert.match(d.reason, /cooldown 60\.0 min\): hold/);
  for (let i = 0; i < 3 && !d.switch; i++) d = ev(100_000, { fifo: 50_000 }, 'edf');
  assert.equal(d.switch, true, 'allowed once the cooldown has passed');
  assert.ok(d.at >= 60 * 60_000 + 60 * MIN);
});

test('switcher: an unscored current policy or NaN scores hold; counts read as counts', () => {
  const s = new PolicySwitcher({ windows: 1, unit: 'count' });
  assert.match(s.observe({ atMs: 0, current: 'fifo', scores: [{ label: 'edf', value: 1 }] }).reason, /no score for the current policy fifo/);
  assert.match(s.observe({ atMs: 0, current: 'fifo', scores: [{ label: 'fifo', value: 3 }, { label: 'edf', value: NaN }] }).reason, /no alternative scored/);
  const d = s.observe({ atMs: 0, current: 'fifo', scores: [{ label: 'fifo', value: 3 }, { label: 'edf', value: 1 }] });
  assert.equal(d.switch, true);
  assert.match(d.reason, /^edf 1 vs fifo 3 \(-66\.7%\)/);
  assert.throws(() => new PolicySwitcher({ margin: 1 }), /margin/);
});

test('auto mode: replays the recorded history, switches the engine to the winner after N winning evaluations, with a reason', async () => {
  const dir = tempDir();
  const T0 = 1_700_000_000_000;
  const store = await writeHistory(dir, contendedHistory(T0));
  const clock = new ManualClock(T0 + 10 * MIN);
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(), clock, capacity: { cpu: 1, memory: 2 ** 30 }, concurrency: 1, scheduler: { policy: 'fifo' }, runtimeModel: null });
  try {
    const decisions: TuningDecision[] = [];
    engine.on('tuning', (d) => decisions.push(d));
    const auto = new WhatIfAuto(engine, { since: '1h', every: '10m', policies: ['fifo', 'sjf', 'wrr'], minRuns: 5, windows: 2, cooldown: '1h' });
    const e1 = await auto.evaluate();
    assert.equal(e1!.runs, 5);
    assert.equal(e1!.calibrationError, 0);
    assert.deepEqual(e1!.scores, { fifo: 89_800, sjf: 30_400, wrr: 89_800 });
    assert.match(e1!.reason, /^avgJct over 5 runs in the last 1 h: sjf 30\.4 s vs fifo 1\.5 min \(-66\.1%\): better by the margin 1\/2 evaluations in a row: hold/);
    assert.equal(engine.scheduler.config.policy, 'fifo');
    assert.equal(decisions.length, 0);
    clock.advance(10 * MIN);
    const e2 = await auto.evaluate();
    assert.equal(e2!.decision?.switch, true, e2!.reason);
    assert.equal(engine.scheduler.config.policy, 'sjf');
    assert.equal(decisions.length, 1);
    assert.deepEqual({ ...decisions[0]!, reason: '' }, { at: T0 + 20 * MIN, tuner: 'policy', action: 'switch', from: 'fifo', to: 'sjf', reason: '' });
    assert.match(decisions[0]!.reason, /switch to sjf$/);
    assert.equal(engine.selfTuning.log.recent().length, 1);
    // After the switch only runs recorded under sjf calibrate the twin: none yet, hold.
    clock.advance(10 * MIN);
    const e3 = await auto.evaluate();
    assert.equal(e3!.decision, null);
    assert.match(e3!.reason, /^0 finished runs since sjf took effect 10 min ago < 5: hold/);
    const st = engine.selfTuning.state().policy;
    assert.equal(st.switches, 1);
    assert.equal(st.evaluations, 3);
    assert.equal(st.current, 'sjf');
    assert.equal(decisions.length, 1);
  } finally {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('auto mode: bad settings are refused naming the field', async () => {
  const dir = tempDir();
  const store = await writeHistory(dir, []);
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(), runtimeModel: null });
  try {
    assert.throws(() => new WhatIfAuto(engine, { every: 'often' }), /whatIfAuto\.every/);
    assert.throws(() => new WhatIfAuto(engine, { policies: ['nope'] }), /unknown policy 'nope'/);
    assert.throws(() => new WhatIfAuto(engine, { objective: 'speed' as never }), /whatIfAuto\.objective/);
  } finally {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
