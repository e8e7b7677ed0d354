/**
 * PendingWrites: a row is in a batch once, as an insert if it is new in that batch (its later
 * changes are part of the insert), else as an update. Submitted runs hand their rows over as one
 * array (`newRunTasks`); a group's instances one by one (`newTask`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingWrites } from '../../src/engine/pending-writes.js';
import type { TaskRow } from '../../src/store/types.js';

function row(runId: string, taskId: string): TaskRow {
  return {
    runId, taskId, specId: taskId, itemIndex: null, item: null, state: 'pending', attempt: 0, readyAt: null, startedAt: null,
    finishedAt: null, retryAt: null, worker: null, outputs: null, error: null, reason: null, doneSeq: null,
  };
}

test('rows of a run submitted in the batch are inserts only; other runs\' rows are updates', () => {
  const w = new PendingWrites();
  const old = row('r0', 'a');
  const rows = [row('r1', 'a'), row('r1', 'b'), row('r1', 'c')];
  w.newRunTasks('r1', rows);
  const instance = row('r0', 'g[0]');
  w.newTask(instance);
  for (const t of [rows[0]!, rows[1]!, old, rows[2]!, rows[0]!, instance, old]) w.task(t);
  const b = w.take();
  assert.deepEqual(b.newTasks, [...rows, instance]);
  assert.notEqual(b.newTasks, rows, 'the batch does not hand out the caller\'s array');
  assert.deepEqual(b.tasks, [old]);

  // Next batch: the same rows changed again are updates.
  w.task(rows[1]!);
  w.task(instance);
  w.task(rows[1]!);
  const b2 = w.take();
  assert.deepEqual(b2.newTasks, []);
  assert.deepEqual(b2.tasks, [rows[1], instance]);
});

test('two runs submitted in one batch', () => {
  const w = new PendingWrites();
  const a = [row('r1', 'x')];
  const c = [row('r2', 'x'), row('r2', 'y')];
  w.newRunTasks('r1', a);
  w.newRunTasks('r2', c);
  w.task(c[1]!);
  w.task(a[0]!);
  const b = w.take();
  assert.deepEqual(b.newTasks, [...a, ...c]);
  assert.deepEqual(b.tasks, []);
});
