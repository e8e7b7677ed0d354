/**
 * WorkerCapacity, the one writer of the engine's worker list: a pool limit is split over the
 * pool's workers in proportion to their slots; a breaker fence survives every later update of the
 * worker (re-registration, speed); per-pool adaptive concurrency (remote workers) moves a pool's
 * limit from its own attempts and says so in a `tuning` decision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler } from '../../src/sched/scheduler.js';
import { WorkerCapacity } from '../../src/engine/worker-capacity.js';
import { WorkerFences } from '../../src/engine/tuners-fences.js';
import { Engine } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { localExecutors } from '../../src/cli/runtime.js';
import type { TuningDecision } from '../../src/engine/tuning-log.js';

const worker = (id: string, pool: string, slots: number) => ({ id, pool, capacity: { cpu: 8, slots }, speed: 1, labels: {} });
const slotsOf = (s: Scheduler, id: string) => s.workers().find((w) => w.id === id)?.capacity.slots;

test('a pool limit is split over the pool in proportion to slots, and lifted again', () => {
  const s = new Scheduler({ policy: 'fifo' });
  const c = new WorkerCapacity(s);
  c.set(worker('a', 'gpu', 8));
  c.set(worker('b', 'gpu', 4));
  c.set(worker('c', 'cpu', 16));
  c.setPoolLimit('gpu', 6);
  assert.deepEqual([slotsOf(s, 'a'), slotsOf(s, 'b'), slotsOf(s, 'c')], [4, 2, 16]);
  c.setPoolLimit('gpu', 7); // 7 x 8/12 = 4.67, 7 x 4/12 = 2.33: floors 4 + 2, one left for the first id
  assert.deepEqual([slotsOf(s, 'a'), slotsOf(s, 'b')], [5, 2]);
  c.setPoolLimit('gpu', 100); // above what the pool has: its own slots
  assert.deepEqual([slotsOf(s, 'a'), slotsOf(s, 'b')], [8, 4]);
  c.setPoolLimit('gpu', 6);
  c.set(worker('d', 'gpu', 12)); // a worker joining re-splits the pool
  assert.equal([slotsOf(s, 'a'), slotsOf(s, 'b'), slotsOf(s, 'd')].reduce((x, y) => x! + y!, 0), 6);
  c.setPoolLimit('gpu', null);
  assert.deepEqual([slotsOf(s, 'a'), slotsOf(s, 'b'), slotsOf(s, 'd')], [8, 4, 12]);
});

test('a breaker fence survives re-registration and speed updates (no lapse)', () => {
  const s = new Scheduler({ policy: 'fifo' });
  const c = new WorkerCapacity(s);
  const fences = new WorkerFences(s, c, 2);
  c.set(worker('w', 'default', 8));
  assert.equal(fences.set('w', 'open'), true);
  assert.equal(slotsOf(s, 'w'), 0);
  c.update('w', { speed: 2 }); // HEFT learned a speed
  c.set(worker('w', 'default', 16)); // the worker re-registered with more slots
  assert.equal(slotsOf(s, 'w'), 0, 'still fenced');
  assert.equal(s.workers().find((w) => w.id === 'w')!.capacity.cpu, 0);
  fences.set('w', 'half_open');
  assert.equal(slotsOf(s, 'w'), 2, 'probes only');
  fences.set('w', 'closed');
  assert.equal(slotsOf(s, 'w'), 16, 'the latest registration, unfenced');
  assert.equal(fences.set('nobody', 'open'), false);
});

test('remote pools get their own adaptive concurrency controller', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-pool-conc-'));
  const store = new SqliteStore(join(dir, 'k.db'));
  // A broker that is never contacted: the engine only connects when it drives its first run.
  const engine = new Engine({
    store, stateDir: dir, executors: localExecutors(), runtimeModel: null,
    broker: { url: 'redis://127.0.0.1:1' },
    autoConcurrency: { kind: 'aimd', windowSamples: 10, minWindowSamples: 10 },
  });
  const decisions: TuningDecision[] = [];
  engine.on('tuning', (d) => decisions.push(d));
  try {
    engine.workers.set(worker('g1', 'gpu', 8));
    engine.workers.set(worker('g2', 'gpu', 8));
    engine.workers.set(worker('c1', 'cpu', 8));
    const feed = engine.selfTuning.concurrencyFeed()!;
    // The gpu pool fails half its attempts: its limit is cut; the cpu pool is untouched.
    for (let i = 0; i < 10; i++) feed(100, i % 2 === 0, 1000 + i, 'g1');
    for (let i = 0; i < 10; i++) feed(100, true, 1000 + i, 'c1');
    const gpu = engine.selfTuning.pools.get('gpu')!;
    assert.ok(gpu.limit < 16, `gpu limit ${gpu.limit}`);
    assert.equal(slotsOf(engine.scheduler, 'g1')! + slotsOf(engine.scheduler, 'g2')!, gpu.limit);
    assert.equal(slotsOf(engine.scheduler, 'c1'), 8);
    assert.ok(decisions.some((d) => d.tuner === 'concurrency' && d.action === 'decrease' && d.reason.startsWith('pool gpu:')), JSON.stringify(decisions));
    feed(100, true, 2000, 'gone'); // a worker that left: ignored
  } finally {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
