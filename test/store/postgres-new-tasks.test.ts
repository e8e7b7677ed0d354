/**
 * A submit's new task rows alike but for the task id are inserted as ids + one template tuple
 * (src/store/postgres/new-tasks.ts). Checked: the split into stretches, which statements a batch
 * becomes, and on a real server (pg-harness.ts) that every row reads back whole and in order —
 * stretches, the rows between them, stretches past ROWS_PER_STATEMENT, and a stretch jsonb cannot
 * carry (falls back to the tuple path).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { BatchStatements, prepareBatch, ROWS_PER_STATEMENT } from '../../src/store/postgres/write-batch.js';
import { resolveOptions } from '../../src/store/postgres/options.js';
import { LIKE_MIN_ROWS, newTaskSegments } from '../../src/store/postgres/new-tasks.js';
import { emptyBatch, type TaskRow } from '../../src/store/types.js';
import { runRow, taskRow } from './conformance.js';
import { startPostgres, type PgServer } from './pg-harness.js';

let server: PgServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const T = 1_795_527_044_956;
const queued = (id: string, over: Partial<TaskRow> = {}) => taskRow('r', id, { state: 'queued', readyAt: T, ...over });
const pending = (id: string) => taskRow('r', id, { state: 'pending' });

/** 2 odd rows, a stretch of 40 queued, 1 odd, 20 pending, LIKE_MIN_ROWS - 1 queued (too short), 1 odd. */
function mixed(): TaskRow[] {
  const item = { k: ['x', 1] };
  const rows: TaskRow[] = [queued('a', { item: { a: 1 } }), pending('b')];
  for (let i = 0; i < 40; i++) rows.push(queued(`q${i}`, { itemIndex: 3, item, error: 'e\u0000x' }));
  rows.push(queued('c', { readyAt: T + 1 }));
  for (let i = 0; i < 20; i++) rows.push(pending(`p${i}`));
  for (let i = 0; i < LIKE_MIN_ROWS - 1; i++) rows.push(queued(`s${i}`));
  rows.push(pending('z'));
  return rows;
}

test('new tasks: stretches of rows alike but for the task id, in order, the rest between them', () => {
  const rows = mixed();
  const segs = newTaskSegments(rows);
  assert.deepEqual(segs.map((s) => [s.like, s.to - s.from]), [[false, 2], [true, 40], [false, 1], [true, 20], [false, LIKE_MIN_ROWS]]);
  assert.equal(segs[0]!.from, 0);
  for (let i = 1; i < segs.length; i++) assert.equal(segs[i]!.from, segs[i - 1]!.to);
  assert.equal(segs[segs.length - 1]!.to, rows.length);
  // A json column alike only by value (another object) is not alike: written whole.
  const two = [queued('x', { item: { a: 1 } }), ...Array.from({ length: 20 }, (_, i) => queued(`y${i}`, { item: { a: 1 } }))];
  assert.deepEqual(newTaskSegments(two).map((s) => s.like), [false]);
});

test('new tasks: rows differing in any one column but the task id are not alike', () => {
  const other: { [K in keyof TaskRow]?: TaskRow[K] } = {
    runId: 'r2', specId: 's', itemIndex: 1, item: { a: 1 }, state: 'pending', attempt: 1, readyAt: T + 1, startedAt: 1, finishedAt: 1,
    retryAt: 1, worker: 'w', outputs: {}, error: 'e', reason: { kind: 'dependency', waitingOn: [] }, doneSeq: 1,
  };
  const keys = Object.keys(queued('x')).filter((k) => k !== 'taskId');
  assert.deepEqual([...keys].sort(), Object.keys(other).sort(), 'every column has a different value here');
  for (const k of keys) {
    // Row LIKE_MIN_ROWS differs: the stretch before it is alike, it and the rows after are not (too short).
    const rows = Array.from({ length: 2 * LIKE_MIN_ROWS }, (_, i) => queued(`t${i}`, i === LIKE_MIN_ROWS ? { [k]: other[k as keyof TaskRow] } : {}));
    assert.deepEqual(newTaskSegments(rows).map((s) => [s.like, s.to - s.from]), [[true, LIKE_MIN_ROWS], [false, LIKE_MIN_ROWS]], k);
  }
});

test('new tasks: a batch\'s stretches become insertTasksLike statements (ids + template), in batch order', () => {
  const q = new BatchStatements(resolveOptions({ pool: new pg.Pool({ connectionString: 'postgres://unused/none' }) }));
  const b = emptyBatch();
  b.newTasks.push(...mixed());
  const names = prepareBatch(q, b).statements.map((s) => s.name.replace(/^kairos_[0-9a-z]+_/, ''));
  assert.deepEqual(names, ['insertTasks_j', 'insertTasksLike', 'insertTasks_j', 'insertTasksLike', 'insertTasks_j']);
  const like = prepareBatch(q, b).statements[1]!;
  assert.equal(like.values[0], JSON.stringify(Array.from({ length: 40 }, (_, i) => `q${i}`)));
});

test('postgres: new task stretches read back whole and in order (across statements, past ROWS_PER_STATEMENT, and a stretch jsonb cannot carry)', async () => {
  const db = await server.createDatabase();
  const store = await PostgresStore.open({ connectionString: server.url(db), log: () => undefined });
  const rows = mixed();
  const big: TaskRow[] = Array.from({ length: ROWS_PER_STATEMENT + 5 }, (_, i) => queued(`b${i}`));
  const odd: TaskRow[] = Array.from({ length: LIKE_MIN_ROWS }, (_, i) => queued(i === 3 ? 'bad\ud800' : `o${i}`));
  const b = emptyBatch();
  b.newRuns.push(runRow('r'));
  b.newTasks.push(...rows, ...big, ...odd);
  await store.commit(b);
  const read = await store.getTasks('r');
  const expected = [...rows, ...big, ...odd].map((t) => ({ ...t, error: t.error === null ? null : t.error.replace(/\0/g, '\uFFFD') }));
  // The task id with a lone surrogate took the column-array path (stored as that path always did; not compared).
  assert.equal(read.length, expected.length);
  assert.deepEqual(read.map((t) => t.taskId).filter((id) => !id.startsWith('bad')), expected.map((t) => t.taskId).filter((id) => !id.startsWith('bad')));
  assert.deepEqual(read.filter((t) => !t.taskId.startsWith('bad')), expected.filter((t) => !t.taskId.startsWith('bad')));
  // Identity ids follow the batch order.
  const ids = (await server.sql(`SELECT task_id FROM kairos.tasks WHERE run_id = 'r' ORDER BY id`, db)).rows.map((x) => x.task_id as string);
  assert.deepEqual(ids.slice(0, rows.length + big.length), [...rows, ...big].map((t) => t.taskId));
  await store.close();
});
