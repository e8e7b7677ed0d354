/**
 * Fencing, on the task flow itself: a result carrying an attempt number that is not the task's
 * current one (a zombie of a superseded attempt) is recorded and changes nothing; the current
 * attempt's result is applied exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, SeededRng } from '../../src/core/clock.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import { buildRun, newTaskRows } from '../../src/engine/build-run.js';
import { PendingWrites } from '../../src/engine/pending-writes.js';
import { RuntimeEstimates } from '../../src/engine/runtime-estimates.js';
import { TaskFlow, type EngineSchedTask } from '../../src/engine/task-flow.js';
import type { RunRow } from '../../src/store/types.js';
import type { ExecResult } from '../../src/exec/types.js';
import { spec } from './helpers.js';

const ok: ExecResult = { outcome: 'succeeded', exitCode: 0, signal: null, outputs: { v: 'current' }, error: null };
const late: ExecResult = { outcome: 'succeeded', exitCode: 0, signal: null, outputs: { v: 'zombie' }, error: null };
const boom: ExecResult = { outcome: 'failed', exitCode: 1, signal: null, outputs: {}, error: 'boom' };

test('a late result of a superseded attempt is recorded and ignored; the current one applies once', () => {
  const wf = spec(`
name: fence
tasks:
  a:
    fn: x
    retries: {max: 1, initial: 1ms, jitter: 0}
`);
  const row: RunRow = {
    id: 'r1', workflow: 'fence', namespace: 'default', priority: 50, state: 'running', params: {}, spec: wf, labels: {},
    createdAt: 0, startedAt: 0, finishedAt: null, deadlineAt: null, error: null, owner: null, ownerSeenAt: null, paused: false,
  };
  const run = buildRun(row, newTaskRows('r1', row));
  const clock = new ManualClock(0);
  const scheduler = new Scheduler({ policy: 'fifo' });
  scheduler.addWorker({ id: 'w', pool: 'default', capacity: { cpu: 4, slots: 4 }, speed: 1, labels: {} });
  const writes = new PendingWrites();
  let settled = 0;
  const flow = new TaskFlow(scheduler, writes, clock, new SeededRng(1), { maxForeach: 10 }, new RuntimeEstimates(null), () => {}, () => settled++);
  const task = run.tasks.get('a')!;
  const dispatch = () => {
    const placed = scheduler.schedule(clock.now()).placements;
    assert.equal(placed.length, 1);
    flow.dispatch((placed[0]!.task as EngineSchedTask).live, placed[0]!.workerId);
  };

  flow.decide(task);
  dispatch();
  assert.equal(task.row.attempt, 1);
  flow.applyResult(task, 1, boom); // attempt 1 fails -> retry_wait
  assert.equal(task.row.state, 'retry_wait');
  clock.advance(5);
  flow.apply(task, { type: 'retry_due' });
  flow.makeReady(task);
  dispatch();
  assert.equal(task.row.attempt, 2);

  writes.take();
  flow.applyResult(task, 1, late); // the zombie of attempt 1 reports success
  assert.equal(task.row.state, 'running');
  assert.equal(task.row.outputs, null);
  const ignored = writes.take();
  assert.deepEqual(ignored.events.map((e) => [e.type, e.data]), [['late_result_ignored', { attempt: 1, outcome: 'succeeded' }]]);
  assert.equal(ignored.tasks.length + ignored.attempts.length, 0, 'nothing about the task was rewritten');

  flow.applyResult(task, 2, ok);
  assert.equal(task.row.state, 'succeeded');
  assert.deepEqual(task.row.outputs, { v: 'current' });
  flow.applyResult(task, 2, late); // a duplicate delivery of the current attempt
  assert.deepEqual(task.row.outputs, { v: 'current' });
  assert.equal(settled, 1, 'the run settled once');
});
