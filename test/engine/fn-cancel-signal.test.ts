/**
 * The engine's per-attempt abort is lazy (src/exec/lazy-abort.ts): a fn handler that reads
 * ctx.signal only after the cancel still sees it aborted, and one that never reads it is still
 * cancelled at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FnContext, FnHandler } from '../../src/exec/types.js';
import { spec, testEngine } from './helpers.js';

const wf = spec(`
name: fn-cancel
tasks:
  wait:
    fn: wait
    resources: {cpu: 0}
`);

async function cancelWhileRunning(handler: FnHandler): Promise<string> {
  const t = testEngine({ functions: new Map([['wait', handler]]) });
  try {
    const run = await t.engine.submit(wf);
    await new Promise<void>((resolve) => t.engine.on('task', (c) => c.taskId === 'wait' && c.state === 'running' && resolve()));
    const final = await t.engine.cancel(run.id);
    assert.equal(final.state, 'cancelled');
    return (await t.store.getTasks(run.id))[0]!.state;
  } finally {
    await t.close();
  }
}

test('a fn handler that reads ctx.signal only after the cancel sees it aborted', async () => {
  let ctx: FnContext | null = null;
  const state = await cancelWhileRunning((c) => {
    ctx = c; // keeps the context, does not touch its signal
    return new Promise<never>(() => {});
  });
  assert.equal(state, 'cancelled');
  assert.equal(ctx!.signal.aborted, true);
});

test("a fn handler listening on ctx.signal hears the cancel's 'abort' event", async () => {
  let heard = 0;
  const state = await cancelWhileRunning((c) => {
    c.signal.addEventListener('abort', () => heard++);
    return new Promise<never>(() => {});
  });
  assert.equal(state, 'cancelled');
  assert.equal(heard, 1);
});

test('a fn handler that never reads ctx.signal is still cancelled', async () => {
  assert.equal(await cancelWhileRunning(() => new Promise<never>(() => {})), 'cancelled');
});
