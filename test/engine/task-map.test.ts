/**
 * TaskMap (live-run.ts): a run's tasks by id with the index built on the first lookup. It must
 * answer as the Map it replaced: insertion order, lookups before and after the index exists,
 * and iterations (forEach, values) that see tasks added while they run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/clock.js';
import type { WorkflowSpec } from '../../src/core/model.js';
import { buildRun } from '../../src/engine/build-run.js';
import { newRun } from '../../src/engine/new-run.js';
import { LiveTask } from '../../src/engine/live-run.js';

const NO_RETRIES = { max: 0, backoff: 'fixed', initialMs: 0, maxMs: 0, jitter: 0 } as const;

function spec(ids: string[]): WorkflowSpec {
  return {
    name: 'm', namespace: 'default', priority: 50, deadline: null, params: [], labels: {},
    tasks: ids.map((id) => ({
      id, needs: [], action: { kind: 'fn', fn: 'noop', args: null }, env: {}, secretEnv: [], timeoutMs: null, retries: NO_RETRIES,
      resources: {}, priority: 50, deadlineMs: null, outputs: { stdout: false }, estimateMs: null,
    })),
  };
}

function instance(of: LiveTask, i: number): LiveTask {
  return new LiveTask(of.run, of.spec, { ...of.row, taskId: `${of.id}[${i}]`, specId: of.id, itemIndex: i, item: i });
}

test('lookups by id answer the same before and after the index is built, and tasks added later are found', () => {
  const { row, tasks } = newRun(spec(['a', 'b', 'c']), {}, {}, 1, new SeededRng(1), null);
  const run = buildRun(row, tasks);
  const m = run.tasks;
  assert.equal(m.size, 3);
  const x = instance(m.get('b')!, 0); // the first get builds the index
  m.add(x);
  assert.equal(m.get('b[0]'), x);
  assert.equal(m.has('b[0]'), true);
  assert.equal(m.has('zz'), false);
  assert.equal(m.get('zz'), undefined);
  assert.deepEqual([...m.keys()], ['a', 'b', 'c', 'b[0]']);
  assert.deepEqual([...m.values()].map((t) => t.id), ['a', 'b', 'c', 'b[0]']);

  // Added before any lookup: in the index once it is built.
  const r2 = buildRun(row, newRun(spec(['a', 'b', 'c']), {}, {}, 1, new SeededRng(2), null).tasks);
  const y = instance([...r2.tasks.values()][0]!, 3);
  r2.tasks.add(y);
  assert.equal(r2.tasks.get('a[3]'), y);
  assert.equal(r2.tasks.get('c')!.id, 'c');
});

test('forEach and values() see tasks added while they iterate, as a Map does', () => {
  const { row, tasks } = newRun(spec(['a', 'b']), {}, {}, 1, new SeededRng(1), null);
  const run = buildRun(row, tasks);
  const seen: string[] = [];
  run.tasks.forEach((t, id, map) => {
    assert.equal(t.id, id);
    assert.equal(map, run.tasks);
    seen.push(id);
    if (id === 'a') run.tasks.add(instance(t, 0));
  });
  assert.deepEqual(seen, ['a', 'b', 'a[0]']);
  const viaValues: string[] = [];
  for (const t of run.tasks.values()) {
    viaValues.push(t.id);
    if (t.id === 'b') run.tasks.add(instance(t, 1));
  }
  assert.deepEqual(viaValues, ['a', 'b', 'a[0]', 'b[1]']);
  assert.equal(run.tasks.size, 4);
  const copy = run.tasks.toArray();
  assert.deepEqual(copy.map((t) => t.id), viaValues);
  run.tasks.add(instance(copy[0]!, 2));
  assert.equal(copy.length, 4, 'toArray is a copy: later additions are not in it');
});

test('adopt takes an array only while the map is empty', () => {
  const { row, tasks } = newRun(spec(['a']), {}, {}, 1, new SeededRng(1), null);
  const run = buildRun(row, tasks);
  assert.throws(() => run.tasks.adopt([]), /not empty/);
  assert.deepEqual([...run.tasks.keys()], ['a']);
});
