/**
 * GET /tuning and the self-tuning server settings: a server over a recorded FIFO history (real
 * SQLite) with the what-if auto mode, share tuning and adaptive concurrency configured; two
 * evaluations switch the policy to SJF, and the endpoint shows each tuner's state and the
 * decision with its reason. The metrics export the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import type { WhatIfAuto } from '../../src/engine/whatif-auto.js';
import { contendedHistory, tempDir, writeHistory } from '../engine/whatif-fixture.js';

test('GET /tuning: state of every tuner and the policy switch with its reason; metrics follow', async () => {
  const dir = tempDir();
  const seed = await writeHistory(dir, contendedHistory(Date.now() - 30 * 60_000));
  await seed.close();
  const app = await createServer({
    config: {
      stateDir: dir, logLevel: 'silent', scheduler: { policy: 'fifo' }, concurrency: 1,
      autoConcurrency: { kind: 'gradient' },
      autoShares: { objectives: { high: '30s' } },
      whatIfAuto: { every: '1h', since: '2h', policies: ['sjf', 'wrr'], minRuns: 5, windows: 2 },
    },
    engine: { capacity: { cpu: 1, memory: 2 ** 30 } },
  });
  await app.ready();
  try {
    const get = async (url = '/tuning') => {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, res.body);
      return JSON.parse(res.body);
    };
    let body = await get();
    assert.equal(body.concurrency.enabled, true);
    assert.equal(body.concurrency.kind, 'gradient');
    assert.equal(body.concurrency.limit, 1);
    assert.equal(body.shares.enabled, true);
    assert.deepEqual(body.shares.objectivesMs, { high: 30_000 });
    assert.equal(body.policy.enabled, true);
    assert.equal(body.policy.current, 'fifo');
    assert.deepEqual(body.decisions, []);

    const auto = app.kairos.engine.selfTuning.policy as WhatIfAuto;
    await auto.evaluate();
    await auto.evaluate();
    body = await get();
    assert.equal(body.policy.current, 'sjf');
    assert.equal(body.policy.switches, 1);
    assert.equal(body.decisions.length, 1);
    const d = body.decisions[0];
    assert.equal(d.tuner, 'policy');
    assert.equal(d.action, 'switch');
    assert.equal(d.from, 'fifo');
    assert.equal(d.to, 'sjf');
    assert.match(d.reason, /^avgJct over 5 runs in the last 2 h: sjf 30\.4 s vs fifo 1\.5 min .*switch to sjf$/);
    assert.equal(body.total, 1);
    assert.equal((await get('/tuning?limit=1')).decisions.length, 1);
    assert.equal((await app.inject({ method: 'GET', url: '/tuning?limit=0' })).statusCode, 400);

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /kairos_tuning_decisions_total\{tuner="policy",action="switch"\} 1/);
    assert.match(metrics, /kairos_concurrency_limit 1/);
    assert.match(metrics, /kairos_whatif_predicted_avg_jct_seconds\{policy="sjf"\} 30\.4/);
    assert.match(metrics, /kairos_whatif_calibration_error 0/);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: self-tuning keys from the file, the environment and flags; bad values name the field', () => {
  const c = loadConfig({ env: { KAIROS_AUTO_CONCURRENCY: 'aimd', KAIROS_AUTO_SHARES: 'high=30s,normal=5m', KAIROS_WHATIF_AUTO: 'true' } });
  assert.deepEqual(c.autoConcurrency, { kind: 'aimd' });
  assert.deepEqual(c.autoShares, { objectives: { high: '30s', normal: '5m' } });
  assert.deepEqual(c.whatIfAuto, {});
  assert.equal(loadConfig({ env: {} }).autoShares, null);
  assert.throws(() => loadConfig({ env: { KAIROS_AUTO_SHARES: 'high' } }), /KAIROS_AUTO_SHARES=high: expected LEVEL=DURATION pairs/);
  assert.throws(() => loadConfig({ env: {}, flags: { autoShares: { objectives: { urgent: '1s' } } } as never }), /autoShares\.objectives\.urgent/);
  assert.throws(() => loadConfig({ env: {}, flags: { whatIfAuto: { margin: 2 } } }), /whatIfAuto\.margin/);
});
