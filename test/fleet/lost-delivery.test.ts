/**
 * A task entry delivered to a worker on a connection that died before the reply arrived
 * (own-pending.ts): Redis has it pending on the worker, the worker never saw it. After its read
 * connection comes back, the worker reads its own pending entries and runs it; an entry it was
 * already running when the connection dropped is not run a second time. Real redis-server, a
 * real FleetWorker; the lost delivery is made by hand: the entry is added and read for the
 * worker's consumer in one MULTI, so the worker's blocked read never gets it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ENGINE_GROUP, FleetKeys, WORKER_GROUP } from '../../src/fleet/keys.js';
import { decodeResults, encodeTasks, type ResultMessage } from '../../src/fleet/protocol.js';
import { EngineLink, type ReceivedResult } from '../../src/fleet/engine-link.js';
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

/** The task ids of every result on the results stream, in order (one per result, duplicates kept). */
async function resultTasks(r: Redis, keys: FleetKeys): Promise<string[]> {
  const entries = (await r.xrange(keys.results, '-', '+')) as StreamEntry[];
  return entries.flatMap((e) => decodeResults(messageOf(e)).items.map((m) => m.taskId));
}

/** Drops a read connection by its name (ioredis reconnects by itself). */
async function killConnection(r: Redis, name: string): Promise<void> {
  const list = (await r.call('CLIENT', 'LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(`name=${name} `));
  assert.ok(line, `${name} is listed`);
  await r.call('CLIENT', 'KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
}

const killReadConnection = (r: Redis, workerId: string): Promise<void> => killConnection(r, `kairos-worker-read:${workerId}`);

const events = (): { kinds: string[]; onEvent: (kind: string) => void } => {
  const kinds: string[] = [];
  return { kinds, onEvent: (kind) => void kinds.push(kind) };
};

test('an entry delivered on a lost connection is run once the worker reconnects', async () => {
  const functions = new Map([['echo', (ctx: { taskId: string }) => ({ task: ctx.taskId })]]);
  const ev = events();
  const { r, keys, stream, close } = await inProcessWorker(redis.url, 'ld', 'w1', functions, { onEvent: ev.onEvent });
  try {
    await r.xadd(stream, '*', 'm', encodeTasks([fnTaskMessage('seen')]));
    await until(async () => (await resultTasks(r, keys)).includes('seen'), 'the worker reads its stream');
    // Delivered to the worker's consumer inside the transaction, before its blocked read is served.
    const tx = (await r.multi().xadd(stream, '*', 'm', encodeTasks([fnTaskMessage('lost')])).call('XREADGROUP', 'GROUP', WORKER_GROUP, 'w1', 'COUNT', 10, 'STREAMS', stream, '>').exec())!;
    assert.equal(tx[1]![0], null, 'the transaction read the entry for the worker');
    const pel = (await r.xpending(stream, WORKER_GROUP)) as [number, ...unknown[]];
    assert.equal(pel[0], 1, 'the entry is pending on the worker');
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(await resultTasks(r, keys), ['seen'], 'the worker never saw the lost delivery');
    await killReadConnection(r, 'w1');
    await until(async () => (await resultTasks(r, keys)).includes('lost'), 'the lost delivery run after the reconnection', 15_000);
    await until(async () => ((await r.xpending(stream, WORKER_GROUP)) as [number])[0] === 0, 'the entry acknowledged');
    assert.deepEqual(await resultTasks(r, keys), ['seen', 'lost'], 'each task once');
    assert.ok(ev.kinds.includes('recovered'), 'the worker says it recovered an entry');
  } finally {
    await close();
  }
});

test('an entry delivered on a lost connection and deleted meanwhile is only acknowledged', async () => {
  const { r, keys, stream, close } = await inProcessWorker(redis.url, 'ld3', 'w3', new Map([['echo', () => ({})]]));
  try {
    const tx = (await r.multi().xadd(stream, '*', 'm', encodeTasks([fnTaskMessage('gone')])).call('XREADGROUP', 'GROUP', WORKER_GROUP, 'w3', 'COUNT', 10, 'STREAMS', stream, '>').exec())!;
    const id = (tx[0]![1] as string);
    await r.xdel(stream, id);
    assert.equal(((await r.xpending(stream, WORKER_GROUP)) as [number])[0], 1, 'still pending, with no fields');
    await killReadConnection(r, 'w3');
    await until(async () => ((await r.xpending(stream, WORKER_GROUP)) as [number])[0] === 0, 'acknowledged after the reconnection', 15_000);
    assert.deepEqual(await resultTasks(r, keys), [], 'nothing run, nothing reported');
  } finally {
    await close();
  }
});

test('an entry running when the read connection drops is not run again', async () => {
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  const functions = new Map([['slow', async () => (runs++, await gate, { ok: true })]]);
  const { r, keys, stream, close } = await inProcessWorker(redis.url, 'ld2', 'w2', functions);
  try {
    await r.xadd(stream, '*', 'm', encodeTasks([fnTaskMessage('long', 'slow')]));
    await until(() => runs === 1, 'the attempt started');
    await killReadConnection(r, 'w2');
    // The recovery read after the reconnection sees the entry pending: held, so not taken.
    await until(async () => {
      const list = (await r.call('CLIENT', 'LIST')) as string;
      return list.includes('name=kairos-worker-read:w2 ');
    }, 'the read connection is back');
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(runs, 1, 'not started a second time');
    release();
    await until(async () => (await resultTasks(r, keys)).length === 1, 'its result');
    await until(async () => ((await r.xpending(stream, WORKER_GROUP)) as [number])[0] === 0, 'the entry acknowledged');
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(await resultTasks(r, keys), ['long']);
    assert.equal(runs, 1);
  } finally {
    release();
    await close();
  }
});

test('the engine: a results entry delivered on a lost connection is handled once it reconnects, not after claimIdleMs', async () => {
  const r = new Redis(redis.url);
  const keys = new FleetKeys('le');
  const got: ReceivedResult[] = [];
  const noop = () => undefined;
  // claimIdleMs of 10 minutes: only the recovery after the reconnection can hand the entry over in time.
  const link = new EngineLink(resolveBroker({ url: redis.url, prefix: 'le', claimIdleMs: 600_000 }), 'e1', '/tmp', {
    up: noop, draining: noop, gone: noop, results: (b) => void got.push(...b), error: noop,
  });
  const result = (taskId: string): ResultMessage => ({
    runId: 'r1', taskId, attempt: 1, workerId: 'w1', incarnation: 'i1', outcome: 'succeeded', exitCode: null, signal: null, outputs: {}, error: null, startedAt: 1, finishedAt: 2,
  });
  try {
    link.start();
    await until(async () => (await r.exists(keys.results)) === 1, 'the engine\'s group made');
    await r.xadd(keys.results, '*', 'm', JSON.stringify([result('seen')]));
    await until(() => got.length === 1, 'the engine reads its results');
    link.ack([got[0]!.id]);
    const tx = (await r.multi().xadd(keys.results, '*', 'm', JSON.stringify([result('lost')])).call('XREADGROUP', 'GROUP', ENGINE_GROUP, 'e1', 'COUNT', 10, 'STREAMS', keys.results, '>').exec())!;
    assert.equal(tx[1]![0], null);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(got.length, 1, 'the engine never saw the lost delivery');
    await killConnection(r, 'kairos-engine-read:e1');
    await until(() => got.length === 2, 'the lost results entry handed over after the reconnection', 15_000);
    assert.deepEqual(got[1]!.msgs.map((m) => m.taskId), ['lost']);
    // A held entry (read, not acknowledged yet) is not handed over twice by a second reconnection.
    await killConnection(r, 'kairos-engine-read:e1');
    await until(async () => ((await r.call('CLIENT', 'LIST')) as string).includes('name=kairos-engine-read:e1 '), 'reconnected');
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(got.length, 2);
    link.ack([got[1]!.id]);
    await until(async () => ((await r.xpending(keys.results, ENGINE_GROUP)) as [number])[0] === 0, 'acknowledged');
  } finally {
    await link.close();
    r.disconnect();
  }
});
