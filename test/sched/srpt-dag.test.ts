// srpt-dag: srpt's job order, and inside a job the stage that unlocks the most work first;
// without descendant facts it is exactly srpt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/sched/scheduler.js';
import { drain, job, task, worker } from './builders.js';

function order(policy: string, withDag: boolean): string[] {
  const s = new Scheduler({ policy });
  s.addWorker(worker('w', { capacity: { cpu: 1 } }));
  const small = job('sd-small', { remainingWorkMs: 3000, arrivalAt: 5 });
  const big = job('sd-big', { remainingWorkMs: 10_000, arrivalAt: 0 });
  const dag = (w: number) => (withDag ? { descendantWorkMs: w } : {});
  // small job: a long path with nothing behind it, and a short stage that 2,000 ms of work waits on
  s.enqueue(task('sd-small/path', { job: small, bottomLevelMs: 900, ...dag(0) }));
  s.enqueue(task('sd-small/gate', { job: small, bottomLevelMs: 500, ...dag(2000) }));
  s.enqueue(task('sd-big/a', { job: big, bottomLevelMs: 800, ...dag(5000) }));
  return drain(s);
}

test('srpt-dag: without descendant facts it orders exactly as srpt', () => {
  assert.deepEqual(order('srpt-dag', false), order('srpt', false));
  assert.deepEqual(order('srpt', false), ['sd-small/path', 'sd-small/gate', 'sd-big/a']);
});

test('srpt-dag: inside a job the stage that unlocks the most work goes first; jobs stay in SRPT order', () => {
  assert.deepEqual(order('srpt-dag', true), ['sd-small/gate', 'sd-small/path', 'sd-big/a']);
  assert.deepEqual(order('srpt', true), ['sd-small/path', 'sd-small/gate', 'sd-big/a']);
});
