/**
 * A submit's new task rows alike but for the task id are inserted as ids + one template tuple
 * (src/store/postgres/new-tasks.ts). Checked: the split into stretches, which statements a batch
 * becomes, and on a real server (pg-harness.ts) that every row reads back whole and in order —
 * stretches, the rows between them, stretches past ROWS_PER_STATEMENT, and a stretch jsonb cannot
 * carry (falls back to the tuple path). New rows that come with a steady tick (a busy fleet
 * engine's dispatched tasks, a chunk of queued rows) are written in that tick's one statement
 * (write-batch.ts `oneStatement`) and read back with the logged updates.
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

const statements = () => new BatchStatements(resolveOptions({ pool: new pg.Pool({ connectionString: 'postgres://unused/none' }) }));
const names = (st: { name: string }[]) => st.map((s) => s.name.replace(/^kairos_[0-9a-z]+_/, ''));

test('new tasks: a submit\'s stretches become insertTasksLike statements (ids + template), in batch order', () => {
  const q = statements();
  const b = emptyBatch();
  b.newRuns.push(runRow('r'));
  b.newTasks.push(...mixed());
  assert.deepEqual(names(prepareBatch(q, b).statements), ['insertRuns_j', 'insertTasks_j', 'insertTasksLike', 'insertTasks_j', 'insertTasksLike', 'insertTasks_j']);
  const like = prepareBatch(q, b).statements[2]!;
  assert.equal(like.values[0], JSON.stringify(Array.from({ length: 40 }, (_, i) => `q${i}`)));
});

test('new tasks with a steady tick: ONE statement, the new rows in one CTE (a lone stretch as ids + template, else tuples)', () => {
  const q = statements();
  const tick = (newTasks: TaskRow[]) => {
    const b = emptyBatch();
    b.newTasks.push(...newTasks);
    b.tasks.push(taskRow('r', 'old', { state: 'succeeded', attempt: 1, readyAt: T, startedAt: T + 1, finishedAt: T + 2, worker: 'w0' }));
    return prepareBatch(q, b);
  };
  // Rows of dispatched tasks (running, each its own worker and time): tuples, with the log row.
  const due = Array.from({ length: 20 }, (_, i) => taskRow('r', `d${i}`, { state: 'running', attempt: 1, readyAt: T, startedAt: T + i, worker: `w${i % 3}` }));
  const one = tick(due);
  assert.equal(one.one, true);
  assert.match(one.statements[0]!.text, /^WITH w0 AS \(INSERT INTO "kairos"\.tasks .*jsonb_array_elements\(\$1::jsonb\).* INSERT INTO "kairos"\.task_log /s);
  // A chunk of queued rows alone: ids + template.
  const chunk = tick(Array.from({ length: 40 }, (_, i) => queued(`q${i}`)));
  assert.equal(chunk.one, true);
  assert.match(chunk.statements[0]!.text, /jsonb_array_elements_text\(\$1::jsonb\)/);
  assert.equal(chunk.statements[0]!.values[0], JSON.stringify(Array.from({ length: 40 }, (_, i) => `q${i}`)));
  // Several stretches: every row a tuple, still one statement (one CTE keeps the insertion order).
  const many = tick(mixed());
  assert.equal(many.one, true);
  assert.deepEqual(JSON.parse(many.statements[0]!.values[0] as string).map((t: unknown[]) => t[1]), mixed().map((t) => t.taskId));
  // Long stretches among other rows: still one statement beside task updates (the transaction
  // would upsert them); alone (a submit's chunk), the transaction with one insertTasksLike per stretch.
  const stretches = [...due, ...Array.from({ length: 300 }, (_, i) => queued(`s${i}`)), ...due.map((t) => ({ ...t, taskId: `e${t.taskId}` }))];
  assert.equal(tick(stretches).one, true);
  const chunkAlone = emptyBatch();
  chunkAlone.newTasks.push(...stretches);
  const tx = prepareBatch(q, chunkAlone);
  assert.equal(tx.one, false);
  assert.deepEqual(names(tx.statements), ['insertTasks_j', 'insertTasksLike', 'insertTasks_j']);
  // A task both inserted and upserted (never made by the engine) is a transaction.
  const b = emptyBatch();
  b.newTasks.push(taskRow('r', 'x', { state: 'queued', readyAt: T }));
  for (let i = 0; i < 17; i++) b.tasks.push(taskRow(`run${i}`, 'x', { state: 'queued', readyAt: T }));
  b.tasks.push(taskRow('r', 'x', { state: 'running', attempt: 1, readyAt: T, startedAt: T, worker: 'w' }));
  assert.equal(prepareBatch(q, b).one, false);
});

test('postgres: new rows written with a steady tick read back with the logged updates, in insertion order', async () => {
  const db = await server.createDatabase();
  const store = await PostgresStore.open({ connectionString: server.url(db), log: () => undefined });
  const seed = emptyBatch();
  seed.newRuns.push(runRow('r'));
  seed.newTasks.push(queued('a'), queued('b'));
  await store.commit(seed);
  // One tick: a and b finish (logged), c..h are inserted as dispatched (running), then a chunk of 30 queued rows alone.
  const done = ['a', 'b'].map((id, i) => taskRow('r', id, { state: 'succeeded', attempt: 1, readyAt: T, startedAt: T + i, finishedAt: T + 9, worker: 'w0', doneSeq: i + 1 }));
  const due = ['c', 'd', 'e', 'f', 'g', 'h'].map((id, i) => taskRow('r', id, { state: 'running', attempt: 1, readyAt: T, startedAt: T + 10 + i, worker: `w${i % 2}` }));
  const tick = emptyBatch();
  tick.tasks.push(...done);
  tick.newTasks.push(...due);
  tick.attempts.push(...done.map((t) => ({ runId: 'r', taskId: t.taskId, attempt: 1, kind: 'run' as const, status: 'succeeded' as const, worker: 'w0', startedAt: t.startedAt!, finishedAt: t.finishedAt, exitCode: 0, error: null })));
  await store.commit(tick);
  const chunk = Array.from({ length: 30 }, (_, i) => queued(`q${i}`));
  const alone = emptyBatch();
  alone.newTasks.push(...chunk);
  await store.commit(alone);
  // c finishes in a later tick: the log overlays the row inserted with the tick before.
  const cDone = { ...due[0]!, state: 'succeeded' as const, finishedAt: T + 50, doneSeq: 3 };
  const later = emptyBatch();
  later.tasks.push(cDone);
  await store.commit(later);
  assert.deepEqual(await store.getTasks('r'), [...done, cDone, ...due.slice(1), ...chunk]);
  assert.equal((await store.getAttempts('r')).length, 2);
  const logged = (await server.sql('SELECT count(*)::int AS n FROM kairos.task_log', db)).rows[0].n;
  assert.equal(logged, 2, 'the two ticks\' updates were logged, not upserted');
  await store.close();
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
