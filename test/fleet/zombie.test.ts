/**
 * A worker frozen with SIGSTOP past its heartbeat TTL, then resumed: the engine declared it dead
 * and reran its task elsewhere (attempt 2); when it wakes, its lease is gone, so it aborts what it
 * ran and re-registers as a new incarnation; the late result of attempt 1 it still sends is
 * fenced off (`late_result_ignored` in the store) and the task completes exactly once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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

test('SIGSTOP past the TTL, then SIGCONT: the zombie\'s late result is ignored, the task completes once', async () => {
  for (const id of ['z1', 'z2', 'z3']) workers.push(spawnWorker(redis.url, id, ['--capacity', 'slots=2', '--ttl', '1000']));
  await Promise.all(workers.map((w) => registered(w)));
  const f = fleetEngine(redis.url);
  const gate = join(f.dir, 'gate');
  try {
    const tasks = Array.from({ length: 6 }, (_, i) => `  t${i}:\n    run: sleep 1; echo t${i}`).join('\n');
    // `hold` keeps the run alive until the test saw the late result arrive.
    const run = await f.engine.submit(spec(`name: fleet-zombie\ntasks:\n${tasks}\n  hold:\n    run: while [ ! -f ${gate} ]; do sleep 0.1; done\n`));
    const live = f.engine.runs.get(run.id)!;
    const onZ1 = () => [...live.tasks.values()].filter((t) => t.row.state === 'running' && t.row.worker === 'z1' && t.id !== 'hold');
    await until(() => onZ1().length > 0, 'a task running on z1');
    const victims = onZ1().map((t) => t.id);
    const zombie = workers[0]!;
    zombie.child.kill('SIGSTOP');
    // Frozen until the engine has rerun every victim elsewhere (attempt 2 done).
    await until(() => victims.every((id) => live.tasks.get(id)!.row.state === 'succeeded'), 'the victims to succeed elsewhere');
    zombie.child.kill('SIGCONT');
    await until(async () => (await f.store.getEvents(run.id)).some((e) => e.type === 'late_result_ignored'), 'the zombie\'s late result');
    await until(() => zombie.output().includes('lease_lost'), 'the zombie to notice its lost lease');
    writeFileSync(gate, '');
    const done = await f.engine.wait(run.id);
    assert.equal(done.state, 'succeeded', done.error ?? '');
    const audit = await auditRun(f.store, run.id);
    assert.ok(audit.lateIgnored >= 1);
    for (const id of victims) {
      const list = audit.attempts.get(id)!;
      assert.deepEqual(list.map((a) => a.status), ['lost', 'succeeded'], `${id}: ${JSON.stringify(list)}`);
      assert.equal(list[0]!.worker, 'z1');
      assert.notEqual(list[1]!.worker, 'z1');
    }
    const late = (await f.store.getEvents(run.id)).filter((e) => e.type === 'late_result_ignored');
    assert.ok(late.every((e) => (e.data as { attempt: number }).attempt === 1 && (victims.includes(e.taskId!) || e.taskId === 'hold')), JSON.stringify(late));
  } finally {
    writeFileSync(gate, '');
    await f.close();
  }
});
