// Admission modes: strict head-of-line with timeout and retries; EASY backfill never delays the head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/sched/scheduler.js';
import { SeededRng } from '../../src/core/clock.js';
import { placedKeys, task, worker } from './builders.js';
import type { SchedTask } from '../../src/sched/types.js';

test('strict: a blocked head holds back the tasks behind it in its queue', () => {
  const s = new Scheduler({ policy: 'fifo', admission: 'strict' });
  s.addWorker(worker('w', { capacity: { cpu: 4 } }));
  s.enqueue(task('fill', { resources: { cpu: 3 } }));
  s.enqueue(task('head', { resources: { cpu: 2 } }));
  s.enqueue(task('small', { resources: { cpu: 1 } }));
  assert.deepEqual(placedKeys(s), ['fill']);
  assert.deepEqual(s.reasonOf('small'), { kind: 'head_of_line', head: 'head' });
  assert.deepEqual(s.reasonOf('head'), { kind: 'resources', missing: { cpu: 1 }, worker: 'w' });
});

test('strict priority: each priority queue has its own head', () => {
  const s = new Scheduler({ policy: 'priority', admission: 'strict' });
  s.addWorker(worker('w', { capacity: { cpu: 4 } }));
  s.enqueue(task('hi-big', { priority: 100, resources: { cpu: 8 } }));
  s.enqueue(task('hi-small', { priority: 100, resources: { cpu: 1 } }));
  s.enqueue(task('lo', { priority: 10, resources: { cpu: 1 } }));
  assert.deepEqual(placedKeys(s), ['lo']);
  assert.equal(s.reasonOf('hi-small')?.kind, 'head_of_line');
});

const timeoutCases = [
  { retries: 0, expireAt: 1000 },
  { retries: 2, expireAt: 3000 },
];
for (const c of timeoutCases) {
  test(`strict: head timeout with ${c.retries} retries cancels with its reason at ${c.expireAt} ms`, () => {
    const s = new Scheduler({ policy: 'fifo', admission: 'strict', headTimeoutMs: 1000, headRetries: c.retries });
    s.addWorker(worker('w', { capacity: { cpu: 4 } }));
    s.enqueue(task('fill', { resources: { cpu: 4 } }));
    s.enqueue(task('head', { resources: { cpu: 2 } }));
    s.enqueue(task('next', { resources: { cpu: 1 } }));
    assert.deepEqual(placedKeys(s, 0), ['fill']);
    let expiredAt = -1;
    for (let now = 100; now <= 5000 && expiredAt < 0; now += 100) {
      const r = s.schedule(now);
      assert.equal(r.placements.length, 0);
      if (r.expired.length > 0) {
        expiredAt = now;
        assert.equal(r.expired.length, 1);
        assert.equal(r.expired[0]!.task.key, 'head');
        assert.deepEqual(r.expired[0]!.reason, { kind: 'resources', missing: { cpu: 2 }, worker: 'w' });
        assert.match(r.expired[0]!.detail, /1000 ms/);
      }
    }
    assert.equal(expiredAt, c.expireAt);
    assert.equal(s.reasonOf('head'), undefined);
    assert.equal(s.queuedCount, 1);
    // The new head starts its own timer.
    s.release('fill');
    assert.deepEqual(placedKeys(s, expiredAt + 1), ['next']);
  });
}

test('strict: an unschedulable head expires with reason unschedulable', () => {
  const s = new Scheduler({ policy: 'fifo', admission: 'strict', headTimeoutMs: 10 });
  s.addWorker(worker('w', { capacity: { cpu: 4 } }));
  s.enqueue(task('gpu', { resources: { gpu: 1 } }));
  s.enqueue(task('cpu'));
  assert.deepEqual(placedKeys(s, 0), []);
  const r = s.schedule(10);
  assert.equal(r.expired[0]?.reason.kind, 'unschedulable');
  assert.deepEqual(placedKeys(s, 11), ['cpu']);
});

test('backfill: later small tasks start now when they end before the reservation', () => {
  const s = new Scheduler({ policy: 'fifo', admission: 'backfill' });
  s.addWorker(worker('w', { capacity: { cpu: 4 } }));
  s.enqueue(task('run', { resources: { cpu: 3 }, estimateMs: 100 }));
  assert.deepEqual(placedKeys(s, 0), ['run']);
  s.enqueue(task('head', { resources: { cpu: 4 }, estimateMs: 100 }));
  s.enqueue(task('long', { resources: { cpu: 1 }, estimateMs: 500 }));
  s.enqueue(task('short', { resources: { cpu: 1 }, estimateMs: 50 }));
  assert.deepEqual(placedKeys(s, 10), ['short']);
  assert.deepEqual(s.reservation(), { head: 'head', workerId: 'w', start: 100 });
  assert.deepEqual(s.reasonOf('long'), { kind: 'reservation', head: 'head', reservedStart: 100 });
});

/**
 * Randomized: batch of tasks at time 0 with exact estimates, discrete-event driver. Every task
 * that is ever the reserved head must start no later than the first reservation it was given.
 */
test('backfill never delays the head (400 seeded random cases)', () => {
  let reservationsChecked = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const rng = new SeededRng(seed);
    const s = new Scheduler({ policy: rng.next() < 0.5 ? 'fifo' : 'sjf', admission: 'backfill' });
    const nw = 1 + rng.int(3);
    for (let i = 0; i < nw; i++) s.addWorker(worker(`w${i}`, { capacity: { cpu: 4 + rng.int(5), memory: 8 }, speed: [1, 1.5, 2][rng.int(3)]! }));
    const tasks: SchedTask[] = [];
    for (let i = 0; i < 6 + rng.int(20); i++) {
      tasks.push(task(`s${seed}t${i}`, { resources: { cpu: 1 + rng.int(4), memory: rng.int(5) }, estimateMs: 10 * (1 + rng.int(30)), readyAt: 0 }));
    }
    for (const t of tasks) s.enqueue(t);
    const firstReserved = new Map<string, number>();
    const ends: { at: number; key: string }[] = [];
    let now = 0;
    for (let guard = 0; guard < 1000 && (s.queuedCount > 0 || ends.length > 0); guard++) {
      const r = s.schedule(now);
      for (const p of r.placements) {
        const w = s.workers().find((x) => x.id === p.workerId)!;
        ends.push({ at: now + p.task.estimateMs! / w.speed, key: p.task.key });
        const promised = firstReserved.get(p.task.key);
        if (promised !== undefined) {
          assert.ok(now <= promised + 1e-6, `seed ${seed}: head ${p.task.key} started at ${now} after its reservation ${promised}`);
          reservationsChecked++;
        }
      }
      const res = s.reservation();
      if (res && !firstReserved.has(res.head)) firstReserved.set(res.head, res.start);
      if (ends.length === 0) break;
      ends.sort((a, b) => a.at - b.at);
      now = ends[0]!.at;
      while (ends.length > 0 && ends[0]!.at <= now) s.release(ends.shift()!.key);
    }
    assert.equal(s.queuedCount, 0, `seed ${seed}: all tasks ran`);
  }
  assert.ok(reservationsChecked > 200, `only ${reservationsChecked} reservations exercised`);
});
