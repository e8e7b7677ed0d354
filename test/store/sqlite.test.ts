import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { storeConformance, runRow, taskRow } from './conformance.js';
import { emptyBatch, type TaskRow } from '../../src/store/types.js';
import Database from 'better-sqlite3';

storeConformance('sqlite', async () => new SqliteStore(':memory:'));

// The same suite with writes on the writer thread (`writer: 'thread'`) and reads on the main
// connection: each test's reads must see the writes it made before them.
const threadDir = mkdtempSync(join(tmpdir(), 'kairos-store-thread-'));
after(() => rmSync(threadDir, { recursive: true, force: true }));
let threadDbs = 0;
storeConformance('sqlite writer thread', async () => {
  const s = new SqliteStore(join(threadDir, `s${threadDbs++}.db`), { writer: 'thread' });
  assert.equal(await s.startWriter(), true, 'writes go through the writer thread');
  return s;
});

test('sqlite writer thread: commit takes its snapshot when called; reads wait for posted writes', async () => {
  const s = new SqliteStore(join(threadDir, 'snapshot.db'), { writer: 'thread' });
  try {
    assert.equal(await s.startWriter(), true);
    const b = emptyBatch();
    const run = runRow('r1');
    b.newRuns.push(run);
    b.newTasks.push(taskRow('r1', 'a'));
    const committed = s.commit(b);
    // The engine mutates its live rows right after commit returns (its next tick): not written.
    run.state = 'failed';
    b.newTasks[0]!.state = 'running';
    // Not awaited: the read still sees the commit posted before it.
    assert.equal((await s.getRun('r1'))!.state, 'running');
    assert.equal((await s.getTasks('r1'))[0]!.state, 'pending');
    await committed;
    // Commits are applied in call order, so the last of several in-flight writes wins.
    const t = taskRow('r1', 'a');
    const writes = ['ready', 'queued', 'succeeded'].map((state) => {
      const u = emptyBatch();
      u.tasks.push({ ...t, state: state as 'ready' });
      return s.commit(u);
    });
    assert.equal((await s.getTasks('r1'))[0]!.state, 'succeeded');
    await Promise.all(writes);
  } finally {
    await s.close();
  }
});

test('sqlite: state survives reopening the file, and migrations are idempotent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-store-'));
  try {
    const path = join(dir, 'sub', 'kairos.db');
    const a = new SqliteStore(path);
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    await a.commit(b);
    await a.close();
    const again = new SqliteStore(path);
    await again.migrate();
    assert.equal((await again.getRun('r1'))!.id, 'r1');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: two stores opening one new file at once both migrate safely', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-store-'));
  try {
    const path = join(dir, 'kairos.db');
    const stores = [new SqliteStore(path), new SqliteStore(path), new SqliteStore(path)];
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    await stores[1]!.commit(b);
    assert.equal((await stores[2]!.getRun('r1'))!.id, 'r1');
    for (const s of stores) await s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite writer thread: a huge batch written inline never overtakes writes in flight', async () => {
  const s = new SqliteStore(join(threadDir, 'huge.db'), { writer: 'thread' });
  try {
    assert.equal(await s.startWriter(), true);
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    b.newTasks.push(taskRow('r1', 'a'));
    const first = s.commit(b);
    // Above the thread's batch limit (50,000 rows): written on the main connection once the thread has caught up.
    const huge = emptyBatch();
    huge.tasks.push(taskRow('r1', 'a', { state: 'succeeded' }));
    for (let i = 0; i < 50_000; i++) huge.events.push({ runId: 'r1', taskId: null, at: i, type: 'tick', data: null });
    const second = s.commit(huge);
    const last = emptyBatch();
    last.events.push({ runId: 'r1', taskId: 'a', at: 99, type: 'after', data: null });
    const third = s.commit(last);
    const order: number[] = [];
    await Promise.all([first.then(() => order.push(1)), second.then(() => order.push(2)), third.then(() => order.push(3))]);
    assert.deepEqual(order, [1, 2, 3], 'commits resolve in call order');
    assert.equal((await s.getTasks('r1'))[0]!.state, 'succeeded');
    const events = await s.getEvents('r1');
    assert.equal(events.length, 50_001);
    assert.equal(events.at(-1)!.type, 'after');
  } finally {
    await s.close();
  }
});

test('sqlite writer thread: a function attempt that its row says all of is kept in the row, and becomes a row when the task moves on', async () => {
  const path = join(threadDir, 'implicit.db');
  const s = new SqliteStore(path, { writer: 'thread' });
  const raw = new Database(path, { readonly: true });
  const stored = () => ({
    attempts: raw.prepare("SELECT task_id, attempt, exit_code FROM attempts ORDER BY task_id, attempt").all(),
    implicit: raw.prepare('SELECT task_id FROM tasks WHERE implicit_attempt = 1 ORDER BY task_id').pluck().all(),
  });
  try {
    assert.equal(await s.startWriter(), true);
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    const rows = ['fn', 'sh', 'late'].map((id) => taskRow('r1', id, { state: 'running', attempt: 1, startedAt: 5, worker: 'w1' }));
    b.newTasks.push(...rows);
    await s.commit(b);
    const attempt = (taskId: string, exitCode: number | null) =>
      ({ runId: 'r1', taskId, attempt: 1, kind: 'run' as const, status: 'succeeded' as const, worker: 'w1', startedAt: 5, finishedAt: 9, exitCode, error: null });
    const [fn, sh, late] = rows as [TaskRow, TaskRow, TaskRow];
    for (const t of rows) Object.assign(t, { state: 'succeeded', finishedAt: 9, outputs: {} });
    late.finishedAt = 10; // not what the attempt says: written whole
    const b2 = emptyBatch();
    b2.tasks.push(...rows);
    b2.attempts.push(attempt('fn', null), attempt('sh', 0), attempt('late', null));
    b2.attemptTasks = [fn, sh, late];
    await s.commit(b2);
    // A shell attempt has an exit code the row has no column for: written whole.
    assert.deepEqual(stored(), { attempts: [{ task_id: 'late', attempt: 1, exit_code: null }, { task_id: 'sh', attempt: 1, exit_code: 0 }], implicit: ['fn'] });
    assert.deepEqual(await s.getAttempts('r1', 'fn'), [attempt('fn', null)]);
    // The row is written again without the mark (here: reset): the trigger writes the attempt first.
    Object.assign(fn, { state: 'pending', startedAt: null, finishedAt: null, worker: null });
    const b3 = emptyBatch();
    b3.tasks.push(fn);
    await s.commit(b3);
    assert.deepEqual(stored().implicit, []);
    assert.deepEqual(await s.getAttempts('r1', 'fn'), [attempt('fn', null)]);
    assert.equal(stored().attempts.length, 3);
  } finally {
    raw.close();
    await s.close();
  }
});
