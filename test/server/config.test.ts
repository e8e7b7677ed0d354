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
