/**
 * A large submit's task rows are inserted in chunks while its first tasks run
 * (pending-writes.ts). A process killed between chunks leaves the run with part of its rows;
 * resume must create the others and finish the run: every task succeeds exactly once in the
 * store, and no task recorded as succeeded before a kill runs again. The child kills itself
 * (SIGKILL) from inside its 2nd task, so the first kill falls while rows are still missing —
 * checked, so the test cannot pass without crashing between chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const CHILD = resolve('test/engine/fixtures/chunk-crash-child.ts');
const TASKS = 5000;
const CHUNK = 8;

function child(db: string, log: string, mode: string, arg: string, killAt: number): { status: number | null; signal: string | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, db, log, mode, arg, String(CHUNK), String(killAt)], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, out: r.stdout };
}

async function storedTasks(db: string, runId: string): Promise<{ rows: number; succeeded: Set<string>; doubleRows: number }> {
  const s = new SqliteStore(db);
  try {
    const rows = await s.getTasks(runId);
    const ids = new Set(rows.map((r) => r.taskId));
    return { rows: rows.length, succeeded: new Set(rows.filter((r) => r.state === 'succeeded').map((r) => r.taskId)), doubleRows: rows.length - ids.size };
  } finally {
    await s.close();
  }
}

const logLines = (log: string): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

test('killed between a large submit\'s chunks, resumed: the missing rows are made, every task succeeds once', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-chunk-crash-'));
  try {
    const db = join(dir, 'kairos.db');
    const log = join(dir, 'effects.log');
    const first = child(db, log, 'submit', String(TASKS), 2);
    assert.equal(first.signal, 'SIGKILL', `the submitting child was killed by its 2nd task (status ${first.status})`);
    const runId = first.out.split('\n')[0]!;
    assert.match(runId, /\S/);
    let prev = await storedTasks(db, runId);
    assert.ok(prev.rows > 0 && prev.rows < TASKS, `the kill left part of the rows (${prev.rows} of ${TASKS})`);

    // Two more kills while resuming (the re-made rows are chunked again: usually still some
    // missing, as the chunks grow), then a resume to the end.
    for (const killAt of [2, 3, 0]) {
      const linesBefore = logLines(log).length;
      const r = child(db, log, 'resume', runId, killAt);
      if (killAt > 0) assert.equal(r.signal, 'SIGKILL');
      else assert.equal(r.out.trim().split('\n').at(-1), 'succeeded', `the last resume finished the run (status ${r.status})`);
      // Nothing that had succeeded before this process started ran again in it.
      const ranNow = logLines(log).slice(linesBefore);
      for (const id of ranNow) assert.ok(!prev.succeeded.has(id), `${id} succeeded before the kill and ran again`);
      prev = await storedTasks(db, runId);
      assert.equal(prev.doubleRows, 0, 'no task has two rows');
    }
    assert.equal(prev.rows, TASKS, 'every row exists');
    assert.equal(prev.succeeded.size, TASKS, 'every task succeeded');
    // Exactly once: a task ran again only if it had not succeeded (a kill during its attempt).
    const runs = new Map<string, number>();
    for (const id of logLines(log)) runs.set(id, (runs.get(id) ?? 0) + 1);
    const reruns = [...runs.values()].filter((n) => n > 1).length;
    assert.equal(runs.size, TASKS, 'every task ran');
    assert.ok(reruns <= 4 * 3, `only attempts cut by a kill ran twice (${reruns})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
