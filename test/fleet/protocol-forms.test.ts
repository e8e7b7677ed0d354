/**
 * Rolling upgrade of the wire form (protocol.ts): a worker reads task entries in all three forms —
 * a JSON array of message objects (an engine from before the compact form), `{"v":2,...}` tuples
 * and `{"v":3,...}` delta tuples — and answers each in the form it came in, so an old engine keeps
 * reading its results; and an engine sends delta entries only to a worker whose registry record
 * says it reads them. Real redis-server, a real FleetWorker; entries written by hand as each
 * engine would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { FleetKeys } from '../../src/fleet/keys.js';
import { encodeTasks } from '../../src/fleet/protocol.js';
import { EngineLink } from '../../src/fleet/engine-link.js';
import { resolveBroker } from '../../src/fleet/broker-options.js';
import { messageOf, type StreamEntry } from '../../src/fleet/redis.js';
import { fnTaskMessage, inProcessWorker, startTestRedis, until, type TestRedis } from './harness.js';

let redis: TestRedis;
before(async () => {
  redis = await startTestRedis({ persist: false });
});
after(async () => {
  await redis?.stop();
});

test('a worker answers object entries with objects and compact entries with compact entries', async () => {
  const functions = new Map([['echo', (ctx: { taskId: string }) => ({ task: ctx.taskId })]]);
  const { w, r, keys, stream, close } = await inProcessWorker(redis.url, 'pf', 'w1', functions, { slots: 8 });
  try {
    await r.xadd(stream, '*', 'm', JSON.stringify([fnTaskMessage('old')]));
    await until(async () => (await r.xlen(keys.results)) >= 1, 'the result of the object entry');
    await r.xadd(stream, '*', 'm', encodeTasks([fnTaskMessage('new')]));
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
    await close();
  }
});

test('a delta entry is answered with a delta entry, and the worker says in its record that it reads them', async () => {
  const functions = new Map([['echo', (ctx: { taskId: string }) => ({ task: ctx.taskId })]]);
  const { r, keys, stream, close } = await inProcessWorker(redis.url, 'pd', 'w1', functions, { slots: 8 });
  try {
    assert.equal((JSON.parse((await r.hget(keys.registry, 'w1'))!) as { protocol?: number }).protocol, 3);
    await r.xadd(stream, '*', 'm', encodeTasks([fnTaskMessage('a'), fnTaskMessage('b')], true));
    await until(async () => (await r.xlen(keys.results)) >= 1, 'the result of the delta entry');
    const entries = (await r.xrange(keys.results, '-', '+')) as StreamEntry[];
    const d = JSON.parse(messageOf(entries[0]!)!) as { v: number; r: unknown[][] };
    assert.equal(d.v, 3, 'a delta entry is answered in the delta form');
    assert.equal(d.r[0]!.length, 13, 'the first result is sent whole (mask and 12 fields)');
    assert.equal(d.r[1]![1], 'b');
    assert.ok(d.r[1]!.length <= 5, 'the second result sends its task id and outputs (and its times, when another millisecond)');
  } finally {
    await close();
  }
});

test('an engine sends compact entries to a worker whose record does not say protocol 3, delta entries to one that does', async () => {
  const r = new Redis(redis.url);
  const keys = new FleetKeys('pe');
  const record = (id: string, protocol?: number) => JSON.stringify({
    id, incarnation: `${id}-i`, pool: 'default', labels: {}, capacity: { slots: 1 }, ttlMs: 10_000, draining: false, host: 'h', pid: 1, startedAt: 1,
    ...(protocol === undefined ? {} : { protocol }),
  });
  await r.hset(keys.registry, 'old', record('old'), 'new', record('new', 3));
  await r.set(`${keys.prefix}:worker:old`, 'old-i');
  await r.set(`${keys.prefix}:worker:new`, 'new-i');
  const noop = () => undefined;
  const link = new EngineLink(resolveBroker({ url: redis.url, prefix: 'pe' }), 'e1', '/tmp', { up: noop, draining: noop, gone: noop, results: noop, error: (e) => assert.fail(String(e)) });
  try {
    await link.registry.poll();
    assert.equal(link.registry.protocolOf('old'), 2);
    assert.equal(link.registry.protocolOf('new'), 3);
    link.dispatch('old', 'old-i', fnTaskMessage('x'));
    link.dispatch('new', 'new-i', fnTaskMessage('y'));
    const form = async (stream: string) => {
      await until(async () => (await r.xlen(stream)) >= 1, stream);
      return (JSON.parse(messageOf(((await r.xrange(stream, '-', '+')) as StreamEntry[])[0]!)!) as { v: number }).v;
    };
    assert.equal(await form(keys.tasks('old', 'old-i')), 2);
    assert.equal(await form(keys.tasks('new', 'new-i')), 3);
  } finally {
    await link.close();
    r.disconnect();
  }
});
