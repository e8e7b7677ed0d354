/**
 * `kill -9` of a worker mid-task: the engine sees its heartbeat key expire, records the attempt
 * `lost` (counted as an attempt) and reruns the task on another worker, which completes it once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spec } from '../engine/helpers.js';
import { fleetEngine, registered, spawnWorker, startTestRedis, stopWorker, until, type TestRedis, type WorkerProc } from './harness.js';
import { auditRun } from './check-store.js';

let redis: TestRedis;
const workers: WorkerProc[] = [];
before(async () => {
  redis = await startTestRedis();
});
after(async () => {
  for (const w of workers) await stopWorker(w);
  await redis?.stop();
});

test('kill -9 a worker mid-task: its tasks rerun elsewhere as attempt 2, each completes once', async () => {
  for (const id of ['k1', 'k2', 'k3']) workers.push(spawnWorker(redis.url, id, ['--capacity', 'slots=2', '--ttl', '1500']));
  await Promise.all(workers.map((w) => registered(w)));
  const f = fleetEngine(redis.url);
  try {
    const tasks = Array.from({ length: 12 }, (_, i) => `  t${i}:\n    run: sleep 1.5; echo t${i}`).join('\n');
    const run = await f.engine.submit(spec(`name: fleet-kill\ntasks:\n${tasks}\n`));
    const live = f.engine.runs.get(run.id)!;
    await until(() => [...live.tasks.values()].some((t) => t.row.state === 'running' && t.row.worker === 'k1'), 'a task running on k1');
    const victims = [...live.tasks.values()].filter((t) => t.row.state === 'running' && t.row.worker === 'k1').map((t) => t.id);
    workers[0]!.child.kill('SIGKILL');
    const done = await f.engine.wait(run.id);
    assert.equal(done.state, 'succeeded', done.error ?? '');
    const audit = await auditRun(f.store, run.id);
    for (const id of victims) {
      const list = audit.attempts.get(id)!;
      assert.equal(list[0]!.status, 'lost', `${id}: first attempt ${JSON.stringify(list)}`);
      assert.equal(list[0]!.worker, 'k1');
      const last = list[list.length - 1]!;
      assert.equal(last.status, 'succeeded');
      assert.notEqual(last.worker, 'k1', `${id} reran on a live worker`);
    }
    assert.ok(!f.engine.scheduler.workers().some((w) => w.id === 'k1'), 'the dead worker left the scheduler');
  } finally {
    await f.close();
  }
});
