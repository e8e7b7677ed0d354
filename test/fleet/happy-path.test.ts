/**
 * Happy path across 3 real `kairos worker` processes and a real redis-server: every task runs
 * once, on the worker its `pool:`/`selector:` allows, its log reaches the engine's log file, and
 * the store shows one succeeded attempt per task. A SIGTERM'd worker drains and leaves.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

test('3 workers: each task once, pool and selector honoured, logs shipped, drain on SIGTERM', async () => {
  workers.push(spawnWorker(redis.url, 'w1', ['--capacity', 'cpu=4,slots=3', '--ttl', '2000']));
  workers.push(spawnWorker(redis.url, 'w2', ['--capacity', 'cpu=4,slots=3', '--labels', 'zone=b', '--ttl', '2000']));
  workers.push(spawnWorker(redis.url, 'w3', ['--capacity', 'cpu=4,slots=3', '--pool', 'gpu', '--ttl', '2000']));
  await Promise.all(workers.map((w) => registered(w)));
  const f = fleetEngine(redis.url);
  try {
    // No run adopted yet: the engine has not started reading the registry or the results (a
    // server replica must not take results off the shared stream).
    assert.equal(f.engine.scheduler.workers().length, 0);
    const tasks = Array.from({ length: 24 }, (_, i) => `  t${i}:\n    run: sleep 0.2; echo "hello from t${i} on $HOSTNAME"\n    resources: { cpu: 1 }\n    pool: default`).join('\n');
    const run = await f.engine.submit(spec(`
name: fleet-happy
tasks:
${tasks}
  ongpu:
    run: echo gpu-task
    pool: gpu
  zoneb:
    run: |
      echo '::kairos-output {"zone": "b"}'
    selector: { zone: b }
  after:
    needs: [ongpu, zoneb]
    run: echo "done \${{ tasks.zoneb.outputs.zone }}"
`));
    const done = await f.engine.wait(run.id);
    assert.equal(done.state, 'succeeded', done.error ?? '');
    const audit = await auditRun(f.store, run.id);
    for (const list of audit.attempts.values()) assert.equal(list.length, 1, 'no task needed a second attempt');
    const rows = await f.store.getTasks(run.id);
    const by = new Map(rows.map((r) => [r.taskId, r]));
    assert.equal(by.get('ongpu')!.worker, 'w3');
    assert.equal(by.get('zoneb')!.worker, 'w2');
    assert.deepEqual(by.get('zoneb')!.outputs, { zone: 'b' });
    const used = new Set(rows.filter((r) => r.taskId.startsWith('t')).map((r) => r.worker));
    assert.deepEqual([...used].sort(), ['w1', 'w2'], 'default-pool tasks ran on both default-pool workers, never on the gpu pool');
    const log = readFileSync(join(f.engine.options.logDir, run.id, 't3.1.log'), 'utf8');
    assert.match(log, /hello from t3/);
    assert.match(readFileSync(join(f.engine.options.logDir, run.id, 'after.1.log'), 'utf8'), /done b/);
    // SIGTERM drains: the worker leaves the registry and the engine stops placing on it.
    workers[0]!.child.kill('SIGTERM');
    assert.equal(await workers[0]!.exited, 0);
    assert.match(workers[0]!.output(), /stopped/);
    await until(() => !f.engine.scheduler.workers().some((w) => w.id === 'w1'), 'the engine to drop the drained worker');
    assert.deepEqual(f.errors.filter((e) => !/redis/.test(String(e))), []);
  } finally {
    await f.close();
  }
});
