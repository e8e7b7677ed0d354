/**
 * fn tasks on a remote worker (a FleetWorker in this process with registered functions, as an
 * SDK user runs it; real redis-server): results come back for handlers that log and handlers
 * that do not, a log written by ctx.log() reaches the engine's log file, and the worker's fn log
 * folder is left empty (one listing per flush decides which attempts logged: worker.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spec } from '../engine/helpers.js';
import { ExecutorSet } from '../../src/exec/executor-set.js';
import type { FnContext } from '../../src/exec/types.js';
import { FleetWorker } from '../../src/fleet/worker.js';
import { fleetEngine, startTestRedis, until, type TestRedis } from './harness.js';

let redis: TestRedis;
before(async () => {
  redis = await startTestRedis({ persist: false });
});
after(async () => {
  await redis?.stop();
});

test('fn tasks on a remote worker: outputs, failures, logs shipped only where written, no leftover log files', async () => {
  const functions = new Map<string, (ctx: FnContext) => unknown>([
    ['quiet', (ctx) => ({ index: ctx.inputs.index })],
    ['chatty', (ctx) => (ctx.log(`hello from ${ctx.taskId}`), ctx.log('second line'), { said: 2 })],
    ['later', async (ctx) => {
      await new Promise((r) => setTimeout(r, 5));
      ctx.log(`late line of ${ctx.taskId}`);
      return { late: true };
    }],
    ['boom', (ctx) => {
      ctx.log('about to fail');
      throw new Error('exploded on purpose');
    }],
  ]);
  const stateDir = mkdtempSync(join(tmpdir(), 'kairos-fn-worker-'));
  const worker = new FleetWorker({ url: redis.url, id: 'fw1', capacity: { cpu: 8, slots: 16 }, executors: ExecutorSet.standard({ functions }), stateDir, ttlMs: 5000 });
  await worker.start();
  const f = fleetEngine(redis.url);
  try {
    const quiet = Array.from({ length: 20 }, (_, i) => `  q${i}:\n    fn: quiet\n    resources: { cpu: 0 }`).join('\n');
    const run = await f.engine.submit(spec(`
name: fleet-fn
tasks:
${quiet}
  talk:
    fn: chatty
    resources: { cpu: 0 }
  slow:
    fn: later
    resources: { cpu: 0 }
  bad:
    needs: [${Array.from({ length: 20 }, (_, i) => `q${i}`).join(', ')}, talk, slow]
    fn: boom
    resources: { cpu: 0 }
`));
    const done = await f.engine.wait(run.id);
    assert.equal(done.state, 'failed', 'the run fails with its failing task (which runs last)');
    const by = new Map((await f.store.getTasks(run.id)).map((t) => [t.taskId, t]));
    for (let i = 0; i < 20; i++) assert.equal(by.get(`q${i}`)!.state, 'succeeded', `q${i}`);
    assert.deepEqual(by.get('talk')!.outputs, { said: 2 });
    assert.deepEqual(by.get('slow')!.outputs, { late: true });
    assert.equal(by.get('bad')!.state, 'failed');
    assert.match(by.get('bad')!.error ?? '', /exploded on purpose/);
    const logOf = (task: string) => readFileSync(join(f.engine.options.logDir, run.id, `${task}.1.log`), 'utf8');
    assert.equal(logOf('talk'), 'hello from talk\nsecond line\n');
    assert.equal(logOf('slow'), 'late line of slow\n');
    assert.equal(logOf('bad'), 'about to fail\n');
    assert.throws(() => logOf('q0'), /ENOENT/, 'a handler that never logged ships no log');
    assert.equal(worker.completed, 23);
    // Shipped logs are deleted on the worker (unlinked after the result is queued: wait for it).
    await until(() => readdirSync(join(stateDir, 'logs', 'fn')).length === 0, 'the fn log folder to be empty');
    assert.deepEqual(f.errors, []);
  } finally {
    await f.close();
    await worker.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
});
