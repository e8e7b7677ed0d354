/**
 * The whole production shape, and its leader killed: PostgreSQL + Redis + 2 `kairos worker`
 * processes + two `kairos server` replicas — the leader a separate process, the replica in this
 * one (both with `--broker`). Runs are submitted to the replica; while their tasks run on the
 * workers, the leader gets SIGKILL. The replica takes the lease, adopts the runs (the attempts in
 * flight are recorded `lost` and rerun; the workers' late results for them are ignored by
 * fencing) and they finish: every task succeeded exactly once, read from the store.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/engine/redis.js';
import { createServer, type KairosServer } from '../../src/server/app.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { startPostgres, type PgServer } from '../store/pg-harness.js';
import { registered, spawnWorker, startTestRedis, stopWorker, until, type TestRedis, type WorkerProc } from './harness.js';
import { auditRun } from './check-store.js';

let redis: TestRedis;
let pg: PgServer;
const workers: WorkerProc[] = [];
const dirs: string[] = [];
before(async () => {
  [redis, pg] = await Promise.all([startTestRedis(), startPostgres()]);
});
after(async () => {
  for (const w of workers) await stopWorker(w);
  await redis?.stop();
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const WORKFLOW = `name: failover
tasks:
  first:
    run: echo one
  fan:
    needs: [first]
    foreach: params.items
    run: sleep 3 && echo "item $ITEM"
    env: { ITEM: "\${{ item }}" }
  last:
    needs: [fan]
    run: echo done
params:
  items: { default: [1, 2, 3, 4] }
`;

test('kill -9 of the leader with tasks on remote workers: the replica takes over and every task succeeds once', async () => {
  for (const id of ['f1', 'f2']) workers.push(spawnWorker(redis.url, id, ['--capacity', 'slots=4', '--ttl', '2000']));
  await Promise.all(workers.map((w) => registered(w)));
  const url = pg.url(await pg.createDatabase());
  const leaderDir = mkdtempSync(join(tmpdir(), 'kairos-failover-leader-'));
  const replicaDir = mkdtempSync(join(tmpdir(), 'kairos-failover-replica-'));
  dirs.push(leaderDir, replicaDir);
  const port = await freePort();
  const leader = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'server', '--store', url, '--broker', redis.url, '--state', leaderDir, '--port', String(port)], {
    env: { ...process.env, KAIROS_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const store = await PostgresStore.open({ connectionString: url, log: () => undefined });
  let replica: KairosServer | null = null;
  try {
    await until(async () => {
      try {
        return ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { role?: string }).role === 'leader';
      } catch {
        return false;
      }
    }, 'the leader to serve');
    replica = await createServer({
      config: { stateDir: replicaDir, store: url, broker: redis.url, logLevel: 'silent' },
      engine: { owner: 'replica', killGraceMs: 300 },
      leadership: { checkMs: 100, adoptMs: 200, onLost: () => undefined },
    });
    await replica.ready();
    assert.equal(replica.kairos.leadership.role, 'replica');
    const post = (u: string, body: unknown) => replica!.inject({ method: 'POST', url: u, ...(typeof body === 'string' ? { payload: body, headers: { 'content-type': 'application/yaml' } } : { payload: body as object }) });
    assert.equal((await post('/workflows', WORKFLOW)).statusCode, 201);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(JSON.parse((await post('/runs', { workflow: 'failover' })).body).id);
    await until(async () => {
      // Workers hold 2 cpu each: the first run's fan-out fills them, the second run waits queued.
      return (await store.getTasks(ids[0]!)).some((t) => t.itemIndex !== null && t.state === 'running');
    }, 'fan-out tasks to run on the workers');
    leader.kill('SIGKILL');
    await until(() => replica!.kairos.leadership.isLeader, 'the replica to lead');
    let lost = 0;
    for (const id of ids) {
      await until(async () => (await store.getRun(id))?.state !== 'running', `run ${id} to finish`, 90_000);
      const audit = await auditRun(store, id);
      for (const list of audit.attempts.values()) lost += list.filter((a) => a.status === 'lost').length;
      const onWorkers = (await store.getTasks(id)).filter((t) => t.worker !== null).map((t) => t.worker);
      assert.ok(onWorkers.every((w) => w === 'f1' || w === 'f2'), `tasks ran on the workers, not in a server: ${onWorkers.join(',')}`);
    }
    assert.ok(lost >= 1, 'the attempts in flight when the leader died are recorded lost');
  } finally {
    leader.kill('SIGKILL');
    await replica?.close();
    await store.close();
  }
});
