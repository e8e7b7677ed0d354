/**
 * The compact form of a batch that crosses to the SQLite writer thread (batch-codec.ts) decodes to
 * exactly the parameters the row-object path binds (rows.ts bindTask / bindAttempt): every
 * column, nulls, empty and non-empty outputs, a state or status outside the lists, workers and
 * runs that repeat or change. And a run's task specs, stored in parts (rows.ts specPartJson),
 * read back as the same JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAttempts, decodeNewTasks, decodeUpdates, encodeBatch, TASK_COLUMN_COUNT } from '../../src/store/sqlite/batch-codec.js';
import { bindAttempt, bindTask } from '../../src/store/sqlite/rows.js';
import { specPartJson, specTasksFromParts } from '../../src/store/spec-parts.js';
import { emptyBatch, type AttemptRow, type TaskRow } from '../../src/store/types.js';
import { taskRow } from './conformance.js';

function rows(): TaskRow[] {
  return [
    taskRow('r1', 'a'),
    taskRow('r1', 'b', { state: 'running', attempt: 1, readyAt: 10, startedAt: 11, worker: 'local' }),
    taskRow('r1', 'c', { state: 'succeeded', attempt: 2, readyAt: 10, startedAt: 11, finishedAt: 12, worker: 'local', outputs: {}, doneSeq: 3 }),
    taskRow('r1', 'd', { state: 'failed', attempt: 1, worker: 'w-2', outputs: { n: 1, s: 'x' }, error: 'boom', reason: { kind: 'deps', detail: 'x' } as never }),
    taskRow('r2', 'e[0]', { specId: 'e', itemIndex: 0, item: { k: [1, 2] }, state: 'retry_wait', retryAt: 99, worker: 'local' }),
    taskRow('r2', 'f', { state: 'weird' as never, attempt: 0, readyAt: 0, worker: null, error: '' }),
    taskRow('r1', 'g', { state: 'queued', reason: { kind: 'capacity' } as never, worker: 'local' }),
  ];
}

const flat = (list: readonly TaskRow[]): unknown[] => {
  const out: unknown[] = [];
  for (const t of list) bindTask(t, out);
  return out;
};

test('batch codec: new task rows decode to their rowid and every column', () => {
  const b = emptyBatch();
  b.newTasks.push(...rows());
  const e = structuredClone(encodeBatch(b, () => undefined));
  const expected: unknown[] = [];
  rows().forEach((t, i) => {
    expected.push(100 + 1 + i);
    bindTask(t, expected);
  });
  assert.deepEqual(decodeNewTasks(e, 100), expected);
  assert.equal(expected.length, rows().length * (TASK_COLUMN_COUNT + 1));
});

test('batch codec: updates go by rowid when known (the mutable columns), by key otherwise (every column)', () => {
  const list = rows();
  const ids = new Map<TaskRow, number>(list.filter((_, i) => i !== 2 && i !== 5).map((t, i) => [t, 7 + i * 3]));
  const b = emptyBatch();
  b.tasks.push(...list);
  const e = structuredClone(encodeBatch(b, (t) => ids.get(t)));
  assert.deepEqual(e.tasks, flat([list[2]!, list[5]!]));
  const expected: unknown[] = [];
  for (const t of list) {
    const id = ids.get(t);
    if (id === undefined) continue;
    const cols: unknown[] = [];
    bindTask(t, cols);
    expected.push(id, ...cols.slice(5)); // state .. done_seq
  }
  assert.deepEqual(decodeUpdates(e), expected);
});

test('batch codec: attempt rows decode to every column', () => {
  const a = (over: Partial<AttemptRow>): AttemptRow => ({
    runId: 'r1', taskId: 't', attempt: 1, status: 'succeeded', worker: 'local', startedAt: 5, finishedAt: 6, exitCode: null, error: null, kind: 'run', ...over,
  });
  const list = [
    a({}), a({ taskId: 'u', status: 'failed', exitCode: 2, error: 'exit 2' }), a({ runId: 'r2', worker: null, finishedAt: null, status: 'lost' }),
    a({ runId: 'r2', kind: 'compensate', worker: 'w', status: 'odd' as never }), a({ runId: 'r1', worker: 'w', attempt: 3 }),
  ];
  const b = emptyBatch();
  b.attempts.push(...list);
  const e = structuredClone(encodeBatch(b, () => undefined));
  const expected: unknown[] = [];
  for (const x of list) bindAttempt(x, expected);
  assert.deepEqual(decodeAttempts(e), expected);
});

test('spec parts: tasks equal but for id and needs are written short and read back as the same JSON', () => {
  const shared = { kind: 'fn', fn: 'noop', args: null };
  const mk = (id: string, needs: string[], over: Record<string, unknown> = {}) => ({ id, needs, action: { ...shared }, env: {}, retries: { max: 0 }, priority: 50, ...over });
  const tasks = [
    mk('a', []), mk('b', []), mk('c', ['a']), mk('d', ['a'], { priority: 10 }), mk('e', []), mk('f', [], { extra: 1 }), mk('g', []),
    mk('h', [], { at: new Date(1) }), mk('i', [], { at: new Date(2) }), mk('j', [], { env: { X: '1' } }), mk('k', [], { env: { X: '2' } }),
  ];
  const parts = [specPartJson(tasks, 0, 4), specPartJson(tasks, 4, tasks.length)];
  assert.ok(parts[0]!.includes('["b",[]]') && parts[0]!.includes('["c",["a"]]'), 'equal tasks are written as [id, needs]');
  assert.ok(!parts[1]!.includes('["i",[]]'), 'objects other than plain ones are compared by identity');
  assert.ok(!parts[1]!.includes('["k",[]]'), 'a different nested value is written whole');
  assert.equal(JSON.stringify(specTasksFromParts(parts)), JSON.stringify(tasks));
  // Parts written before (objects only) read the same way.
  assert.equal(JSON.stringify(specTasksFromParts([JSON.stringify(tasks)])), JSON.stringify(tasks));
});
