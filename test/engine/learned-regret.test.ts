/**
 * Regret by replay, for real: a hand-built FIFO live history in SQLite (one slot; a 100 s run
 * blocks three 1 s runs) replayed in the simulator under the engine's `learned` policy and its
 * fallback heuristic. With a deliberately bad model (longest remaining work first) the replay shows positive regret, the live GuardedPolicy falls
 * back with reason `regret` at its next round and stays there through its cooldown, and the
 * decision is a `tuning` event; with a good model (shortest remaining work first) it holds. An injected replay then brings
 * it back (return) once the model is no worse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { ManualClock } from '../../src/core/clock.js';
import { Engine } from '../../src/engine/engine.js';
import { inlineReplay, LearnedRegret } from '../../src/engine/learned-regret.js';
import { learnedGuardsOf } from '../../src/engine/learned-guards.js';
import type { TuningDecision } from '../../src/engine/tuning-log.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { antiSrptModel, srptModel } from '../learn/rl/learned-fixture.js';
import { contendedHistory, tempDir, writeHistory } from './whatif-fixture.js';

const MIN = 60_000;
const T0 = 1_700_000_000_000;

async function engineWith(model: unknown) {
  const dir = tempDir();
  const store = await writeHistory(dir, contendedHistory(T0));
  const clock = new ManualClock(T0 + 10 * MIN);
  const engine = new Engine({
    store, stateDir: dir, executors: localExecutors(), clock, capacity: { cpu: 1, memory: 2 ** 30 }, concurrency: 1, runtimeModel: null,
    scheduler: { policy: 'learned', settings: { model, fallback: 'sjf', cooldownRounds: 2, onEvent: () => {} } },
  });
  const decisions: TuningDecision[] = [];
  engine.on('tuning', (d) => decisions.push(d));
  const close = async () => {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { engine, clock, decisions, close };
}

test('regret by replay: a longest-work-first model does worse on the replayed live history; the live guard falls back with reason regret', async () => {
  const { engine, clock, decisions, close } = await engineWith(antiSrptModel().mlp);
  try {
    const lines: string[] = [];
    const regret = new LearnedRegret(engine, { window: '1h', every: '5m', minRuns: 5, windows: 2, minDwell: 0 }, { log: (l) => lines.push(l) });
    const guards = learnedGuardsOf(engine.scheduler.config)!;
    const e1 = await regret.evaluate();
    assert.equal(e1!.runs, 5);
    // Longest remaining work first: the 100 s run before the three 1 s runs, FIFO's
    // 89.8 s; sjf runs the short ones first (30.4 s, the what-if test's number).
    assert.equal(e1!.fallbackAvgJctMs, 30_400);
    assert.equal(e1!.learnedAvgJctMs, 89_800);
    assert.equal(e1!.decision!.action, 'hold', 'one window is not enough');
    assert.equal(guards.regret.engaged, false);
    clock.advance(5 * MIN);
    const e2 = await regret.evaluate();
    assert.equal(e2!.decision!.action, 'fallback', e2!.reason);
    assert.match(e2!.reason, /^regret over 5 runs in the last 1 h: avg JCT learned 1\.5 min vs fallback 30\.4 s \(regret \+195\.4%\): worse by over the margin in 2 evaluations in a row/);
    assert.ok(e2!.replayMs! >= 0);
    assert.equal(guards.regret.engaged, true);
    assert.deepEqual(decisions.map((d) => [d.tuner, d.action, d.from, d.to]), [['policy', 'fallback', 'learned', 'sjf']]);
    // In the tuning log GET /tuning serves and kairos_tuning_decisions_total counts.
    assert.deepEqual(engine.selfTuning.log.counts(), [{ tuner: 'policy', action: 'fallback', count: 1 }]);
    assert.equal(lines.length, 1);
    // The live policy switches at its next round, and its cooldown (2 rounds) does not bring the model back.
    assert.equal(guards.stats.active, 'learned');
    for (let i = 0; i < 5; i++) engine.scheduler.schedule(clock.now() + i);
    assert.equal(guards.stats.active, 'fallback');
    assert.equal(guards.stats.fallbacks.regret, 1);
    assert.equal(guards.stats.returns, 0);
    assert.equal(guards.stats.last?.reason, 'regret');
    // Still worse: holds on the fallback, no new decision.
    clock.advance(5 * MIN);
    const e3 = await regret.evaluate();
    assert.equal(e3!.decision!.action, 'hold');
    assert.match(e3!.reason, /not back within 0%: stay on the fallback/);
    assert.equal(decisions.length, 1);
    assert.equal(regret.state()['active'], 'fallback');
  } finally {
    await close();
  }
});

test('regret by replay: a shortest-work-first model is no worse than its fallback here, so it stays on', async () => {
  const { engine, clock, decisions, close } = await engineWith(srptModel().mlp);
  try {
    // In this thread (inlineReplay); the first test goes through the worker thread.
    const regret = new LearnedRegret(engine, { minRuns: 5, windows: 1, minDwell: 0 }, { log: () => {}, replay: inlineReplay });
    for (let i = 0; i < 3; i++) {
      const e = await regret.evaluate();
      assert.equal(e!.decision!.action, 'hold', e!.reason);
      assert.ok(e!.learnedAvgJctMs! <= e!.fallbackAvgJctMs!, e!.reason);
      clock.advance(5 * MIN);
    }
    assert.equal(decisions.length, 0);
    assert.equal(learnedGuardsOf(engine.scheduler.config)!.stats.fallbacks.regret, 0);
  } finally {
    await close();
  }
});

test('regret by replay: returns when the injected replay shows the model no worse; a failing replay never throws; other policies are skipped', async () => {
  const { engine, clock, decisions, close } = await engineWith(srptModel().mlp);
  try {
    let learnedMs = 200_000;
    let fail = false;
    const replay = async (_t: unknown, cs: readonly { policy: string }[]) => {
      if (fail) throw new Error('boom');
      return cs.map((c) => ({ avgJctMs: c.policy === 'learned' ? learnedMs : 100_000, deadlineRuns: 0, deadlineMisses: 0 }));
    };
    const lines: string[] = [];
    const regret = new LearnedRegret(engine, { minRuns: 5, windows: 1, returnWindows: 2, minDwell: 0 }, { replay, log: (l) => lines.push(l) });
    const guards = learnedGuardsOf(engine.scheduler.config)!;
    assert.equal((await regret.evaluate())!.decision!.action, 'fallback');
    engine.scheduler.schedule(clock.now());
    assert.equal(guards.stats.active, 'fallback');
    fail = true;
    assert.equal(await regret.evaluate(), null);
    assert.match(lines.at(-1)!, /regret check failed \(the side in force is kept\): boom/);
    assert.equal(regret.state()['errors'], 1);
    fail = false;
    learnedMs = 100_000;
    clock.advance(5 * MIN);
    assert.equal((await regret.evaluate())!.decision!.action, 'hold');
    const back = await regret.evaluate();
    assert.equal(back!.decision!.action, 'return');
    engine.scheduler.schedule(clock.now());
    assert.equal(guards.stats.active, 'learned');
    assert.equal(guards.stats.returns, 1);
    assert.deepEqual(decisions.map((d) => d.action), ['fallback', 'return']);
    // Another policy in force: nothing to judge.
    engine.configureScheduler({ policy: 'fifo' });
    assert.match((await regret.evaluate())!.reason, /policy is fifo, not learned: skip/);
  } finally {
    await close();
  }
});
