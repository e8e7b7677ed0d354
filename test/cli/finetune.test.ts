/**
 * `kairos finetune` end to end: the real CLI process on recorded history in a temp state folder
 * (real SQLite). A deliberately bad model (longest remaining work first) is fine-tuned and promoted: the model
 * file is replaced, the previous one kept as model.prev.json, the metadata names the parent, the
 * history window and the replay metrics. A good model (shortest remaining work first) on the same history is not beaten and
 * the command says so, writing nothing (this and the error cases run main() in this process). No history -> a clear message and exit 3; bad flags -> 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inProcess } from './in-process.js';
import { saveModel } from '../../src/learn/rl/model-file.js';
import { contendedHistory, tempDir, writeHistory } from '../engine/whatif-fixture.js';
import { antiSrptModel, srptModel } from '../learn/rl/learned-fixture.js';

function kairos(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('kairos finetune: promotes a winning candidate with its metadata, refuses a non-winning one, clear errors', async () => {
  const dir = tempDir();
  const now = Date.now();
  // Four FIFO bursts on one slot, 10 minutes apart (20 runs, the newest 6 held out).
  const runs = [0, 1, 2, 3].flatMap((b) => contendedHistory(now - 60 * 60_000 + b * 10 * 60_000, `b${b}r`));
  await (await writeHistory(dir, runs)).close();
  const flags = ['--state', dir, '--since', '2h', '--concurrency', '1', '--cpus', '1', '--seed', '3'];
  try {
    const model = join(dir, 'learned', 'model.json');
    const bad = antiSrptModel();
    saveModel(model, bad.file);
    const r = kairos('finetune', ...flags, '--iterations', '3', '--imitation', '2', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.promoted, true, out.reason);
    assert.deepEqual(out.split, { trainRuns: 14, heldOutRuns: 6, episodes: 1 });
    assert.ok(out.heldOut.candidate.avgJctMs < out.heldOut.current.avgJctMs);
    assert.equal(out.previous, join(dir, 'learned', 'model.prev.json'));
    const file = JSON.parse(readFileSync(model, 'utf8'));
    assert.equal(file.format, 'kairos-learned-policy');
    assert.equal(file.training.parent.path, model);
    assert.equal(file.training.parent.command, 'hand-set: longest remaining work first');
    assert.equal(file.training.history.runs, 20);
    assert.equal(file.training.replay.promoted, true);
    assert.match(file.training.command, /^kairos finetune --state /);
    assert.deepEqual(JSON.parse(readFileSync(out.previous, 'utf8')).params, bad.file.params);

    // From a good model into another path: nothing to win on this history, nothing written.
    const base = join(dir, 'srpt.json');
    saveModel(base, srptModel().file);
    const other = join(dir, 'other', 'model.json');
    const s = await inProcess('finetune', ...flags, '--model', other, '--base', base, '--iterations', '2');
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /^20 finished runs: 14 to train on \(1 episode\(s\)\), the newest 6 held out/);
    assert.match(s.stdout, /not better: not promoted\nmodel unchanged: /);
    assert.equal(existsSync(other), false);

    const empty = await inProcess('finetune', '--state', dir, '--since', '1m');
    assert.equal(empty.status, 3);
    assert.match(empty.stderr, /no finished runs in the last 1m .*nothing to fine-tune on/);
    const few = await inProcess('finetune', ...flags, '--min-runs', '50');
    assert.equal(few.status, 3);
    assert.match(few.stderr, /only 20 finished runs in the last 2h, fine-tuning needs --min-runs 50/);
    const bad1 = await inProcess('finetune', '--state', dir, '--holdout', '1.5');
    assert.equal(bad1.status, 2);
    assert.match(bad1.stderr, /--holdout 1\.5: expected a number in/);
    const bad2 = await inProcess('finetune', '--state', dir, '--model', join(dir, 'nope.json'), '--base', join(dir, 'missing.json'));
    assert.equal(bad2.status, 2);
    assert.match(bad2.stderr, /cannot be read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
