/**
 * What a fn handler gets as `inputs` (attempt-runner.ts FnInputs): own enumerable `params`,
 * `item`, `index`, `upstream`, in that order, the same as JSON (what remote workers receive) —
 * for a task without upstream tasks (`upstream` a plain `{}`), a task with parents and a foreach
 * instance (the group's parents' outputs, built on read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spec, testEngine } from './helpers.js';
import type { FnHandler } from '../../src/exec/types.js';

test('inputs: the same own keys, values and JSON for roots, children and foreach instances', async () => {
  const seen = new Map<string, { keys: string[]; json: string; upstream: unknown }>();
  const functions = new Map<string, FnHandler>([
    ['rec', (ctx: { taskId: string; inputs: Record<string, unknown> }) => {
      const i = ctx.inputs;
      seen.set(ctx.taskId, { keys: Object.keys(i), json: JSON.stringify(i), upstream: i.upstream });
      return { v: ctx.taskId };
    }],
    ['list', () => ({ items: [1, 2] })],
  ]);
  const t = testEngine({ functions });
  try {
    const wf = spec(`name: inputs
params:
  k: v
tasks:
  a:
    fn: rec
  l:
    fn: list
  b:
    needs: [a]
    fn: rec
  each:
    needs: [l, a]
    foreach: tasks.l.outputs.items
    fn: rec
`);
    const run = await t.engine.submit(wf);
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    const keys = ['params', 'item', 'index', 'upstream'];
    assert.deepEqual(seen.get('a'), { keys, json: JSON.stringify({ params: { k: 'v' }, item: null, index: null, upstream: {} }), upstream: {} });
    assert.deepEqual(seen.get('b')!.keys, keys);
    assert.equal(seen.get('b')!.json, JSON.stringify({ params: { k: 'v' }, item: null, index: null, upstream: { a: { v: 'a' } } }));
    assert.deepEqual(seen.get('b')!.upstream, { a: { v: 'a' } });
    for (const [i, item] of [[0, 1], [1, 2]] as const) {
      const s = seen.get(`each[${i}]`)!;
      assert.deepEqual(s.keys, keys);
      assert.equal(s.json, JSON.stringify({ params: { k: 'v' }, item, index: i, upstream: { l: { items: [1, 2] }, a: { v: 'a' } } }));
    }
  } finally {
    await t.close();
  }
});
