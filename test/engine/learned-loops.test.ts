/**
 * The server config keys `learnedRegret` and `finetune` (src/server/config.ts) and the loops they
 * start beside an engine (src/engine/learned-loops.ts): parsed and checked (unknown keys and bad
 * values refused), on from the environment with defaults, both loops started and stopped; bad
 * durations refused when the loops are built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { startLearnedLoops } from '../../src/engine/learned-loops.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { checkConfig, configFromEnv, resolveConfig } from '../../src/server/config.js';
import { tempDir, writeHistory } from './whatif-fixture.js';

test('config: learnedRegret and finetune are checked, merged and start their loops', async () => {
  const c = resolveConfig(checkConfig({ learnedRegret: { every: '10m', window: '2h', margin: 0.1, minDwell: 0 }, finetune: { every: '12h', iterations: 2 } }, 'test'));
  assert.deepEqual(c.learnedRegret, { every: '10m', window: '2h', margin: 0.1, minDwell: 0 });
  assert.deepEqual(c.finetune, { every: '12h', iterations: 2 });
  assert.equal(resolveConfig().learnedRegret, null, 'off by default');
  assert.equal(resolveConfig().finetune, null);
  assert.deepEqual(resolveConfig(configFromEnv({ KAIROS_LEARNED_REGRET: 'true' })).learnedRegret, {});
  assert.throws(() => checkConfig({ learnedRegret: { every: '1m', flap: true } }, 'test'), /learnedRegret/);
  assert.throws(() => checkConfig({ finetune: { holdout: 1.5 } }, 'test'), /finetune/);

  const dir = tempDir();
  const store = await writeHistory(dir, []);
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(), runtimeModel: null, scheduler: { policy: 'learned', settings: { onEvent: () => {} } } });
  try {
    const loops = startLearnedLoops(engine, c, { log: () => {} });
    assert.equal(loops.regret?.everyMs, 10 * 60_000);
    assert.equal(loops.regret?.windowMs, 2 * 3600_000);
    assert.equal(loops.finetune?.everyMs, 12 * 3600_000);
    assert.equal(loops.finetune?.modelPath, join(dir, 'learned', 'model.json'));
    loops.stop();
    const none = startLearnedLoops(engine, resolveConfig());
    assert.equal(none.regret, null);
    assert.equal(none.finetune, null);
    assert.throws(() => startLearnedLoops(engine, { learnedRegret: { every: 'soon' }, finetune: null }), /learnedRegret\.every/);
    assert.throws(() => startLearnedLoops(engine, { learnedRegret: { margin: 0.01, returnMargin: 0.05 }, finetune: null }), /returnMargin/);
    assert.throws(() => startLearnedLoops(engine, { learnedRegret: null, finetune: { since: '0s' } }), /finetune\.since/);
  } finally {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
