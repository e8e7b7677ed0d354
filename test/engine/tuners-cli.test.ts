/** `kairos tune` lists what the engine learned and saved: recommendations next to declared requests. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spec, testEngine } from './helpers.js';
import { ShellExecutor } from '../../src/exec/shell-executor.js';
import type { RightSizingRecommendation } from '../../src/learn/rightsizing/recommender.js';

const MiB = 1024 * 1024;
const bin = join(import.meta.dirname, '../../src/cli/bin.ts');
const kairos = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', bin, ...args], { encoding: 'utf8' });

test('kairos tune: recommendations learned by the engine, persisted, with declared requests and savings', async () => {
  const t = testEngine({ executors: { shell: new ShellExecutor({ rssSampleMs: 50 }) } });
  try {
    assert.match(kairos('tune', '--state', t.dir), /no recommendations yet/);
    const wf = spec(`name: over\ntasks:\n  t:\n    run: python3 -c "import time; a = b'x' * 40_000_000; time.sleep(0.5)"\n    resources: {cpu: 1, memory: 1Gi}\n`);
    for (let i = 0; i < 3; i++) assert.equal((await t.engine.wait((await t.engine.submit(wf)).id)).state, 'succeeded');
    await t.engine.close();
    assert.ok(existsSync(join(t.dir, 'rightsizing-model.json')), 'saved on close');
    const recs = JSON.parse(kairos('tune', '--state', t.dir, '--json')) as RightSizingRecommendation[];
    const r = recs.find((x) => x.signature === 'default/over/t')!;
    assert.equal(r.samples, 3);
    assert.equal(r.confident, true);
    assert.deepEqual(r.declared, { cpu: 1, memory: 1024 * MiB });
    assert.ok(r.memory!.target > 38 * MiB && r.memory!.target < 200 * MiB, `target ${r.memory!.target / MiB} MiB for ~40 MB used`);
    const text = kairos('tune', '--state', t.dir);
    assert.match(text, /default\/over\/t\s+3\s+0\s+1 -> /);
    assert.match(text, /1Gi -> \d+(\.\d)?Mi \[/);
  } finally {
    await t.close();
  }
});
