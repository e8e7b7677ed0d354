/**
 * redis-server killed and restarted mid-run (same port, append-only file): the engine and the
 * workers reconnect, the runs finish, nothing is lost and nothing completes twice. (Attempts
 * in flight may be rerun as `lost` if a heartbeat key expired while Redis was down: allowed,
 * and checked to be fenced.) Then the same with a redis-server that comes back EMPTY (no AOF):
 * the registry, streams and groups are gone; the engine reruns what was in flight as `lost`, the
 * workers re-register as new incarnations, and the runs still finish with each task once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spec } from '../engine/helpers.js';
import { fleetEngine, registered, spawnWorker, startTestRedis, stopWorker, until, type TestRedis, type WorkerProc } from './harness.js';
import { auditRun } from './check-store.js';

let redis: TestRedis;
let bare: TestRedis;
const workers: WorkerProc[] = [];
before(async () => {
  [redis, bare] = await Promise.all([startTestRedis(), startTestRedis({ persist: false })]);
});
after(async () => {
  for (const w of workers) await stopWorker(w);
  await redis?.stop();
  await bare?.stop();
});

test('restart redis-server mid-run: both runs finish, every task succeeded exactly once', async () => {
  for (const id of ['r1', 'r2', 'r3']) workers.push(spawnWorker(redis.url, id, ['--capacity', 'slots=3', '--ttl', '3000']));
  await Promise.all(workers.map((w) => registered(w)));
  const f = fleetEngine(redis.url);
  try {
    const tasks = (n: number) => Array.from({ length: n }, (_, i) => `  t${i}:\n    run: sleep 0.3; echo t${i}${i > 0 ? `\n    needs: [t${i - 1}]` : ''}`).join('\n');
    const wide = Array.from({ length: 30 }, (_, i) => `  w${i}:\n    run: sleep 0.4`).join('\n');
    const a = await f.engine.submit(spec(`name: fleet-chain\ntasks:\n${tasks(8)}\n`));
    const b = await f.engine.submit(spec(`name: fleet-wide\ntasks:\n${wide}\n`));
    const live = f.engine.runs.get(b.id)!;
    await until(() => [...live.tasks.values()].filter((t) => t.row.state === 'succeeded').length >= 5, 'some tasks done');
    await redis.restart(700);
    const [da, db] = await Promise.all([f.engine.wait(a.id), f.engine.wait(b.id)]);
    assert.equal(da.state, 'succeeded', da.error ?? '');
    assert.equal(db.state, 'succeeded', db.error ?? '');
    await auditRun(f.store, a.id);
    await auditRun(f.store, b.id);
  } finally {
    await f.close();
  }
});

test('restart redis-server WITHOUT its data mid-run: the run finishes, every task succeeded exactly once', async () => {
  const ws = ['e1', 'e2'].map((id) => spawnWorker(bare.url, id, ['--capacity', 'slots=3', '--ttl', '3000']));
  workers.push(...ws);
  await Promise.all(ws.map((w) => registered(w)));
  const f = fleetEngine(bare.url);
  try {
    // 12 tasks of 1.5 s on 6 slots: when the first wave is done, the second is surely in flight.
    const wide = Array.from({ length: 12 }, (_, i) => `  w${i}:\n    run: sleep 1.5`).join('\n');
    const run = await f.engine.submit(spec(`name: fleet-amnesia\ntasks:\n${wide}\n`));
    const live = f.engine.runs.get(run.id)!;
    await until(() => [...live.tasks.values()].filter((t) => t.row.state === 'succeeded').length >= 1, 'the first wave done');
    await bare.restart(300);
    const done = await f.engine.wait(run.id);
    assert.equal(done.state, 'succeeded', done.error ?? '');
    const audit = await auditRun(f.store, run.id);
    const lost = [...audit.attempts.values()].flat().filter((a) => a.status === 'lost').length;
    assert.ok(lost >= 1, 'the attempts in flight when Redis lost its data were rerun as lost');
    assert.ok(ws.every((w) => w.output().includes('lease_lost')), 'both workers noticed and re-registered');
  } finally {
    await f.close();
  }
});
