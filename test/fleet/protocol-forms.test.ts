/**
 * Rolling upgrade of the wire form (protocol.ts): a worker reads task entries in both forms — a
 * JSON array of message objects (an engine from before the compact form) and `{"v":2,...}`
 * tuples — and answers each in the form it came in, so an old engine keeps reading its results.
 * Real redis-server, a real FleetWorker; the entries are written by hand as each engine would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ExecutorSet } from '../../src/exec/executor-set.js';
import { FleetWorker } from '../../src/fleet/worker.js';
import { FleetKeys } from '../../src/fleet/keys.js';
import { encodeTasks, type TaskMessage } from '../../src/fleet/protocol.js';
import { messageOf, type StreamEntry } from '../../src/fleet/redis.js';
import { startTestRedis, until, type TestRedis } from './harness.js';

let redis: TestRedis;
before(async () => {
  redis = await startTestRedis({ persist: false });
});
after(async () => {
  await redis?.stop();
});

const message = (taskId: string): TaskMessage => ({
  attemptId: `r1/${taskId}#1`, runId: 'r1', taskId, attempt: 1, action: { kind: 'fn', fn: 'echo', args: null }, env: {}, secretEnv: [],
  cwd: null, timeoutMs: null, killGraceMs: 100, maxLogBytes: 1024, outputsFromStdout: false, outputFile: null, inputs: { params: {} }, dispatchedAt: 1,
});

test('a worker answers object entries with objects and compact entries with compact entries', async () => {
  const functions = new Map([['echo', (ctx: { taskId: string }) => ({ task: ctx.taskId })]]);
  const w = new FleetWorker({ url: redis.url, prefix: 'pf', id: 'w1', capacity: { slots: 8 }, executors: ExecutorSet.standard({ functions }) });
  const r = new Redis(redis.url);
  try {
    await w.start();
    const keys = new FleetKeys('pf');
    const stream = keys.tasks('w1', w.incarnation);
    await r.xadd(stream, '*', 'm', JSON.stringify([message('old')]));
    await until(async () => (await r.xlen(keys.results)) >= 1, 'the result of the object entry');
    await r.xadd(stream, '*', 'm', encodeTasks([message('new')]));
    await until(async () => (await r.xlen(keys.results)) >= 2, 'the result of the compact entry');
    const entries = (await r.xrange(keys.results, '-', '+')) as StreamEntry[];
    const [first, second] = entries.map((e) => JSON.parse(messageOf(e)!) as unknown);
    assert.ok(Array.isArray(first), 'an object entry is answered with an array of result objects');
    assert.deepEqual((first as { taskId: string; outcome: string; outputs: unknown }[]).map((m) => [m.taskId, m.outcome, m.outputs]), [['old', 'succeeded', { task: 'old' }]]);
    const c = second as { v: number; w: string; i: string; r: unknown[][] };
    assert.equal(c.v, 2, 'a compact entry is answered in the compact form');
    assert.equal(c.w, 'w1');
    assert.equal(c.i, w.incarnation);
    assert.deepEqual(c.r.map((t) => [t[1], t[3], t[6]]), [['new', 'succeeded', { task: 'new' }]]);
  } finally {
    await w.stop();
    r.disconnect();
  }
});
