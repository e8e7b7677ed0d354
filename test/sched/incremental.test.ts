// The incremental structures behind a round (room.ts, last-round.ts, the per-shape eligibility
// cache) must give exactly what a full scan and an eager snapshot gave: these cases pin the
// moments where they could drift — releases between a round and a reason query, quota usage
// dropping to zero, worker add/remove/re-add, and a round after capacity came back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/sched/scheduler.js';
import { placedKeys, task, worker } from './builders.js';

test('reasons describe the end of the last round, even after releases since', () => {
  const s = new Scheduler({ policy: 'fifo', quotas: { q: { running: 1 } } });
  s.addWorker(worker('w1', { capacity: { cpu: 4 } }));
  s.enqueue(task('a', { resources: { cpu: 3 } }));
  s.enqueue(task('b', { resources: { cpu: 3 } }));
  s.enqueue(task('q1', { ns: 'q', resources: { cpu: 1 } }));
  s.enqueue(task('q2', { ns: 'q', resources: { cpu: 0.5 } }));
  assert.deepEqual(placedKeys(s), ['a', 'q1']);
  const before = { b: s.reasonOf('b'), q2: s.reasonOf('q2') };
  assert.deepEqual(before.b, { kind: 'resources', missing: { cpu: 3 }, worker: 'w1' });
  assert.equal(before.q2?.kind, 'quota');
  // Free capacity and quota usage change after the round; the reasons still say why the round left them.
  s.release('a');
  s.release('q1');
  assert.deepEqual(s.reasonOf('b'), before.b);
  assert.deepEqual(s.reasonOf('q2'), before.q2);
  assert.deepEqual(s.waiting().map((w) => w.reason), [before.b, before.q2]);
  // The next round sees the released room.
  assert.deepEqual(placedKeys(s, 1), ['b', 'q2']);
});

test('reasons asked first after a release, then after another: both give the round-end state', () => {
  const s = new Scheduler({ policy: 'fifo' });
  s.addWorker(worker('w1', { capacity: { cpu: 3 } }));
  for (const k of ['x', 'y']) s.enqueue(task(k, { resources: { cpu: 1 } }));
  s.enqueue(task('z', { resources: { cpu: 3 } }));
  s.enqueue(task('small', { resources: { cpu: 1 } }));
  assert.deepEqual(placedKeys(s), ['x', 'y', 'small']);
  s.release('x');
  assert.deepEqual(s.reasonOf('z'), { kind: 'resources', missing: { cpu: 3 }, worker: 'w1' });
  s.release('y');
  assert.deepEqual(s.reasonOf('z'), { kind: 'resources', missing: { cpu: 3 }, worker: 'w1' });
});

test('worker changes between rounds: removed, re-added with other capacity, and new workers are used in pool order', () => {
  const s = new Scheduler({ policy: 'fifo', placement: 'first-fit' });
  s.addWorker(worker('w1', { capacity: { cpu: 1 } }));
  s.addWorker(worker('w2', { capacity: { cpu: 1 } }));
  for (let i = 0; i < 6; i++) s.enqueue(task(`t${i}`, { resources: { cpu: 1 } }));
  assert.deepEqual(s.schedule(0).placements.map((p) => p.workerId), ['w1', 'w2']);
  s.removeWorker('w1');
  assert.deepEqual({ ...s.reasonOf('t2'), worker: undefined }, { kind: 'resources', missing: { cpu: 1 }, worker: undefined }); // not reached, and no room left
  s.addWorker(worker('w3', { capacity: { cpu: 1 } }));
  s.addWorker(worker('w1', { capacity: { cpu: 2 } })); // re-added: after w2 and w3 in pool order
  assert.deepEqual(s.schedule(1).placements.map((p) => p.workerId), ['w3', 'w1', 'w1']);
  s.release('t1'); // frees w2, the first in pool order
  s.release('t2'); // frees w3
  assert.deepEqual(s.schedule(2).placements.map((p) => p.workerId), ['w2']); // the last task, first in pool order
  assert.equal(s.queuedCount, 0);
});

test('the round stops when room runs out and resumes on the worker a release freed', () => {
  const s = new Scheduler({ policy: 'fifo' });
  for (let i = 0; i < 50; i++) s.addWorker(worker(`e${i}`, { capacity: { cpu: 1 } }));
  for (let i = 0; i < 120; i++) s.enqueue(task(`t${i}`, { resources: { cpu: 1 } }));
  const first = s.schedule(0).placements;
  assert.equal(first.length, 50);
  s.release(first[37]!.task.key);
  s.release(first[3]!.task.key);
  assert.deepEqual(s.schedule(1).placements.map((p) => [p.task.key, p.workerId]), [['t50', 'e3'], ['t51', 'e37']]);
  assert.equal(s.reasonOf('t52')?.kind, 'resources'); // not reached, and no room left
});
