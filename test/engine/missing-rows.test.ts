/**
 * A run stored with part of its task rows — what a crash between a large submit's chunks leaves
 * (pending-writes.ts) — is finished by resume and cancelled whole by a cancel through the store:
 * the missing rows are made (missing-rows.ts). The partial run is written straight to a real
 * SQLite store, so the case is exact rather than left to a kill's timing
 * (chunked-submit-crash.test.ts does it with kills).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRun } from '../../src/engine/new-run.js';
import { missingTaskRows } from '../../src/engine/missing-rows.js';
import { cancelRows } from '../../src/engine/recovery.js';
import { SeededRng } from '../../src/core/clock.js';
import type { Store } from '../../src/store/types.js';
import { spec, testEngine } from './helpers.js';

const WF = spec(`
name: partial
tasks:
  a: {fn: ok}
  b: {fn: ok, needs: [a]}
  c: {fn: ok}
  fan: {fn: ok, foreach: "[1, 2]", needs: [c]}
  d: {fn: ok, needs: [b, fan]}
`);

/** Writes a run owned by nobody with only the rows of `keep` (task ids), as a crash would. */
async function partialRun(store: Store, keep: readonly string[]): Promise<string> {
  const { row, tasks } = newRun(WF, {}, {}, Date.now(), new SeededRng(7), null);
  await store.commit({ newRuns: [row], runs: [], newTasks: tasks.filter((t) => keep.includes(t.taskId)), tasks: [], attempts: [], events: [] });
  return row.id;
}

test('missingTaskRows: the spec tasks without a row, as pending rows in spec order', () => {
  const { row, tasks } = newRun(WF, {}, {}, 0, new SeededRng(1), null);
  assert.deepEqual(missingTaskRows(row, tasks), []);
  const m = missingTaskRows(row, tasks.filter((t) => t.taskId === 'a' || t.taskId === 'fan'));
  assert.deepEqual(m.map((r) => r.taskId), ['b', 'c', 'd']);
  assert.ok(m.every((r) => r.state === 'pending' && r.attempt === 0 && r.specId === null));
});

test('resume of a run stored with part of its rows makes the rest and finishes the run', async () => {
  const ran: string[] = [];
  const t = testEngine({ functions: new Map([['ok', (ctx) => void ran.push(ctx.taskId)]]) });
  try {
    const id = await partialRun(t.store, ['a', 'c']);
    assert.equal((await t.store.getTasks(id)).length, 2);
    await t.engine.resume(id);
    const end = await t.engine.wait(id);
    assert.equal(end.state, 'succeeded', end.error ?? '');
    const rows = await t.store.getTasks(id);
    assert.deepEqual(rows.map((r) => r.taskId).sort(), ['a', 'b', 'c', 'd', 'fan', 'fan[0]', 'fan[1]']);
    assert.ok(rows.every((r) => r.state === 'succeeded'), JSON.stringify(rows.map((r) => [r.taskId, r.state])));
    assert.deepEqual([...ran].sort(), ['a', 'b', 'c', 'd', 'fan[0]', 'fan[1]'], 'each task ran once');
  } finally {
    await t.close();
  }
});

test('cancelling a stored run with part of its rows cancels every task, the missing ones made', async () => {
  const t = testEngine();
  try {
    const id = await partialRun(t.store, ['a']);
    const run = (await t.store.getRun(id))!;
    await t.store.commit(cancelRows(run, await t.store.getTasks(id), 'by test', Date.now()));
    const rows = await t.store.getTasks(id);
    assert.equal(rows.length, 5);
    assert.ok(rows.every((r) => r.state === 'cancelled'));
    assert.equal((await t.store.getRun(id))!.state, 'cancelled');
  } finally {
    await t.close();
  }
});
