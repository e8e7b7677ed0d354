/**
 * The task log's stored form since migration 7 (task-log.ts, rows.ts `logTaskTuple`): a log
 * row's tuples leave out the run id and give times as offsets from the row's `base`. With
 * epoch-millisecond times (what the engine writes), every reader must give back the exact times:
 * `getTasks` (overlay in JavaScript), `getAttempts` of a run and of one task (SQL), the fold (SQL)
 * — and rows in the form written before the migration (base 0, absolute times, the run id in the
 * tuple) must read the same, alone or mixed with new rows. Real server (pg-harness.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';
import { attemptTuple, taskTuple } from '../../src/store/postgres/rows.js';
import { emptyBatch, type AttemptRow, type TaskRow } from '../../src/store/types.js';
import { runRow, taskRow } from './conformance.js';
import { startPostgres, type PgServer } from './pg-harness.js';

let server: PgServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

async function fresh(over: Partial<PostgresStoreOptions> = {}): Promise<{ store: PostgresStore; db: string }> {
  const db = await server.createDatabase();
  const store = await PostgresStore.open({ connectionString: server.url(db), log: () => undefined, ...over });
  return { store, db };
}

const T = 1_795_527_044_956; // an epoch-ms time, as Date.now() gives

const attempt = (runId: string, taskId: string, n: number, startedAt: number, finishedAt: number | null): AttemptRow => ({
  runId, taskId, attempt: n, kind: 'run', status: finishedAt === null ? 'lost' : 'succeeded', worker: 'w0', startedAt, finishedAt, exitCode: null, error: null,
});

/** A run `r` of tasks a, b, c (queued, in the table), then one steady tick: a and b succeeded with their attempts, c running. */
async function seedAndTick(store: PostgresStore): Promise<{ tasks: TaskRow[]; attempts: AttemptRow[] }> {
  const seed = emptyBatch();
  seed.newRuns.push(runRow('r'));
  for (const id of ['a', 'b', 'c']) seed.newTasks.push(taskRow('r', id, { state: 'queued', readyAt: T }));
  await store.commit(seed);
  const tasks = [
    taskRow('r', 'a', { state: 'succeeded', attempt: 1, readyAt: T, startedAt: T + 42, finishedAt: T + 163, worker: 'w0', outputs: { x: 1 }, doneSeq: 1 }),
    taskRow('r', 'b', { state: 'succeeded', attempt: 1, readyAt: T - 5000, startedAt: T + 1, finishedAt: T + 2, worker: 'w0', doneSeq: 2 }),
    taskRow('r', 'c', { state: 'running', attempt: 2, readyAt: T, startedAt: T + 300, retryAt: T + 250, worker: 'w1' }),
  ];
  const attempts = [attempt('r', 'a', 1, T + 42, T + 163), attempt('r', 'b', 1, T + 1, T + 2), attempt('r', 'c', 1, T + 10, null)];
  const tick = emptyBatch();
  tick.tasks.push(...tasks);
  tick.attempts.push(...attempts);
  await store.commit(tick);
  return { tasks, attempts };
}

test('postgres task log: a row holds times as offsets from its base, no run id; every read gives the exact times', async () => {
  const { store, db } = await fresh();
  const { tasks, attempts } = await seedAndTick(store);
  const rows = (await server.sql('SELECT run_id, base, tuples, attempts FROM kairos.task_log', db)).rows;
  assert.equal(rows.length, 1);
  assert.equal(Number(rows[0].base), T, 'the first task\'s readyAt');
  assert.ok(!String(rows[0].tuples).includes('1795527') && !String(rows[0].attempts).includes('1795527'), 'no absolute time in the text');
  assert.ok(!String(rows[0].tuples).includes('"r"'), 'no run id in the tuples');
  assert.deepEqual(await store.getTasks('r'), tasks);
  assert.deepEqual(await store.getAttempts('r'), attempts);
  assert.deepEqual(await store.getAttempts('r', 'c'), [attempts[2]]);
  // The table still holds the seed (the tick only logged), so every time above came from the log.
  assert.deepEqual((await server.sql(`SELECT started_at FROM kairos.tasks WHERE run_id = 'r' ORDER BY id`, db)).rows.map((x) => x.started_at), [null, null, null]);
  await store.close();
});

test('postgres task log: the fold writes the exact times into the tables', async () => {
  const { store, db } = await fresh({ logFoldRows: 1 });
  const { tasks, attempts } = await seedAndTick(store);
  await store.commit(emptyBatch()); // waits for the fold
  assert.equal(Number((await server.sql('SELECT count(*) AS n FROM kairos.task_log', db)).rows[0].n), 0);
  const table = (await server.sql(`SELECT run_id, ready_at, started_at, finished_at, retry_at FROM kairos.tasks WHERE run_id = 'r' ORDER BY id`, db)).rows;
  assert.deepEqual(table.map((x) => [x.run_id, x.ready_at, x.started_at, x.finished_at, x.retry_at].map((v) => (v === null ? null : String(v)))),
    tasks.map((t) => [t.runId, t.readyAt, t.startedAt, t.finishedAt, t.retryAt].map((v) => (v === null ? null : String(v)))));
  assert.deepEqual(await store.getTasks('r'), tasks);
  assert.deepEqual(await store.getAttempts('r'), attempts);
  const att = (await server.sql(`SELECT run_id, started_at, finished_at FROM kairos.attempts ORDER BY id`, db)).rows;
  assert.deepEqual(att.map((x) => [x.run_id, String(x.started_at), x.finished_at === null ? null : String(x.finished_at)]),
    attempts.map((a) => [a.runId, String(a.startedAt), a.finishedAt === null ? null : String(a.finishedAt)]));
  await store.close();
});

test('postgres task log: rows in the pre-migration-7 form (base 0, absolute times, run id in the tuple) read alike, mixed with new rows, and fold', async () => {
  const { store, db } = await fresh({ logFoldRows: 2 });
  const seed = emptyBatch();
  seed.newRuns.push(runRow('r'));
  for (const id of ['a', 'b']) seed.newTasks.push(taskRow('r', id, { state: 'queued', readyAt: T }));
  await store.commit(seed);
  // An old-form row, as the release before wrote it (taskTuple/attemptTuple, no base column value).
  const oldA = taskRow('r', 'a', { state: 'succeeded', attempt: 1, readyAt: T, startedAt: T + 7, finishedAt: T + 9, worker: 'w', doneSeq: 1 });
  const oldB = taskRow('r', 'b', { state: 'running', attempt: 1, readyAt: T, startedAt: T + 8, worker: 'w' });
  const oldAttempt = attempt('r', 'a', 1, T + 7, T + 9);
  const lit = (v: unknown) => `'${JSON.stringify(v).replace(/'/g, "''")}'`;
  await server.sql(`INSERT INTO kairos.task_log (run_id, tuples, attempts) VALUES ('r', ${lit([taskTuple(oldA), taskTuple(oldB)])}, ${lit([attemptTuple(oldAttempt)])})`, db);
  assert.deepEqual(await store.getTasks('r'), [oldA, oldB]);
  assert.deepEqual(await store.getAttempts('r'), [oldAttempt]);
  assert.deepEqual(await store.getAttempts('r', 'a'), [oldAttempt]);
  // A new-form row after it: b's result overrides its old-form dispatch.
  const newB = taskRow('r', 'b', { state: 'succeeded', attempt: 1, readyAt: T, startedAt: T + 8, finishedAt: T + 99, worker: 'w', doneSeq: 2 });
  const newAttempt = attempt('r', 'b', 1, T + 8, T + 99);
  const tick = emptyBatch();
  tick.tasks.push(newB);
  tick.attempts.push(newAttempt);
  // The store counts only its own log rows toward a fold: two new rows fold both forms.
  await store.commit(tick);
  assert.deepEqual(await store.getTasks('r'), [oldA, newB]);
  assert.deepEqual(await store.getAttempts('r'), [oldAttempt, newAttempt]);
  const again = emptyBatch();
  again.tasks.push(newB);
  await store.commit(again);
  await store.commit(emptyBatch()); // waits for the fold
  assert.equal(Number((await server.sql('SELECT count(*) AS n FROM kairos.task_log', db)).rows[0].n), 0);
  assert.deepEqual(await store.getTasks('r'), [oldA, newB]);
  assert.deepEqual(await store.getAttempts('r'), [oldAttempt, newAttempt]);
  await store.close();
});

test('postgres task log: a row whose first task has no safe-integer time gets base 0 (absolute times)', async () => {
  const { store, db } = await fresh();
  const seed = emptyBatch();
  seed.newRuns.push(runRow('r'));
  seed.newTasks.push(taskRow('r', 'a', { state: 'queued' }), taskRow('r', 'b', { state: 'queued' }));
  await store.commit(seed);
  const tick = emptyBatch();
  const a = taskRow('r', 'a', { state: 'dispatched', attempt: 1 }); // readyAt and startedAt null
  const b = taskRow('r', 'b', { state: 'running', attempt: 1, readyAt: T, startedAt: T + 3 });
  tick.tasks.push(a, b);
  await store.commit(tick);
  assert.equal(Number((await server.sql('SELECT base FROM kairos.task_log', db)).rows[0].base), 0);
  assert.deepEqual(await store.getTasks('r'), [a, b]);
  await store.close();
});
