/**
 * PeriodicTask (src/engine/periodic-task.ts), the loop under the what-if auto mode, regret by
 * replay and scheduled fine-tuning: a run that comes while one is going is skipped (not queued),
 * a failing run goes to onError and resolves null, and the timer calls the same run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeriodicTask } from '../../src/engine/periodic-task.js';

test('periodic task: busy guard, error path, timer, nextAt', async () => {
  let release!: () => void;
  let calls = 0;
  let fail = false;
  const errors: string[] = [];
  let now = 1000;
  const task = new PeriodicTask<number>({
    everyMs: 60_000,
    body: async () => {
      calls++;
      if (fail) throw new Error('boom');
      await new Promise<void>((r) => (release = r));
      return calls;
    },
    onError: (e) => errors.push(e.message),
    now: () => now,
  });
  const first = task.run();
  assert.equal(task.running, true);
  assert.equal(await task.run(), null, 'skipped while the first runs');
  assert.equal(task.skipped, 1);
  assert.equal(calls, 1, 'the skipped run did not call the body');
  release();
  assert.equal(await first, 1);
  assert.equal(task.running, false);

  fail = true;
  assert.equal(await task.run(), null);
  assert.deepEqual(errors, ['boom']);
  assert.equal(task.running, false, 'a failure frees the guard');
  fail = false;

  assert.equal(task.nextAt, null, 'not started');
  task.start();
  assert.equal(task.nextAt, 61_000);
  now = 5000;
  task.start(); // idempotent: one timer, the same next time
  assert.equal(task.nextAt, 61_000);
  task.stop();
  assert.equal(task.nextAt, null);
});

test('periodic task: the timer runs the body, and stop ends it', async () => {
  let ran!: () => void;
  const fired = new Promise<void>((r) => (ran = r));
  let calls = 0;
  const task = new PeriodicTask<void>({ everyMs: 5, body: async () => { calls++; ran(); }, onError: () => {}, now: () => 0 });
  task.start();
  const keepAlive = setTimeout(() => {}, 60_000); // the task's timer is unref'd: keep the test process up
  await fired;
  clearTimeout(keepAlive);
  task.stop();
  const after = calls;
  await new Promise((r) => setTimeout(r, 30)); // six periods
  assert.equal(calls, after, 'no run after stop');
});
