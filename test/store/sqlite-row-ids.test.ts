/**
 * The SQLite store updates the task rows it inserted by rowid (task-row-ids.ts), inline and on
 * the writer thread (there the rowids come back with the commit's acknowledgement). These
 * tests, run for both writers, interleave a second connection's inserts (another process on the same file), a
 * rolled-back commit, and rows read back from the store, and check every update lands on its own
 * (run, task) row and nowhere else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { emptyBatch, type TaskRow } from '../../src/store/types.js';
import { runRow, taskRow } from './conformance.js';

function withFile(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-rowids-'));
  return fn(join(dir, 'kairos.db')).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function insertRun(s: SqliteStore, runId: string, ids: readonly string[]): Promise<TaskRow[]> {
  const b = emptyBatch();
  b.newRuns.push(runRow(runId));
  const rows = ids.map((id) => taskRow(runId, id));
  b.newTasks.push(...rows);
  await s.commit(b);
  return rows;
}

async function update(s: SqliteStore, rows: readonly TaskRow[], state: TaskRow['state']): Promise<void> {
  const b = emptyBatch();
  for (const r of rows) {
    r.state = state;
    r.attempt += 1;
    b.tasks.push(r);
  }
  await s.commit(b);
}

const states = async (s: SqliteStore, runId: string): Promise<Record<string, string>> =>
  Object.fromEntries((await s.getTasks(runId)).map((t) => [t.taskId, `${t.state}/${t.attempt}`]));

async function open(path: string, writer: 'inline' | 'thread'): Promise<SqliteStore> {
  const s = new SqliteStore(path, { writer });
  if (writer === 'thread') assert.equal(await s.startWriter(), true, 'writes go through the writer thread');
  return s;
}

for (const writer of ['inline', 'thread'] as const) {
test(`sqlite (${writer}): updates of inserted rows land on their own rows while another connection inserts in between`, () =>
  withFile(async (path) => {
    const a = await open(path, writer);
    const other = await open(path, writer);
    try {
      const ra = await insertRun(a, 'ra', ['x', 'y', 'z']);
      const rb = await insertRun(other, 'rb', ['x', 'y']); // rowids right after ra's, by another writer
      const rc = await insertRun(a, 'rc', ['x']); // a's next rowids come after rb's, not after ra's
      await update(a, [ra[1]!, rc[0]!], 'running');
      await update(other, [rb[0]!], 'succeeded');
      await update(a, [ra[1]!], 'succeeded');
      assert.deepEqual(await states(a, 'ra'), { x: 'pending/0', y: 'succeeded/2', z: 'pending/0' });
      assert.deepEqual(await states(a, 'rb'), { x: 'succeeded/1', y: 'pending/0' });
      assert.deepEqual(await states(a, 'rc'), { x: 'running/1' });
    } finally {
      await a.close();
      await other.close();
    }
  }));

test(`sqlite (${writer}): a rolled-back insert leaves no rowid behind; rows read back from the store update by key`, () =>
  withFile(async (path) => {
    const s = await open(path, writer);
    try {
      await insertRun(s, 'r1', ['a']);
      // The same (run, task) again: the commit fails and rolls back, with the new row object in it.
      const dup = taskRow('r1', 'a');
      const b = emptyBatch();
      b.newTasks.push(taskRow('r1', 'b'), dup);
      await assert.rejects(s.commit(b));
      const r2 = await insertRun(s, 'r2', ['a', 'b']); // may reuse the rolled-back rowids
      await update(s, [dup], 'failed'); // not inserted by this store: by key, onto r1/a
      assert.deepEqual(await states(s, 'r1'), { a: 'failed/1' });
      assert.deepEqual(await states(s, 'r2'), { a: 'pending/0', b: 'pending/0' });
      const loaded = await s.getTasks('r2');
      await update(s, loaded.filter((t) => t.taskId === 'b'), 'running');
      await update(s, [r2[0]!], 'running');
      assert.deepEqual(await states(s, 'r2'), { a: 'running/1', b: 'running/1' });
    } finally {
      await s.close();
    }
  }));
}
