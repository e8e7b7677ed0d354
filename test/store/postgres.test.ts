/**
 * The PostgreSQL store on a real server started by the harness (pg-harness.ts), each test in its
 * own fresh database: the shared conformance suite, then what only PostgreSQL has (concurrent
 * migrations, pg_trgm and its fallback, group commit of large batches).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';
import { LZ4_COLUMNS, PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { jsonbSafe } from '../../src/store/postgres/json-rows.js';
import { MAX_LOG_RUNS } from '../../src/store/postgres/task-log.js';
import { emptyBatch, type AttemptRow, type EventRow } from '../../src/store/types.js';
import { runRow, storeConformance, taskRow } from './conformance.js';
import { startPostgres, type PgServer } from './pg-harness.js';

let server: PgServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

/** A migrated store on a fresh database; `log` collects its log lines. */
async function fresh(over: Partial<PostgresStoreOptions> = {}, log: string[] = []): Promise<{ store: PostgresStore; db: string }> {
  const db = await server.createDatabase();
  const store = await PostgresStore.open({ connectionString: server.url(db), log: (m) => log.push(m), ...over });
  return { store, db };
}

storeConformance('postgres', async () => (await fresh()).store);

test('postgres: migrations are recorded, idempotent, and data survives reopening', async () => {
  const { store, db } = await fresh();
  const b = emptyBatch();
  b.newRuns.push(runRow('r1'));
  await store.commit(b);
  await store.migrate();
  await store.close();
  const again = await PostgresStore.open({ connectionString: server.url(db), log: () => undefined });
  await again.migrate();
  assert.equal((await again.getRun('r1'))!.id, 'r1');
  await again.close();
  const applied = await server.sql('SELECT version, name FROM kairos.schema_migrations ORDER BY version', db);
  assert.deepEqual(applied.rows, PG_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  // Half-empty task pages: a task's updates stay on its page (HOT, no new index entries).
  const opts = await server.sql(`SELECT reloptions FROM pg_class WHERE oid = 'kairos.tasks'::regclass`, db);
  assert.deepEqual(opts.rows[0].reloptions, ['fillfactor=50']);
});

test('postgres: stores migrating one new database at once all succeed (advisory lock), in several schemas', async () => {
  const db = await server.createDatabase();
  const opts = (schema: string) => ({ connectionString: server.url(db), schema, log: () => undefined });
  const stores = [0, 1, 2, 3, 4, 5].map((i) => new PostgresStore(opts(i % 2 === 0 ? 'kairos' : 'other')));
  await Promise.all(stores.map((s) => s.migrate()));
  assert.deepEqual(stores.map((s) => s.searchMode), Array(6).fill('trigram'));
  for (const schema of ['kairos', 'other']) {
    const n = await server.sql(`SELECT count(*)::int AS n FROM ${schema}.schema_migrations`, db);
    assert.equal(n.rows[0].n, PG_MIGRATIONS.length);
  }
  // Schemas are separate stores.
  const b = emptyBatch();
  b.newRuns.push(runRow('r1'));
  await stores[0]!.commit(b);
  assert.equal((await stores[2]!.getRun('r1'))!.id, 'r1');
  assert.equal(await stores[1]!.getRun('r1'), null);
  for (const s of stores) await s.close();
});

async function searchFixture(store: PostgresStore): Promise<void> {
  const b = emptyBatch();
  b.newRuns.push(
    runRow('nightly-ETL-1', { createdAt: 1, workflow: 'etl_daily', labels: { team: 'Data-Platform' } }),
    runRow('r2', { createdAt: 2, workflow: 'etlXdaily', labels: { owner: 'alice' } }),
    runRow('r3', { createdAt: 3, workflow: 'train', labels: {} }),
  );
  await store.commit(b);
  const ids = async (search: string) => (await store.listRuns({ search })).map((r) => r.id);
  assert.deepEqual(await ids('etl'), ['r2', 'nightly-ETL-1']); // case-insensitive, id or workflow
  assert.deepEqual(await ids('platform'), ['nightly-ETL-1']); // a label value
  assert.deepEqual(await ids('team'), []); // label keys are not searched
  assert.deepEqual(await ids('etl_'), ['nightly-ETL-1']); // '_' is literal, not a wildcard
  assert.deepEqual(await ids('LIC'), ['r2']);
  assert.deepEqual(await ids('zzz'), []);
}

test('postgres: pg_trgm available: a GIN trigram index serves partial-string search', async () => {
  const log: string[] = [];
  const { store, db } = await fresh({}, log);
  assert.equal(store.searchMode, 'trigram');
  assert.deepEqual(log, []);
  await searchFixture(store);
  const c = new pg.Client({ connectionString: server.url(db) });
  await c.connect();
  try {
    await c.query('SET enable_seqscan = off');
    const plan = await c.query(`EXPLAIN SELECT id FROM kairos.runs WHERE search_text ILIKE '%platform%'`);
    assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /runs_search_trgm/);
  } finally {
    await c.end();
  }
  await store.close();
});

test('postgres: a role that may not create pg_trgm: start-up succeeds, one log line, ILIKE search; index once an admin adds it', async () => {
  const db = await server.createDatabase();
  const role = { user: `limited_${db}`, password: 'limited-pw' };
  await server.sql(`CREATE ROLE ${role.user} LOGIN PASSWORD '${role.password}'`);
  // The role owns its schema but has no CREATE on the database: it cannot create extensions.
  await server.sql(`CREATE SCHEMA kairos AUTHORIZATION ${role.user}`, db);
  const log: string[] = [];
  const opts = { connectionString: server.url(db, role), log: (m: string) => log.push(m) };
  const store = await PostgresStore.open(opts);
  assert.equal(store.searchMode, 'ilike');
  assert.equal(log.length, 1);
  assert.match(log[0]!, /pg_trgm is not available .*permission denied.*ILIKE/);
  await searchFixture(store);
  await store.close();

  await server.sql('CREATE EXTENSION pg_trgm', db); // in public, where the role has USAGE
  log.length = 0;
  const again = await PostgresStore.open(opts);
  assert.equal(again.searchMode, 'trigram');
  assert.deepEqual(log, []);
  const idx = await server.sql(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'kairos' AND indexname = 'runs_search_trgm'`, db);
  assert.match(idx.rows[0].indexdef, /gin \(search_text (public\.)?gin_trgm_ops\)/);
  assert.deepEqual((await again.listRuns({ search: 'platform' })).map((r) => r.id), ['nightly-ETL-1']);
  await again.close();
});

/** Compression of the LZ4_COLUMNS in `db` ('l' lz4, 'p' pglz, '' the default). */
async function compression(db: string): Promise<string[]> {
  const r = await server.sql(`SELECT c.relname || '.' || a.attname AS col, a.attcompression AS comp FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'kairos' AND a.attnum > 0`, db);
  const by = new Map(r.rows.map((x) => [x.col as string, x.comp as string]));
  return LZ4_COLUMNS.map(([t, col]) => by.get(`${t}.${col}`) ?? 'missing');
}

test('postgres: the task log and spec parts are lz4-compressed; a role that may not alter them starts anyway, with one log line (and its trigram index in use)', async () => {
  const log: string[] = [];
  const { store, db } = await fresh({}, log);
  // The harness's server is PostgreSQL 15 built with lz4 (Debian), as CI's.
  assert.deepEqual(await compression(db), LZ4_COLUMNS.map(() => 'l'));
  assert.deepEqual(log, []);
  await store.close();
  // Back to pglz by the owner; a role with only row privileges cannot change it: logged, not fatal.
  for (const [t, col] of LZ4_COLUMNS) await server.sql(`ALTER TABLE kairos.${t} ALTER COLUMN ${col} SET COMPRESSION pglz`, db);
  const role = { user: `rowsonly_${db}`, password: 'rows-pw' };
  await server.sql(`CREATE ROLE ${role.user} LOGIN PASSWORD '${role.password}'`);
  await server.sql(`GRANT USAGE, CREATE ON SCHEMA kairos TO ${role.user}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA kairos TO ${role.user};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA kairos TO ${role.user}; GRANT CREATE ON DATABASE ${db} TO ${role.user}`, db);
  const limited: string[] = [];
  const again = await PostgresStore.open({ connectionString: server.url(db, role), log: (m) => limited.push(m) });
  assert.equal(again.searchMode, 'trigram', 'the index the owner made serves a role that could not make it');
  assert.equal(limited.length, 1, limited.join('\n'));
  assert.match(limited[0]!, /lz4 column compression is not available \(must be owner of table task_log\).*pglz/);
  assert.deepEqual(await compression(db), LZ4_COLUMNS.map(() => 'p'));
  const b = emptyBatch();
  b.newRuns.push(runRow('r'));
  b.newTasks.push(taskRow('r', 'a'));
  await again.commit(b);
  assert.equal((await again.getTasks('r')).length, 1);
  await again.close();
});

test('postgres: trigram "off" option: ILIKE search and one log line', async () => {
  const log: string[] = [];
  const { store } = await fresh({ trigram: 'off' }, log);
  assert.equal(store.searchMode, 'ilike');
  assert.equal(log.length, 1);
  assert.match(log[0]!, /pg_trgm disabled/);
  await searchFixture(store);
  await store.close();
});

/** A pool that counts the statements its connections run. */
function countingPool(url: string): { pool: pg.Pool; statements: () => number } {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let n = 0;
  pool.on('connect', (client) => {
    const q = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => (n++, q(...a));
  });
  return { pool, statements: () => n };
}

test('postgres: a 1,000-row batch is one transaction of a few statements, and atomic on failure', async () => {
  const db = await server.createDatabase();
  const { pool, statements } = countingPool(server.url(db));
  const store = await PostgresStore.open({ pool, log: () => undefined });
  const N = 1000;
  const b = emptyBatch();
  b.newRuns.push(runRow('big'));
  for (let i = 0; i < N; i++) {
    b.newTasks.push(taskRow('big', `t${i}`, { item: { i, s: 'x\u0000y' } }));
    b.events.push({ runId: 'big', taskId: `t${i}`, at: i, type: 'task_ready', data: { i } });
    b.attempts.push({ runId: 'big', taskId: `t${i}`, attempt: 1, kind: 'run', status: 'succeeded', worker: 'w', startedAt: i, finishedAt: i + 1, exitCode: 0, error: i === 0 ? 'bad\u0000byte' : null });
  }
  let before = statements();
  await store.commit(b);
  assert.ok(statements() - before <= 8, `${statements() - before} statements for a batch of ${3 * N + 1} rows`);
  const xids = await server.sql(`SELECT count(DISTINCT x) AS n FROM (
      SELECT xmin::text x FROM kairos.runs UNION ALL SELECT xmin::text FROM kairos.tasks
      UNION ALL SELECT xmin::text FROM kairos.events UNION ALL SELECT xmin::text FROM kairos.attempts) u`, db);
  assert.equal(Number(xids.rows[0].n), 1, 'every row written by one transaction');
  const tasks = await store.getTasks('big');
  assert.deepEqual(tasks.map((t) => t.taskId), b.newTasks.map((t) => t.taskId)); // insertion order
  assert.deepEqual(tasks[7]!.item, { i: 7, s: 'x\u0000y' });
  assert.deepEqual((await store.getEvents('big')).map((e: EventRow) => e.at), b.events.map((e) => e.at));
  const attempts = await store.getAttempts('big');
  assert.equal(attempts.length, N);
  assert.equal(attempts.find((a: AttemptRow) => a.taskId === 't0')!.error, 'bad\uFFFDbyte'); // NUL cannot be stored

  // 1,000 task updates in one upsert; a task listed twice keeps its last row.
  const up = emptyBatch();
  for (let i = 0; i < N; i++) up.tasks.push(taskRow('big', `t${i}`, { state: 'ready', readyAt: 5 }));
  up.tasks.push(taskRow('big', 't3', { state: 'running', attempt: 1 }));
  up.runs.push(runRow('big', { state: 'failed' }), runRow('big', { state: 'succeeded', finishedAt: 9 }));
  before = statements();
  await store.commit(up);
  assert.ok(statements() - before <= 5); // BEGIN, runs, tasks, the finished run's log rows, COMMIT
  const after = await store.getTasks('big');
  assert.equal(after.filter((t) => t.state === 'ready').length, N - 1);
  assert.equal(after.find((t) => t.taskId === 't3')!.state, 'running');
  assert.equal((await store.getRun('big'))!.state, 'succeeded');

  // A failing batch (the last of 1,000 new tasks collides) leaves nothing behind.
  const bad = emptyBatch();
  bad.newRuns.push(runRow('r2'));
  for (let i = 0; i < N - 1; i++) bad.newTasks.push(taskRow('r2', `t${i}`));
  bad.newTasks.push(taskRow('big', 't0'));
  bad.events.push({ runId: 'r2', taskId: null, at: 1, type: 'run_submitted', data: null });
  await assert.rejects(store.commit(bad), /duplicate key/);
  assert.equal(await store.getRun('r2'), null);
  assert.deepEqual(await store.getTasks('r2'), []);
  assert.deepEqual(await store.getEvents('r2'), []);
  await store.close();
  assert.equal(pool.totalCount >= 0, true); // the caller's pool stays open after close()
  await pool.query('SELECT 1');
  await pool.end();
});

test('postgres: a fleet tick (task upserts, attempts, events) is ONE statement, atomic; odd text still stored', async () => {
  const db = await server.createDatabase();
  const { pool, statements } = countingPool(server.url(db));
  const store = await PostgresStore.open({ pool, log: () => undefined });
  const seed = emptyBatch();
  seed.newRuns.push(runRow('r'));
  for (let i = 0; i < 3; i++) seed.newTasks.push(taskRow('r', `t${i}`, { state: 'queued' }));
  await store.commit(seed);
  const attempt = (taskId: string, error: string | null): AttemptRow => ({
    runId: 'r', taskId, attempt: 1, kind: 'run', status: error === null ? 'succeeded' : 'failed', worker: 'w', startedAt: 1, finishedAt: 2, exitCode: null, error,
  });

  const tick = emptyBatch();
  tick.tasks.push(taskRow('r', 't0', { state: 'succeeded', attempt: 1, outputs: { b: 1, a: [2, 'x\u0000y'] } }), taskRow('r', 't1', { state: 'running', attempt: 1, worker: 'w' }));
  tick.attempts.push(attempt('t0', null));
  tick.events.push({ runId: 'r', taskId: 't0', at: 3, type: 'late_result_ignored', data: { attempt: 0 } });
  let before = statements();
  await store.commit(tick);
  assert.equal(statements() - before, 1, 'one statement: no BEGIN/COMMIT');
  const by = new Map((await store.getTasks('r')).map((t) => [t.taskId, t]));
  assert.equal(by.get('t1')!.state, 'running');
  assert.deepEqual(by.get('t0')!.outputs, { b: 1, a: [2, 'x\u0000y'] }); // NUL inside a json value is kept
  assert.equal((await store.getAttempts('r')).length, 1);
  assert.deepEqual((await store.getEvents('r')).map((e) => e.type), ['late_result_ignored']);

  // Atomic: an event the table refuses (no time) leaves the task updates and attempt out too.
  const bad = emptyBatch();
  bad.tasks.push(taskRow('r', 't2', { state: 'running', attempt: 1 }));
  bad.attempts.push(attempt('t1', 'x'));
  bad.events.push({ runId: 'r', taskId: 't2', at: null as unknown as number, type: 'x', data: null });
  await assert.rejects(store.commit(bad), /null value/);
  assert.equal((await store.getTasks('r')).find((t) => t.taskId === 't2')!.state, 'queued');
  assert.equal((await store.getAttempts('r')).length, 1);

  // Text jsonb cannot carry (a lone surrogate) takes the column-array path: stored as before.
  const odd = emptyBatch();
  odd.tasks.push(taskRow('r', 't2', { state: 'failed', attempt: 1, error: 'bad \ud800 half' }));
  odd.attempts.push(attempt('t2', 'nul\u0000 and \udc00'));
  before = statements();
  await store.commit(odd);
  assert.ok(statements() - before > 1, 'a transaction of several statements');
  assert.equal((await store.getTasks('r')).find((t) => t.taskId === 't2')!.error, 'bad \ufffd half');
  assert.equal((await store.getAttempts('r', 't2'))[0]!.error, 'nul\ufffd and \ufffd');
  await store.close();
  await pool.end();
});

test('postgres: a tick\'s task updates of one run go to the task log as one row; reads overlay it only where newer than the row', async () => {
  const { store, db } = await fresh();
  const seed = emptyBatch();
  seed.newRuns.push(runRow('r'), runRow('s'));
  for (let i = 0; i < 3; i++) seed.newTasks.push(taskRow('r', `t${i}`, { state: 'queued', item: { i } }));
  seed.newTasks.push(taskRow('s', 'x', { state: 'queued' }));
  await store.commit(seed);
  const table = async (taskId: string) => (await server.sql(`SELECT state FROM kairos.tasks WHERE run_id = 'r' AND task_id = '${taskId}'`, db)).rows[0].state as string;
  const logRows = async () => Number((await server.sql('SELECT count(*) AS n FROM kairos.task_log', db)).rows[0].n);
  const state = async (runId = 'r') => (await store.getTasks(runId)).map((t) => `${t.taskId}:${t.state}:${t.attempt}`);

  // A tick's dispatches: one log row, the table untouched; read back whole (json columns parsed).
  const tick = emptyBatch();
  for (let i = 0; i < 3; i++) tick.tasks.push(taskRow('r', `t${i}`, { state: 'running', attempt: 1, worker: 'w', startedAt: 5, item: { i }, reason: { kind: 'dependency', waitingOn: ['z'] } }));
  await store.commit(tick);
  assert.equal(await logRows(), 1);
  assert.equal(await table('t0'), 'queued');
  const t1 = (await store.getTasks('r'))[1]!;
  assert.deepEqual(t1, taskRow('r', 't1', { state: 'running', attempt: 1, worker: 'w', startedAt: 5, item: { i: 1 }, reason: { kind: 'dependency', waitingOn: ['z'] } }));

  // A tick's results (and a dispatch) of one run: one log row too, the table still untouched.
  const results = emptyBatch();
  results.tasks.push(taskRow('r', 't0', { state: 'succeeded', attempt: 1, finishedAt: 7, outputs: { ok: [1, 'x\u0000y'] }, item: { i: 0 } }));
  results.tasks.push(taskRow('r', 't2', { state: 'failed', attempt: 1, error: 'boom', item: { i: 2 } }));
  await store.commit(results);
  assert.equal(await logRows(), 2);
  assert.equal(await table('t0'), 'queued');
  assert.deepEqual(await state(), ['t0:succeeded:1', 't1:running:1', 't2:failed:1']);
  assert.deepEqual((await store.getTasks('r'))[0]!.outputs, { ok: [1, 'x\u0000y'] });

  // Later table writes (a transaction batch: here with its run's row) win over the earlier log
  // entries — also a re-queue under the same attempt number (a lost attempt), which attempt
  // numbers alone could not tell apart.
  const requeue = emptyBatch();
  requeue.tasks.push(taskRow('r', 't1', { state: 'queued', attempt: 1, item: { i: 1 } }), taskRow('r', 't2', { state: 'queued', attempt: 1, item: { i: 2 } }));
  requeue.runs.push(runRow('r'));
  await store.commit(requeue);
  assert.equal(await table('t1'), 'queued');
  assert.deepEqual(await state(), ['t0:succeeded:1', 't1:queued:1', 't2:queued:1']);
  // ...and a later log entry wins over the row again.
  const again = emptyBatch();
  again.tasks.push(taskRow('r', 't1', { state: 'dispatched', attempt: 2, item: { i: 1 } }));
  await store.commit(again);
  assert.deepEqual(await state(), ['t0:succeeded:1', 't1:dispatched:2', 't2:queued:1']);
  assert.equal(await table('t1'), 'queued');
  assert.equal(await logRows(), 3);

  // Updates of two runs in one tick: one log row per run (one statement), the table untouched.
  const two = emptyBatch();
  two.tasks.push(taskRow('r', 't2', { state: 'running', attempt: 2, item: { i: 2 } }), taskRow('s', 'x', { state: 'running', attempt: 1 }));
  await store.commit(two);
  assert.equal(await logRows(), 5);
  assert.equal(await table('t2'), 'queued');
  assert.deepEqual(await state(), ['t0:succeeded:1', 't1:dispatched:2', 't2:running:2']);
  assert.deepEqual(await state('s'), ['x:running:1']);

  // A tick jsonb could not carry (a lone surrogate) is a transaction of column arrays: table writes.
  const odd = emptyBatch();
  odd.tasks.push(taskRow('r', 't2', { state: 'failed', attempt: 2, error: 'bad \ud800 half', item: { i: 2 } }), taskRow('s', 'x', { state: 'succeeded', attempt: 1 }));
  await store.commit(odd);
  assert.equal(await logRows(), 5);
  assert.equal(await table('t2'), 'failed');
  assert.deepEqual(await state('s'), ['x:succeeded:1']);

  // The run's last results in the log, then the commit that ends it: its log rows are kept (t0's
  // result lives only there), and its tasks read their final states.
  const last = emptyBatch();
  last.tasks.push(taskRow('r', 't1', { state: 'succeeded', attempt: 2, item: { i: 1 } }));
  await store.commit(last);
  const fin = emptyBatch();
  fin.tasks.push(taskRow('r', 't2', { state: 'succeeded', attempt: 3, item: { i: 2 } }));
  fin.runs.push(runRow('r', { state: 'succeeded', finishedAt: 9 }));
  await store.commit(fin);
  assert.equal(await logRows(), 6);
  assert.equal(await table('t0'), 'queued');
  assert.deepEqual(await state(), ['t0:succeeded:1', 't1:succeeded:2', 't2:succeeded:3']);
  await store.close();
  // A store opened afresh (another server taking over) reads the same.
  const reopened = await PostgresStore.open({ connectionString: server.url(db), log: () => undefined });
  assert.deepEqual((await reopened.getTasks('r')).map((t) => `${t.taskId}:${t.state}:${t.attempt}`), ['t0:succeeded:1', 't1:succeeded:2', 't2:succeeded:3']);
  await reopened.close();
});

test('postgres: a long run\'s task log is folded into the table every logFoldRows rows; reads unchanged', async () => {
  const { store, db } = await fresh({ logFoldRows: 3 });
  const seed = emptyBatch();
  seed.newRuns.push(runRow('r'));
  for (let i = 0; i < 4; i++) seed.newTasks.push(taskRow('r', `t${i}`, { state: 'queued' }));
  await store.commit(seed);
  const logRows = async () => Number((await server.sql('SELECT count(*) AS n FROM kairos.task_log', db)).rows[0].n);
  const tableState = async () => (await server.sql(`SELECT task_id, state, attempt FROM kairos.tasks WHERE run_id = 'r' ORDER BY id`, db)).rows.map((r) => `${r.task_id}:${r.state}:${r.attempt}`);
  const read = async () => (await store.getTasks('r')).map((t) => `${t.taskId}:${t.state}:${t.attempt}`);
  const dispatch = (taskId: string, attempt: number) => {
    const b = emptyBatch();
    b.tasks.push(taskRow('r', taskId, { state: 'running', attempt, worker: 'w', startedAt: attempt }));
    return b;
  };
  await store.commit(dispatch('t0', 1));
  // t0's re-queue written to the table (a transaction batch): its log entry is now older than its row.
  const requeue = emptyBatch();
  requeue.tasks.push(taskRow('r', 't0', { state: 'queued', attempt: 1 }));
  requeue.runs.push(runRow('r'));
  await store.commit(requeue);
  await store.commit(dispatch('t1', 1));
  assert.equal(await logRows(), 2);
  const done = emptyBatch();
  done.tasks.push(taskRow('r', 't1', { state: 'succeeded', attempt: 1 }), taskRow('r', 't2', { state: 'running', attempt: 1, worker: 'w', startedAt: 1 }));
  await store.commit(done); // the third log row: folded after this commit
  await store.commit(emptyBatch()); // waits for the chain
  assert.equal(await logRows(), 0);
  assert.deepEqual(await tableState(), ['t0:queued:1', 't1:succeeded:1', 't2:running:1', 't3:queued:0']);
  assert.deepEqual(await read(), ['t0:queued:1', 't1:succeeded:1', 't2:running:1', 't3:queued:0']);
  // New log rows after a fold overlay the folded rows as before.
  await store.commit(dispatch('t1', 2));
  assert.equal(await logRows(), 1);
  assert.deepEqual(await read(), ['t0:queued:1', 't1:running:2', 't2:running:1', 't3:queued:0']);
  await store.close();
});

test('postgres: a tick with updates of more than MAX_LOG_RUNS runs logs the runs with the most rows, upserts the rest', async () => {
  const { store, db } = await fresh();
  const ids = Array.from({ length: MAX_LOG_RUNS + 1 }, (_, i) => `r${i}`);
  const seed = emptyBatch();
  for (const id of ids) {
    seed.newRuns.push(runRow(id));
    seed.newTasks.push(taskRow(id, 'a', { state: 'queued' }), taskRow(id, 'b', { state: 'queued' }));
  }
  await store.commit(seed);
  const tick = emptyBatch();
  // r0 has one row, every other run two: r0 is the one upserted.
  for (const id of ids) for (const t of id === 'r0' ? ['a'] : ['a', 'b']) tick.tasks.push(taskRow(id, t, { state: 'running', attempt: 1 }));
  await store.commit(tick);
  const logged = (await server.sql('SELECT run_id FROM kairos.task_log ORDER BY id', db)).rows.map((r) => r.run_id as string);
  assert.deepEqual(logged.sort(), ids.slice(1).sort());
  assert.equal((await server.sql(`SELECT state FROM kairos.tasks WHERE run_id = 'r0' AND task_id = 'a'`, db)).rows[0].state, 'running');
  for (const id of ids) assert.deepEqual((await store.getTasks(id)).map((t) => t.state), id === 'r0' ? ['running', 'queued'] : ['running', 'running']);
  await store.close();
});

test('postgres: a run\'s task log is also folded after logFoldTuples task tuples', async () => {
  const { store, db } = await fresh({ logFoldTuples: 3 });
  const seed = emptyBatch();
  seed.newRuns.push(runRow('r'));
  for (let i = 0; i < 3; i++) seed.newTasks.push(taskRow('r', `t${i}`, { state: 'queued' }));
  await store.commit(seed);
  const logRows = async () => Number((await server.sql('SELECT count(*) AS n FROM kairos.task_log', db)).rows[0].n);
  const tick = (state: 'running' | 'succeeded', ...ids: string[]) => {
    const b = emptyBatch();
    for (const id of ids) b.tasks.push(taskRow('r', id, { state, attempt: 1 }));
    return b;
  };
  await store.commit(tick('running', 't0', 't1'));
  await store.commit(emptyBatch());
  assert.equal(await logRows(), 1);
  await store.commit(tick('succeeded', 't0')); // the third tuple: folded after this commit
  await store.commit(emptyBatch());
  assert.equal(await logRows(), 0);
  assert.deepEqual((await store.getTasks('r')).map((t) => t.state), ['succeeded', 'running', 'queued']);
  await store.close();
});

test('postgres: a tick\'s attempts of its log row\'s run travel in that row; reads keep the order they were written, across folds', async () => {
  const { store, db } = await fresh({ logFoldRows: 4 });
  const seed = emptyBatch();
  seed.newRuns.push(runRow('r'), runRow('s'));
  for (const id of ['a', 'b']) seed.newTasks.push(taskRow('r', id, { state: 'queued' }));
  seed.newTasks.push(taskRow('s', 'x', { state: 'queued' }));
  await store.commit(seed);
  const tableAttempts = async () => Number((await server.sql('SELECT count(*) AS n FROM kairos.attempts', db)).rows[0].n);
  const logRows = async () => Number((await server.sql('SELECT count(*) AS n FROM kairos.task_log', db)).rows[0].n);
  const attempt = (taskId: string, n: number, status: AttemptRow['status'], runId = 'r'): AttemptRow => ({
    runId, taskId, attempt: n, kind: 'run', status, worker: 'w', startedAt: n, finishedAt: n + 1, exitCode: status === 'succeeded' ? 0 : null, error: status === 'lost' ? 'worker died \ud83d\ude00' : null,
  });
  const read = async (taskId?: string) => (await store.getAttempts('r', taskId)).map((a) => `${a.taskId}#${a.attempt}:${a.status}`);

  // a's attempt 1 is lost (a steady tick: in the log row), the task re-queued under the same number.
  const t1 = emptyBatch();
  t1.tasks.push(taskRow('r', 'a', { state: 'queued', attempt: 1 }), taskRow('r', 'b', { state: 'running', attempt: 1 }));
  t1.attempts.push(attempt('a', 1, 'lost'));
  await store.commit(t1);
  assert.equal(await tableAttempts(), 0);
  assert.deepEqual(await read(), ['a#1:lost']);
  assert.deepEqual((await store.getAttempts('r', 'a'))[0], attempt('a', 1, 'lost')); // every field read back
  // Its rerun succeeds in a transaction batch (the table), after the logged lost one.
  const t2 = emptyBatch();
  t2.tasks.push(taskRow('r', 'a', { state: 'succeeded', attempt: 1 }));
  t2.attempts.push(attempt('a', 1, 'succeeded'));
  t2.runs.push(runRow('r'));
  await store.commit(t2);
  assert.equal(await tableAttempts(), 1);
  // b: lost in the table first (a transaction batch), then its rerun in the log.
  const t3 = emptyBatch();
  t3.tasks.push(taskRow('r', 'b', { state: 'queued', attempt: 1 }));
  t3.attempts.push(attempt('b', 1, 'lost'), attempt('x', 1, 'failed', 's'));
  t3.runs.push(runRow('r'));
  await store.commit(t3);
  assert.equal(await tableAttempts(), 3);
  const t4 = emptyBatch();
  t4.tasks.push(taskRow('r', 'b', { state: 'succeeded', attempt: 1 }));
  t4.attempts.push(attempt('b', 1, 'succeeded'));
  await store.commit(t4);
  assert.equal(await tableAttempts(), 3);
  const expected = ['a#1:lost', 'a#1:succeeded', 'b#1:lost', 'b#1:succeeded'];
  assert.deepEqual(await read(), expected);
  assert.deepEqual(await read('b'), ['b#1:lost', 'b#1:succeeded']);
  assert.deepEqual((await store.getAttempts('s')).map((a) => a.status), ['failed']);
  // A tick with attempts of a run that has no log row in it: those go to the table, r's to its row.
  const t35 = emptyBatch();
  t35.tasks.push(taskRow('r', 'a', { state: 'succeeded', attempt: 1 }));
  t35.attempts.push(attempt('x', 2, 'cancelled', 's'));
  await store.commit(t35);
  assert.equal(await tableAttempts(), 4);
  assert.deepEqual((await store.getAttempts('s')).map((a) => a.status), ['failed', 'cancelled']);
  // The fourth log row of r: folded after its commit — the logged attempts move to the table in order.
  assert.equal(await logRows(), 3);
  const t5 = emptyBatch();
  t5.tasks.push(taskRow('r', 'b', { state: 'succeeded', attempt: 2 }));
  t5.attempts.push(attempt('b', 2, 'succeeded'));
  await store.commit(t5);
  await store.commit(emptyBatch()); // waits for the chain
  assert.equal(await logRows(), 0);
  assert.equal(await tableAttempts(), 7);
  assert.deepEqual(await read(), [...expected, 'b#2:succeeded']);
  assert.deepEqual((await store.getAttempts('r', 'a'))[0], attempt('a', 1, 'lost'));
  // After the fold, a table write then a logged one still read in written order.
  const t6 = emptyBatch();
  t6.attempts.push(attempt('b', 2, 'cancelled'));
  t6.runs.push(runRow('r'));
  await store.commit(t6);
  const t7 = emptyBatch();
  t7.tasks.push(taskRow('r', 'b', { state: 'failed', attempt: 2 }));
  t7.attempts.push(attempt('b', 2, 'failed'));
  await store.commit(t7);
  assert.equal(await tableAttempts(), 8);
  assert.deepEqual(await read('b'), ['b#1:lost', 'b#1:succeeded', 'b#2:succeeded', 'b#2:cancelled', 'b#2:failed']);
  await store.close();
});

test('postgres: a run\'s task specs are stored in the short form (a task like the one before as [id, needs]) and read back whole', async () => {
  const { store, db } = await fresh();
  const task = (i: number, over: object = {}) => ({ id: `t${i}`, needs: i === 0 ? [] : [`t${i - 1}`], action: { kind: 'fn', fn: 'noop', args: null }, env: {}, secretEnv: [], timeoutMs: null, priority: 50, ...over });
  const tasks = Array.from({ length: 2500 }, (_, i) => task(i, i === 2100 ? { timeoutMs: 5 } : {}));
  const b = emptyBatch();
  b.newRuns.push(runRow('r', { spec: { ...runRow('r').spec, tasks } as never }));
  await store.commit(b);
  const parts = (await server.sql(`SELECT tasks::text AS t FROM kairos.run_spec_tasks WHERE run_id = 'r' ORDER BY part`, db)).rows.map((r) => JSON.parse(r.t as string) as unknown[]);
  assert.equal(parts.length, 2);
  assert.deepEqual(parts[0]![1], ['t1', ['t0']]);
  assert.deepEqual(parts[1]![0], tasks[2000], 'each part starts with a whole task');
  assert.deepEqual(parts[1]![100], tasks[2100], 'a task that differs is written whole');
  assert.deepEqual(parts[1]![101], tasks[2101], '...and so is the one after it');
  assert.deepEqual((await store.getRun('r'))!.spec.tasks, tasks);
  assert.deepEqual((await store.listRuns())[0]!.spec.tasks, tasks);
  // Parts written whole (before the short form) read the same.
  await server.sql(`UPDATE kairos.run_spec_tasks SET tasks = '${JSON.stringify(tasks.slice(0, 2000))}' WHERE run_id = 'r' AND part = 0`, db);
  assert.deepEqual((await store.getRun('r'))!.spec.tasks, tasks);
  await store.close();
});

test('postgres: which JSON texts jsonb can carry', () => {
  const safe = (v: unknown) => jsonbSafe(JSON.stringify(v));
  assert.equal(safe(['a\u0000b']), false, 'NUL');
  assert.equal(safe(['x\ud800']), false, 'a lone high surrogate');
  assert.equal(safe(['\udfff']), false, 'a lone low surrogate');
  assert.equal(safe(['\ud83d\ude00 \u001f é']), true, 'a pair, a control character, non-ASCII');
  assert.equal(safe(['a\\u0000']), true, 'a backslash and the letters u0000');
  assert.equal(safe([JSON.stringify({ k: '\u0000\ud800' })]), true, 'nested JSON text (escaped twice)');
  assert.equal(safe(['\\\u0000']), false, 'a backslash, then NUL');
});

test('postgres: concurrent claims, workflow saves and unawaited commits', async () => {
  const { store } = await fresh();
  const b = emptyBatch();
  b.newRuns.push(runRow('r1', { owner: 'dead', ownerSeenAt: 0 }));
  b.newTasks.push(taskRow('r1', 'a'));
  await store.commit(b);
  const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimRun('r1', `h:${i}`, 10_000, 5000)));
  assert.equal(claims.filter(Boolean).length, 1, 'exactly one claimer wins a stale run');

  const saved = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    store.saveWorkflow({ name: 'wf', namespace: 'ns', spec: runRow('x').spec, source: `v${i}`, createdAt: i })));
  assert.deepEqual(saved.map((w) => w.version).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8]);

  // Commits apply in call order even when the caller does not wait for each.
  const pending = ['ready', 'queued', 'running'].map((state) => {
    const u = emptyBatch();
    u.tasks.push(taskRow('r1', 'a', { state: state as 'ready' }));
    return store.commit(u);
  });
  await Promise.all(pending);
  assert.equal((await store.getTasks('r1'))[0]!.state, 'running');
  await store.close();
});

test('postgres: API tokens (hash only): create, find, list, revoke once', async () => {
  const { store } = await fresh();
  const tok = { id: 'k1', hash: 'ab'.repeat(32), role: 'operator' as const, namespace: 'ns', name: 'ci', createdAt: 5, revokedAt: null };
  await store.createToken(tok);
  await store.createToken({ ...tok, id: 'k0', hash: 'cd'.repeat(32), namespace: null, name: null, createdAt: 1 });
  await assert.rejects(store.createToken({ ...tok, id: 'k2' }), /duplicate key/); // same hash
  assert.deepEqual(await store.findToken(tok.hash), tok);
  assert.equal(await store.findToken('nope'), null);
  assert.deepEqual((await store.listTokens()).map((t) => t.id), ['k0', 'k1']);
  assert.equal(await store.revokeToken('k1', 9), true);
  assert.equal(await store.revokeToken('k1', 10), false);
  assert.equal((await store.findToken(tok.hash))!.revokedAt, 9);
  await store.close();
});
