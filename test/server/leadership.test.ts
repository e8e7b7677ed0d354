/**
 * Several server replicas on one PostgreSQL database (a real server started by the harness):
 * exactly one holds the scheduler lease and drives runs; a replica writes what it is sent and
 * wakes the leader; when the leader goes (closed, or killed with SIGKILL in another process), a
 * replica takes the lease and finishes the runs in flight — every task succeeds exactly once in
 * the store, and the interrupted attempt is recorded as lost.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type KairosServer } from '../../src/server/app.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/types.js';
import { startPostgres, type PgServer } from '../store/pg-harness.js';
import { freePort } from '../../bench/engine/redis.js';

let pg: PgServer;
const dirs: string[] = [];
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const LONG = `name: slow
tasks:
  first:
    run: echo one
  middle:
    needs: [first]
    run: sleep 1.5 && echo two
  last:
    needs: [middle]
    run: echo three
`;

async function replica(url: string, owner: string, lost: () => void = () => undefined): Promise<KairosServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-replica-'));
  dirs.push(dir);
  const app = await createServer({
    config: { stateDir: dir, store: url, logLevel: 'silent' },
    engine: { owner, killGraceMs: 300, capacity: { cpu: 4, memory: 2 ** 33 } },
    leadership: { checkMs: 100, adoptMs: 200, onLost: lost },
  });
  await app.ready();
  return app;
}

async function call(app: KairosServer, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.inject({ method, url, ...(body === undefined ? {} : typeof body === 'string' ? { payload: body, headers: { 'content-type': 'application/yaml' } } : { payload: body as object }) });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every task succeeded exactly once: one succeeded attempt each, whatever was lost before. */
async function assertExactlyOnce(store: Store, runId: string): Promise<{ lost: number }> {
  const tasks = await store.getTasks(runId);
  assert.ok(tasks.length > 0);
  let lost = 0;
  for (const t of tasks) {
    assert.equal(t.state, 'succeeded', `${t.taskId} is ${t.state}`);
    const attempts = (await store.getAttempts(runId, t.taskId)).filter((a) => a.kind === 'run');
    assert.equal(attempts.filter((a) => a.status === 'succeeded').length, 1, `${t.taskId}: ${JSON.stringify(attempts)}`);
    if (process.env.DEBUG_LEASE) process.stderr.write(`${t.taskId} ${JSON.stringify(attempts)}\n`);
    lost += attempts.filter((a) => a.status === 'lost').length;
  }
  return { lost };
}

test('SQLite, one server: a restarted server takes over the run its previous life left running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-restart-'));
  dirs.push(dir);
  const start = async () => {
    const app = await createServer({ config: { stateDir: dir, logLevel: 'silent' }, engine: { killGraceMs: 300, capacity: { cpu: 4, memory: 2 ** 33 } } });
    await app.ready();
    return app;
  };
  const first = await start();
  await call(first, 'POST', '/workflows', LONG);
  const id = (await call(first, 'POST', '/runs', { workflow: 'slow' })).body.id as string;
  await until('middle to run', async () => (await first.kairos.store.getTasks(id)).find((t) => t.taskId === 'middle' && t.state === 'running'));
  await first.close(); // kills the attempt; its row stays running
  const second = await start();
  try {
    assert.equal(second.kairos.leadership.role, 'leader');
    const final = await until('the run to finish after the restart', async () => {
      const r = await second.kairos.store.getRun(id);
      return r && r.state !== 'running' ? r : null;
    });
    assert.equal(final.state, 'succeeded');
    assert.equal((await assertExactlyOnce(second.kairos.store, id)).lost, 1);
  } finally {
    await second.close();
  }
});

test('one leader drives; a replica accepts submits, wakes the leader, and refuses scheduler actions', async () => {
  const url = pg.url(await pg.createDatabase());
  const a = await replica(url, 'replica-a');
  const b = await replica(url, 'replica-b');
  try {
    assert.equal((await call(a, 'GET', '/healthz')).body.role, 'leader');
    assert.equal((await call(b, 'GET', '/healthz')).body.role, 'replica');
    assert.equal((await call(b, 'POST', '/workflows', LONG.replace('sleep 1.5 && ', ''))).status, 201);
    const submitted = await call(b, 'POST', '/runs', { workflow: 'slow' });
    assert.equal(submitted.status, 201);
    const id = submitted.body.id as string;
    const done = await until('the leader to finish the run', async () => {
      const r = await call(b, 'GET', `/runs/${id}`);
      return r.body.run.state === 'succeeded' ? r.body.run : null;
    });
    assert.equal(done.state, 'succeeded');
    assert.ok(existsSync(join(a.kairos.config.stateDir, 'logs', id)), 'the leader ran the tasks (their logs are in its state folder)');
    assert.ok(!existsSync(join(b.kairos.config.stateDir, 'logs', id)), 'the replica ran nothing');
    assert.equal(b.kairos.engine.runs.size, 0, 'the replica drives nothing');
    const refused = await call(b, 'PUT', '/policy', { policy: 'fifo' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'NOT_LEADER');
    assert.equal((await call(b, 'POST', '/system/pause')).body.error.code, 'NOT_LEADER');
    assert.equal((await call(a, 'PUT', '/policy', { policy: 'fifo' })).status, 200);
  } finally {
    await b.close();
    await a.close();
  }
});

test('when the leader stops, the replica takes the lease and finishes the run in flight', async () => {
  const url = pg.url(await pg.createDatabase());
  const a = await replica(url, 'replica-a');
  const b = await replica(url, 'replica-b');
  try {
    await call(a, 'POST', '/workflows', LONG);
    const id = (await call(a, 'POST', '/runs', { workflow: 'slow' })).body.id as string;
    await until('middle to run', async () => (await a.kairos.store.getTasks(id)).find((t) => t.taskId === 'middle' && t.state === 'running'));
    await a.close(); // kills the running attempt; its row stays running; the lease is released
    await until('the replica to lead', async () => b.kairos.leadership.isLeader);
    const final = await until('the run to finish on the new leader', async () => {
      const r = await b.kairos.store.getRun(id);
      return r && r.state !== 'running' ? r : null;
    });
    assert.equal(final.state, 'succeeded');
    assert.ok(existsSync(join(b.kairos.config.stateDir, 'logs', id, 'last.1.log')), 'the new leader ran the rest');
    const { lost } = await assertExactlyOnce(b.kairos.store, id);
    assert.equal(lost, 1, 'the attempt interrupted with the old leader is recorded as lost');
  } finally {
    await b.close();
  }
});

test('kill -9 of the leader process: a replica takes over within seconds and the runs finish once', async () => {
  const url = pg.url(await pg.createDatabase());
  const dir = mkdtempSync(join(tmpdir(), 'kairos-leader-'));
  dirs.push(dir);
  const port = await freePort();
  const leader: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'server', '--store', url, '--state', dir, '--port', String(port)], {
    env: { ...process.env, KAIROS_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  let b: KairosServer | null = null;
  const store = await PostgresStore.open({ connectionString: url, log: () => undefined });
  try {
    await until('the leader to serve', async () => {
      try {
        return ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { role?: string }).role === 'leader';
      } catch {
        return false;
      }
    }, 60_000);
    b = await replica(url, 'replica-b');
    assert.equal(b.kairos.leadership.isLeader, false);
    await call(b, 'POST', '/workflows', LONG);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await call(b, 'POST', '/runs', { workflow: 'slow' })).body.id);
    await until('the leader to run the middle tasks', async () => {
      for (const id of ids) if (!(await store.getTasks(id)).some((t) => t.taskId === 'middle' && t.state === 'running')) return false;
      return true;
    });
    const killedAt = Date.now();
    leader.kill('SIGKILL');
    await until('the replica to lead', async () => b!.kairos.leadership.isLeader);
    const tookOverMs = Date.now() - killedAt;
    for (const id of ids) {
      const final = await until(`run ${id} to finish`, async () => {
        const r = await store.getRun(id);
        return r && r.state !== 'running' ? r : null;
      });
      assert.equal(final.state, 'succeeded');
      const { lost } = await assertExactlyOnce(store, id);
      assert.equal(lost, 1);
    }
    process.stderr.write(`# leader killed: replica took the lease after ${tookOverMs} ms\n`);
  } finally {
    leader.kill('SIGKILL');
    await b?.close();
    await store.close();
  }
});
