import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../src/server/config.js';

test('config: defaults < file < environment < flags; a bad value names its field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-config-'));
  try {
    const file = join(dir, 'kairos.yaml');
    writeFileSync(file, 'port: 9000\nhost: 0.0.0.0\nscheduler: { policy: wrr, settings: { shares: { "100": 0.9 } } }\nrateLimit: { max: 5 }\n');
    const c = loadConfig({ file, env: { KAIROS_PORT: '9100', KAIROS_METRICS_AUTH: 'true' }, flags: { state: dir } });
    assert.equal(c.port, 9100);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.scheduler.policy, 'wrr');
    assert.deepEqual(c.rateLimit, { max: 5, windowMs: DEFAULT_CONFIG.rateLimit.windowMs });
    assert.equal(c.metricsAuth, true);
    assert.equal(c.stateDir, dir);
    assert.equal(loadConfig({ env: {} }).port, 8080);
    writeFileSync(file, 'port: many\n');
    assert.throws(() => loadConfig({ file, env: {} }), (e: Error) => e instanceof ConfigError && /port/.test(e.message));
    assert.throws(() => loadConfig({ env: { KAIROS_CONCURRENCY: 'x' } }), /KAIROS_CONCURRENCY/);
    writeFileSync(file, 'prot: 1\n');
    assert.throws(() => loadConfig({ file, env: {} }), /prot/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: history retention from the file, the environment (KAIROS_RETENTION) or a flag; a bad duration names its field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-config-'));
  try {
    assert.equal(loadConfig({ env: {} }).retention, null, 'off by default: every run is kept');
    const file = join(dir, 'kairos.yaml');
    writeFileSync(file, 'retention: { keep: 30d, every: 5m, batch: 50 }\n');
    assert.deepEqual(loadConfig({ file, env: {} }).retention, { keep: '30d', every: '5m', batch: 50 });
    assert.deepEqual(loadConfig({ file, env: { KAIROS_RETENTION: '7d' } }).retention, { keep: '7d' });
    assert.deepEqual(loadConfig({ env: {}, flags: { retention: { keep: '90d' } } }).retention, { keep: '90d' });
    writeFileSync(file, 'retention: { keep: 2s }\n');
    assert.throws(() => loadConfig({ file, env: {} }), (e: Error) => e instanceof ConfigError && /retention\.keep: must be a duration of at least 60 s/.test(e.message));
    assert.throws(() => loadConfig({ env: { KAIROS_RETENTION: 'forever' } }), (e: Error) => e instanceof ConfigError && /retention\.keep/.test(e.message));
    writeFileSync(file, 'retention: { every: 1h }\n');
    assert.throws(() => loadConfig({ file, env: {} }), (e: Error) => e instanceof ConfigError && /retention/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
