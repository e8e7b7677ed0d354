/**
 * `kairos whatif` end to end: the real CLI process on a tiny recorded history (real SQLite in a
 * temp state folder): the side-by-side table, the calibration line, JSON, and the exit codes for
 * an empty window and bad flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { contendedHistory, tempDir, writeHistory } from '../engine/whatif-fixture.js';

function kairos(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('kairos whatif: replays the recorded history under each policy, side by side, with the calibration', async () => {
  const dir = tempDir();
  // Recorded 20 minutes ago under FIFO with one slot.
  await (await writeHistory(dir, contendedHistory(Date.now() - 20 * 60_000))).close();
  try {
    const r = kairos('whatif', '--state', dir, '--since', '1h', '--policy', 'fifo', '--concurrency', '1', '--cpus', '1', '--policies', 'sjf,priority', '--set', 'wrr.high=0.8');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^5 finished runs \(5 tasks\) created .* UTC, replayed in the simulator/);
    const row = (label: string) => lines.find((l) => l.startsWith(label))?.split(/\s{2,}/);
    assert.deepEqual(row('recorded (what happened)')!.slice(1, 4), ['89.8', '110.8', '113.0']);
    assert.deepEqual(row('fifo (current)')!.slice(1, 4), ['89.8', '110.8', '113.0']);
    assert.deepEqual(row('sjf')!.slice(1, 4), ['30.4', '91.8', '113.0']);
    assert.equal(row('sjf')!.at(-1), '-66.1%');
    assert.ok(row('wrr{high=0.8}'), 'the --set variant is a row');
    assert.match(r.stdout, /calibration: replay of the current policy avg JCT 89\.8 s vs recorded 89\.8 s \(\+0\.0%\)/);

    const j = kairos('whatif', '--state', dir, '--since', '1h', '--policy', 'fifo', '--concurrency', '1', '--cpus', '1', '--policies', 'sjf', '--json');
    assert.equal(j.status, 0, j.stderr);
    const report = JSON.parse(j.stdout);
    assert.equal(report.runs, 5);
    assert.equal(report.calibration.avgJctError, 0);
    assert.deepEqual(report.rows.map((x: { label: string }) => x.label), ['fifo (current)', 'sjf']);
    assert.equal(report.rows[1].metrics.avgJctMs, 30_400);

    // A window with nothing finished: not found (3), saying what to do.
    const empty = kairos('whatif', '--state', dir, '--since', '5m');
    assert.equal(empty.status, 3);
    assert.match(empty.stderr, /no finished runs in the last 5m .*widen --since/);
    const bad = kairos('whatif', '--state', dir, '--since', 'yesterday');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--since: /);
    const unknown = kairos('whatif', '--state', dir, '--policies', 'magic');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown policy 'magic'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
