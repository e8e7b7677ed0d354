/**
 * PendingWrites: a changed task row is in a batch once, deduplicated by the stamp on its task
 * instead of a Set; rows of a run submitted in the batch and new rows
 * (`newTask`) stay inserts; the next batch takes the same rows again as updates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingWrites } from '../../src/engine/pending-writes.js';
import type { TaskRow } from '../../src/store/types.js';

function live(runId: string, taskId: string): { row: TaskRow; writeGen: number } {
  return {
    row: {
      runId, taskId, specId: taskId, itemIndex: null, item: null, state: 'pending', attempt: 0, readyAt: null, startedAt: null,
      finishedAt: null, retryAt: null, worker: null, outputs: null, error: null, reason: null, doneSeq: null,
    },
    writeGen: 0,
  };
}

test('each changed row once per batch, in first-change order; inserts stay inserts', () => {
  const w = new PendingWrites();
  const submitted = [live('r1', 'a'), live('r1', 'b')];
  w.newRunTasks('r1', submitted.map((t) => t.row));
  const instance = live('r0', 'g[0]');
  w.newTask(instance.row);
  const x = live('r0', 'x');
  const y = live('r0', 'y');
  for (const t of [x, submitted[0]!, y, x, instance, y, submitted[1]!, x]) w.task(t);
  const b = w.take();
  assert.deepEqual(b.newTasks, [...submitted.map((t) => t.row), instance.row]);
  assert.deepEqual(b.tasks, [x.row, y.row]);

  // The next batch: every row again, once, as an update (the stamps of the last batch are stale).
  for (const t of [y, instance, submitted[0]!, y, instance]) w.task(t);
  const b2 = w.take();
  assert.deepEqual(b2.newTasks, []);
  assert.deepEqual(b2.tasks, [y.row, instance.row, submitted[0]!.row]);
  assert.deepEqual(w.take().tasks, [], 'an empty batch after');
});

test('two runs submitted in one batch: their later changes are part of their inserts', () => {
  const w = new PendingWrites();
  const a = [live('r1', 'x')];
  const c = [live('r2', 'x'), live('r2', 'y')];
  w.newRunTasks('r1', a.map((t) => t.row));
  w.newRunTasks('r2', c.map((t) => t.row));
  w.task(c[1]!);
  w.task(a[0]!);
  const b = w.take();
  assert.deepEqual(b.newTasks, [...a, ...c].map((t) => t.row));
  assert.notEqual(b.newTasks, a.map((t) => t.row), 'the batch does not hand out the caller\'s array');
  assert.deepEqual(b.tasks, []);
});
