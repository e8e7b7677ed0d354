/**
 * The production shape: PostgreSQL store (a real server from test/store/pg-harness.ts) + Redis
 * dispatch + 3 real worker processes. A DAG with fan-out and outputs runs to the end; the store
 * shows each task succeeded exactly once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spec } from '../engine/helpers.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { startPostgres, type PgServer } from '../store/pg-harness.js';
import { fleetEngine, registered, spawnWorker, startTestRedis, stopWorker, until, type TestRedis, type WorkerProc } from './harness.js';
import { auditRun } from './check-store.js';

let redis: TestRedis;
let pg: PgServer;
const workers: WorkerProc[] = [];
before(async () => {
  [redis, pg] = await Promise.all([startTestRedis(), startPostgres()]);
});
after(async () => {
  for (const w of workers) await stopWorker(w);
  await redis?.stop();
  await pg?.stop();
});

test('PostgreSQL + Redis + 3 workers: a fan-out DAG completes, each task exactly once', async () => {
  for (const id of ['p1', 'p2', 'p3']) workers.push(spawnWorker(redis.url, id, ['--capacity', 'slots=4', '--ttl', '2000']));
  await Promise.all(workers.map((w) => registered(w)));
  const store = await PostgresStore.open({ connectionString: pg.url(await pg.createDatabase()), log: () => undefined });
  const f = fleetEngine(redis.url, { store });
  try {
    const run = await f.engine.submit(spec(`
name: fleet-pg
tasks:
  list:
    run: |
      echo '::kairos-output {"items": [1,2,3,4,5,6,7,8,9,10,11,12]}'
  each:
    needs: [list]
    foreach: tasks.list.outputs.items
    run: |
      sleep 0.1; echo "::kairos-output {\\"sq\\": $((ITEM * ITEM))}"
    env: { ITEM: "\${{ item }}" }
  total:
    needs: [each]
    run: echo done
`));
    const done = await f.engine.wait(run.id);
    assert.equal(done.state, 'succeeded', done.error ?? '');
    await auditRun(f.store, run.id);
    const rows = await f.store.getTasks(run.id);
    const sq = rows.filter((r) => r.specId === 'each' && r.itemIndex !== null).map((r) => (r.outputs as { sq: number }).sq).sort((x, y) => x - y);
    assert.deepEqual(sq, [1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144]);
    assert.equal(new Set(rows.filter((r) => r.worker !== null).map((r) => r.worker)).size, 3, 'all 3 workers took part');
  } finally {
    await f.close();
  }
});
