/**
 * Scheduled fine-tuning beside a live engine (src/engine/finetune-schedule.ts), on a recorded
 * FIFO history in SQLite: with the engine serving a deliberately bad `learned` model from a file,
 * one scheduled run (the real worker thread) fine-tunes it on the older runs, wins on the held-out
 * newest ones, promotes it (backup kept), records a `tuning` decision and makes the live policy
 * load the new file; the next run has nothing to win and leaves the model alone. A replica (not
 * the leader) does nothing; a failing job is logged, never thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { Engine } from '../../src/engine/engine.js';
import { FinetuneSchedule } from '../../src/engine/finetune-schedule.js';
import { learnedGuardsOf } from '../../src/engine/learned-guards.js';
import type { TuningDecision } from '../../src/engine/tuning-log.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { runFinetuneJob } from '../../src/learn/rl/finetune-thread.js';
import { saveModel } from '../../src/learn/rl/model-file.js';
import { antiSrptModel } from '../learn/rl/learned-fixture.js';
import { contendedHistory, tempDir, writeHistory } from './whatif-fixture.js';

const MIN = 60_000;
const T0 = 1_700_000_000_000;

test('scheduled fine-tuning: promotes a winning candidate in a worker thread and reloads the live policy; then holds', async () => {
  const dir = tempDir();
  const runs = [0, 1, 2, 3].flatMap((b) => contendedHistory(T0 + b * 10 * MIN, `b${b}r`));
  const store = await writeHistory(dir, runs);
  const model = join(dir, 'learned', 'model.json');
  saveModel(model, antiSrptModel().file);
  const clock = new ManualClock(T0 + 60 * MIN);
  const engine = new Engine({
    store, stateDir: dir, executors: localExecutors(), clock, capacity: { cpu: 1, memory: 2 ** 30 }, concurrency: 1, runtimeModel: null,
    scheduler: { policy: 'learned', settings: { model, onEvent: () => {} } },
  });
  const decisions: TuningDecision[] = [];
  engine.on('tuning', (d) => decisions.push(d));
  try {
    const lines: string[] = [];
    const before = learnedGuardsOf(engine.scheduler.config)!;
    const ft = new FinetuneSchedule(engine, { since: '2h', iterations: 3, imitation: 2, seed: 3 }, { log: (l) => lines.push(l) });
    assert.equal(ft.modelPath, model, 'the default: <state>/learned/model.json');
    const o = await ft.runOnce();
    assert.equal(o?.promoted, true, lines.join('\n'));
    assert.equal(o!.reloaded, true);
    assert.equal(o!.runs, 20);
    assert.match(o!.reason, /^fine-tuning on 20 runs of the last 120 min: held-out replay of the newest 6 runs: candidate avg JCT .*: promoted; the live learned policy now uses it$/);
    assert.ok(existsSync(join(dir, 'learned', 'model.prev.json')));
    assert.equal(JSON.parse(readFileSync(model, 'utf8')).training.replay.promoted, true);
    assert.deepEqual(decisions.map((d) => [d.tuner, d.action, d.to]), [['policy', 'promote', model]]);
    const cfg = engine.scheduler.config;
    assert.equal(typeof (cfg.settings as Record<string, unknown>)['modelRevision'], 'string');
    assert.notEqual(learnedGuardsOf(cfg)!.regret, before.regret, 'a fresh guard for the new model');
    // What GET /tuning shows (learned.finetune): the promotion, no refusal, not running, not started.
    const st = ft.state();
    assert.deepEqual(st['lastPromotion'], { at: clock.now(), runs: 20, reason: o!.reason });
    assert.equal(st['lastRefusal'], null);
    assert.deepEqual([st['attempts'], st['promotions'], st['errors'], st['running'], st['nextAt']], [1, 1, 0, false, null]);

    clock.advance(24 * 60 * MIN);
    const second = new FinetuneSchedule(engine, { since: '30h', iterations: 2, seed: 3 }, { log: () => {}, run: runFinetuneJob });
    const again = await second.runOnce();
    assert.equal(again?.promoted, false, again?.reason);
    assert.match(again!.reason, /not promoted$/);
    assert.deepEqual(second.state()['lastRefusal'], { at: clock.now(), runs: again!.runs, reason: again!.reason });
    assert.equal(second.state()['lastPromotion'], null);
    assert.equal(decisions.length, 1);

    assert.equal(await new FinetuneSchedule(engine, {}, { isLeader: () => false, run: runFinetuneJob }).runOnce(), null, 'a replica does nothing');
    const errs: string[] = [];
    const failing = new FinetuneSchedule(engine, { since: '1m' }, { log: (l) => errs.push(l), run: runFinetuneJob });
    assert.equal(await failing.runOnce(), null);
    assert.match(errs[0]!, /scheduled fine-tuning failed \(model unchanged\): 0 finished runs in the history window/);
    assert.equal(failing.state()['errors'], 1);
    assert.match((failing.state()['lastError'] as { message: string }).message, /0 finished runs in the history window/);
    assert.equal(failing.state()['lastRefusal'], null, 'an error is not a refusal');
  } finally {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
