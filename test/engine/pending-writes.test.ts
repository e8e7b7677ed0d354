/**
 * PendingWrites: a changed task row is in a batch once, deduplicated by the stamp on its task
 * instead of a Set; rows of a run submitted in the batch and new rows
 * (`newTask`) stay inserts; the next batch takes the same rows again as updates. Chunked takes:
 * a submitted run's rows go in growing chunks, a row whose change may have an effect goes at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingWrites, RIDE_EVERY } from '../../src/engine/pending-writes.js';
import type { TaskRow } from '../../src/store/types.js';

type Live = { row: TaskRow; writeGen: number };

function live(runId: string, taskId: string): Live {
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
  w.newRunTasks(submitted);
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
  w.newRunTasks(a);
  w.newRunTasks(c);
  w.task(c[1]!);
  w.task(a[0]!);
  const b = w.take();
  assert.deepEqual(b.newTasks, [...a, ...c].map((t) => t.row));
  assert.notEqual(b.newTasks, a.map((t) => t.row), 'the batch does not hand out the caller\'s array');
  assert.deepEqual(b.tasks, []);
});

const ids = (rows: readonly TaskRow[]): string[] => rows.map((r) => r.taskId);
const run = (runId: string, n: number): Live[] => Array.from({ length: n }, (_, i) => live(runId, `t${i}`));

test('chunked: a submitted run goes in growing chunks, in order, each row as it is when taken', () => {
  const w = new PendingWrites(2);
  const ts = run('r1', 10);
  w.newRunTasks(ts);
  ts[1]!.row.state = 'queued';
  w.task(ts[1]!); // queued: carried by its insert, not an update
  const b1 = w.take(true);
  assert.deepEqual(ids(b1.newTasks), ['t0', 't1']);
  assert.equal(b1.newTasks[1]!.state, 'queued');
  assert.deepEqual(b1.tasks, []);
  assert.deepEqual(ids(w.take(true).newTasks), ['t2', 't3', 't4', 't5'], 'the second chunk is twice the first');
  w.task(ts[1]!); // inserted: now an update
  const b3 = w.take(true);
  assert.deepEqual(ids(b3.tasks), ['t1']);
  assert.deepEqual(ids(b3.newTasks), ['t6', 't7'], 'riding with an update: the first chunk\'s size, not the grown one');
  assert.deepEqual(ids(w.take(true).newTasks), ['t8', 't9'], 'alone: the grown chunk (the rest)');
  assert.deepEqual(w.take(true).newTasks, [], 'every row inserted once');
});

test('chunked: a chunk riding with other rows is at most the first chunk; alone it grows', () => {
  const w = new PendingWrites(2);
  const ts = run('r1', 40);
  w.newRunTasks(ts);
  const other = live('r0', 'x');
  const sizes: number[] = [];
  for (let i = 0; i < 4; i++) {
    w.task(other); // a result or a start in every batch
    sizes.push(w.take(true).newTasks.length);
  }
  assert.deepEqual(sizes, [2, 2, 2, 2], 'the effects of these batches never wait for more than 2 inserts');
  assert.equal(w.take(true).newTasks.length, 32, 'alone: the chunk grew meanwhile (2, 4, 8, 16, 32)');
  assert.equal(w.take(true).newTasks.length, 0);
});

test('chunked: a heavy batch carries no chunk, its dispatched rows go in their running state; every RIDE_EVERY-th carries one', () => {
  const w = new PendingWrites(8); // light: at most 2 rows of its own
  const ts = run('r1', 200);
  w.newRunTasks(ts);
  const busy = run('r0', 3); // three rows of other work in every batch: heavy
  const taken: string[][] = [];
  for (let i = 0; i < RIDE_EVERY; i++) {
    ts[i]!.row.state = 'running'; // this batch dispatches one of the run's tasks
    w.task(ts[i]!);
    for (const b of busy) w.task(b);
    taken.push(ids(w.take(true).newTasks));
  }
  for (let i = 0; i < RIDE_EVERY - 1; i++) assert.deepEqual(taken[i], [`t${i}`], `heavy batch ${i + 1}: its dispatched row only, as an insert`);
  assert.deepEqual(taken[RIDE_EVERY - 1], Array.from({ length: 8 }, (_, k) => `t${RIDE_EVERY - 1 + k}`),
    `heavy batch ${RIDE_EVERY}: a first chunk's rows from the first not inserted (its dispatched row among them, once)`);
  w.task(busy[0]!);
  assert.equal(w.take(true).newTasks.length, 8, 'a light batch carries a chunk at once');
  w.task(busy[0]!);
  w.task(busy[1]!);
  w.task(busy[2]!);
  assert.deepEqual(w.take(true).newTasks, [], 'the count started again: heavy, without');
  assert.equal(w.take(true).newTasks.length, 32, 'alone: the grown chunk (8, 16, 32)');
});

test('chunked: a row whose change may have an effect is inserted by the next batch, once', () => {
  const w = new PendingWrites(8);
  const ts = run('r1', 12);
  w.newRunTasks(ts);
  ts[10]!.row.state = 'running'; // dispatched beyond the first chunk: its start waits for this commit
  w.task(ts[10]!);
  ts[10]!.row.attempt = 1;
  w.task(ts[10]!);
  ts[0]!.row.state = 'running'; // within the chunk: inserted there, once
  w.task(ts[0]!);
  const b1 = w.take(true); // two rows of its own: light, so the first chunk rides
  assert.deepEqual(ids(b1.newTasks), ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't10']);
  assert.equal(b1.newTasks[8]!.attempt, 1, 'with its last change');
  assert.deepEqual(b1.tasks, []);
  assert.deepEqual(ids(w.take(true).newTasks), ['t8', 't9', 't11'], 'the inserted row is skipped in its chunk');
  ts[10]!.row.state = 'succeeded';
  w.task(ts[10]!);
  const b3 = w.take(true);
  assert.deepEqual(b3.newTasks, []);
  assert.deepEqual(ids(b3.tasks), ['t10'], 'later changes are updates');
});

test('chunked, not alone: a chunk rides only with other rows', () => {
  const w = new PendingWrites(2);
  const ts = run('r1', 4);
  w.newRunTasks(ts);
  assert.deepEqual(ids(w.take(true, false).newTasks), [], 'nothing else in the batch: the chunk waits');
  const x = live('r0', 'x');
  w.task(x);
  const b = w.take(true, false);
  assert.deepEqual(ids(b.newTasks), ['t0', 't1']);
  assert.deepEqual(ids(b.tasks), ['x']);
  assert.deepEqual(ids(w.take(true, true).newTasks), ['t2', 't3'], 'alone: the chunk makes its own batch');
});

test('not chunked: every pending row of every run in one take (inline commits)', () => {
  const w = new PendingWrites(2);
  const a = run('r1', 5);
  const c = run('r2', 3);
  w.newRunTasks(a);
  w.newRunTasks(c);
  assert.equal(w.take().newTasks.length, 8);
  assert.deepEqual(w.take().newTasks, []);
});
