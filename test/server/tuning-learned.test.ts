/**
 * GET /tuning `learned`: the live learned policy's guards as the server runs them (config keys
 * `learnedRegret` and `finetune`). A server over a recorded FIFO history (real SQLite) serves a
 * deliberately bad model (longest remaining work first, saved as a model file); one regret
 * evaluation through the real replay worker thread falls back, and the endpoint shows the
 * measured regret of that window, the switch, the side in force and why, and the fine-tune
 * schedule's next run and its last outcome (here an error: too few runs to train on); the
 * metrics count the fallback and show the side in force and the regret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from '../../src/server/app.js';
import { learnedLoopsOf } from '../../src/engine/learned-loops.js';
import { saveModel } from '../../src/learn/rl/model-file.js';
import { antiSrptModel } from '../learn/rl/learned-fixture.js';
import { contendedHistory, tempDir, writeHistory } from '../engine/whatif-fixture.js';

test('GET /tuning learned: mode and why, regret per window, last switch, fine-tune schedule', async () => {
  const dir = tempDir();
  const seed = await writeHistory(dir, contendedHistory(Date.now() - 30 * 60_000));
  await seed.close();
  const model = join(dir, 'bad-model.json');
  saveModel(model, antiSrptModel().file);
  const app = await createServer({
    config: {
      stateDir: dir, logLevel: 'silent', concurrency: 1,
      scheduler: { policy: 'learned', settings: { model, fallback: 'sjf', cooldownRounds: 2 } },
      learnedRegret: { every: '1h', window: '2h', minRuns: 5, windows: 1, minDwell: 0 },
      finetune: { every: '24h', since: '2h', model: join(dir, 'tuned.json'), minRuns: 1000 },
    },
    engine: { capacity: { cpu: 1, memory: 2 ** 30 } },
  });
  await app.ready();
  try {
    const get = async () => {
      const res = await app.inject({ method: 'GET', url: '/tuning' });
      assert.equal(res.statusCode, 200, res.body);
      return JSON.parse(res.body).learned;
    };
    const before = Date.now();
    let l = await get();
    assert.equal(l.policy, 'learned');
    assert.equal(l.mode, 'learned');
    assert.equal(l.fallback, 'sjf');
    assert.equal(l.regretHold, false);
    assert.match(l.why, /serving the model/);
    assert.equal(l.guard.active, 'learned');
    assert.equal(l.regret.enabled, true);
    assert.equal(l.regret.everyMs, 3_600_000);
    assert.deepEqual(l.regret.recent, []);
    assert.equal(l.regret.lastAt, null);
    assert.ok(l.regret.nextAt > before - 60_000 && l.regret.nextAt <= Date.now() + 3_600_000, String(l.regret.nextAt));
    assert.equal(l.finetune.enabled, true);
    assert.ok(l.finetune.nextAt > l.regret.nextAt, 'fine-tuning every 24 h, regret every 1 h');
    assert.equal(l.finetune.lastPromotion, null);
    assert.equal(l.finetune.lastRefusal, null);

    const loops = learnedLoopsOf(app.kairos.engine)!;
    const ev = await loops.regret!.evaluate();
    assert.equal(ev?.decision?.action, 'fallback', ev?.reason);
    l = await get();
    assert.equal(l.regretHold, true);
    assert.equal(l.regret.recent.length, 1);
    const w = l.regret.recent[0];
    assert.equal(w.runs, 5);
    assert.equal(w.action, 'fallback');
    // Longest work first replays at 89.8 s avg JCT, sjf at 30.4 s (learned-regret.test.ts's numbers).
    assert.equal(w.learnedAvgJctMs, 89_800);
    assert.equal(w.fallbackAvgJctMs, 30_400);
    assert.ok(Math.abs(w.jctRegret - (89_800 / 30_400 - 1)) < 1e-9);
    assert.equal(w.missRegret, 0, 'no run has a deadline');
    assert.equal(l.regret.lastSwitch.action, 'fallback');
    assert.equal(l.regret.lastJctRegret, w.jctRegret);
    // The live policy takes the switch at its next round: then the mode says fallback, and why.
    app.kairos.engine.scheduler.schedule(Date.now());
    l = await get();
    assert.equal(l.mode, 'fallback');
    assert.match(l.why, /^fell back \(regret\): regret over 5 runs in the last 2 h/);
    assert.equal(l.guard.fallbacks.regret, 1);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /kairos_learned_fallbacks_total\{reason="regret"\} 1/);
    assert.match(metrics, /kairos_learned_fallbacks_total\{reason="latency"\} 0/);
    assert.match(metrics, /kairos_learned_returns_total 0/);
    assert.match(metrics, /kairos_learned_active 0/);
    assert.match(metrics, /kairos_learned_regret 1\.9/);
    assert.match(metrics, /kairos_tuning_decisions_total\{tuner="policy",action="fallback"\} 1/);

    // Fine-tuning now: 5 runs < minRuns 1000, so nothing is trained; the error says why.
    assert.equal(await loops.finetune!.runOnce(), null);
    l = await get();
    assert.equal(l.finetune.attempts, 1);
    assert.equal(l.finetune.errors, 1);
    assert.match(l.finetune.lastError.message, /5 finished runs in the history window; fine-tuning needs at least 1000/);
    assert.equal(l.finetune.running, false);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // A stopped server's loops are gone.
  assert.equal(learnedLoopsOf(app.kairos.engine), null);
});

test('GET /tuning learned: off and not learned', async () => {
  const dir = tempDir();
  const app = await createServer({ config: { stateDir: dir, logLevel: 'silent', scheduler: { policy: 'fifo' } } });
  await app.ready();
  try {
    const res = await app.inject({ method: 'GET', url: '/tuning' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(JSON.parse(res.body).learned, {
      policy: 'fifo', mode: null, fallback: null, why: null, regretHold: null, guard: null, regret: { enabled: false }, finetune: { enabled: false },
    });
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
