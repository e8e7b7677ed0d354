import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/sched/scheduler.js';
import { policyNames } from '../../src/sched/registry.js';
import { drain, placedKeys, task, worker } from './builders.js';

function oneSlot(policy: string, settings: Record<string, unknown> = {}): Scheduler {
  const s = new Scheduler({ policy, settings });
  s.addWorker(worker('w', { capacity: { cpu: 1 } }));
  return s;
}

test('registry lists the built-in policies', () => {
  for (const n of ['fifo', 'priority']) assert.ok(policyNames().includes(n), n);
});

test('fifo: readyAt, then seq', () => {
  const s = oneSlot('fifo');
  s.enqueue(task('c', { readyAt: 20 }));
  s.enqueue(task('a', { readyAt: 10 }));
  s.enqueue(task('b', { readyAt: 10 }));
  assert.deepEqual(drain(s), ['a', 'b', 'c']);
});

test('priority: higher first, fifo inside a level', () => {
  const s = oneSlot('priority');
  s.enqueue(task('low', { priority: 10 }));
  s.enqueue(task('n1', { priority: 50 }));
  s.enqueue(task('h', { priority: 100, readyAt: 5 }));
  s.enqueue(task('n2', { priority: 50 }));
  assert.deepEqual(drain(s), ['h', 'n1', 'n2', 'low']);
});

test('greedy: a later task that fits starts when the first does not', () => {
  const s = new Scheduler({ policy: 'fifo' });
  s.addWorker(worker('w', { capacity: { cpu: 4 } }));
  s.enqueue(task('big', { resources: { cpu: 3 } }));
  s.enqueue(task('big2', { resources: { cpu: 3 } }));
  s.enqueue(task('small', { resources: { cpu: 1 } }));
  assert.deepEqual(placedKeys(s), ['big', 'small']);
  assert.deepEqual(s.allocated('w'), { cpu: 4 });
  assert.equal(s.runningCount, 2);
  assert.equal(s.queuedCount, 1);
  s.release('big');
  assert.deepEqual(s.allocated('w'), { cpu: 1 });
  assert.deepEqual(placedKeys(s, 1), ['big2']);
});

test('pool and selector restrict placement', () => {
  const s = new Scheduler({ policy: 'fifo' });
  s.addWorker(worker('cpu1', { pool: 'cpu' }));
  s.addWorker(worker('gpu1', { pool: 'gpu', labels: { zone: 'a' }, capacity: { cpu: 4, gpu: 1 } }));
  s.enqueue(task('t1', { pool: 'gpu', selector: { zone: 'a' } }));
  s.enqueue(task('t2', { selector: { zone: 'b' } }));
  const r = s.schedule(0);
  assert.deepEqual(r.placements.map((p) => [p.task.key, p.workerId]), [['t1', 'gpu1']]);
  assert.equal(s.reasonOf('t2')?.kind, 'unschedulable');
});

test('best-fit by default, first-fit on request', () => {
  for (const [placement, want] of [['best-fit', 'small'], ['first-fit', 'large']] as const) {
    const s = new Scheduler({ policy: 'fifo', placement });
    s.addWorker(worker('large', { capacity: { cpu: 16 } }));
    s.addWorker(worker('small', { capacity: { cpu: 2 } }));
    s.enqueue(task('t', { resources: { cpu: 2 } }));
    assert.equal(s.schedule(0).placements[0]!.workerId, want, placement);
  }
});

test('reasons: smallest shortfall over workers, and unschedulable', () => {
  const s = new Scheduler({ policy: 'fifo' });
  s.addWorker(worker('w1', { capacity: { cpu: 4, memory: 100 } }));
  s.addWorker(worker('w2', { capacity: { cpu: 8, memory: 100 } }));
  s.enqueue(task('fill1', { resources: { cpu: 3, memory: 10 } }));
  s.enqueue(task('fill2', { resources: { cpu: 6, memory: 10 } }));
  s.enqueue(task('wants3', { resources: { cpu: 3, memory: 10 } }));
  s.enqueue(task('huge', { resources: { cpu: 9 } }));
  s.enqueue(task('nomem', { resources: { cpu: 1, memory: 101 } }));
  assert.deepEqual(placedKeys(s).sort(), ['fill1', 'fill2']);
  // w1 has 1 cpu free, w2 has 2: the smallest shortfall is 1 cpu on w2.
  assert.deepEqual(s.reasonOf('wants3'), { kind: 'resources', missing: { cpu: 1 }, worker: 'w2' });
  assert.equal(s.reasonOf('huge')?.kind, 'unschedulable');
  assert.equal(s.reasonOf('nomem')?.kind, 'unschedulable');
  const all = s.waiting();
  assert.equal(all.length, 3);
  assert.equal(s.reasonOf('fill1'), undefined);
});

test('a task queued after the last round is "not yet considered"', () => {
  const s = oneSlot('fifo');
  assert.equal(placedKeys(s).length, 0);
  s.enqueue(task('late'));
  const r = s.reasonOf('late');
  assert.equal(r?.kind, 'policy');
});

test('remove drops a waiting task; release of unknown keys is a no-op', () => {
  const s = oneSlot('fifo');
  s.enqueue(task('a'));
  s.enqueue(task('b'));
  s.remove('a');
  s.remove('nope');
  s.release('nope');
  assert.deepEqual(drain(s), ['b']);
});

test('re-enqueueing a placed key without release is a driver bug', () => {
  const s = oneSlot('fifo');
  s.enqueue(task('a'));
  placedKeys(s);
  assert.throws(() => s.enqueue(task('a')), /still placed/);
  s.release('a');
  s.enqueue(task('a'));
  assert.equal(s.queuedCount, 1);
});

test('a round stops early once no worker can hold the smallest demand, and still explains', () => {
  const s = new Scheduler({ policy: 'fifo' });
  s.addWorker(worker('w', { capacity: { cpu: 2 } }));
  for (let i = 0; i < 100; i++) s.enqueue(task(`t${i}`));
  assert.deepEqual(placedKeys(s), ['t0', 't1']);
  // Not examined (the round stopped), but it would not fit anyway: it waits for resources.
  assert.deepEqual(s.reasonOf('t50'), { kind: 'resources', missing: { cpu: 1 }, worker: 'w' });
});
