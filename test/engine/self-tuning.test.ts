/**
 * Runtime estimates: the engine learns each task's runtime from its successful attempts, uses
 * it to rank tasks without a declared estimate (SJF here), and keeps the model across restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spec, testEngine } from './helpers.js';
import { Engine } from '../../src/engine/engine.js';
import { localExecutors } from '../../src/cli/runtime.js';

const WF = `
name: learn
tasks:
  slow:
    fn: sleep
    args: {ms: 120}
    resources: {cpu: 1}
  fast:
    fn: sleep
    args: {ms: 10}
    resources: {cpu: 1}
`;

const functions = new Map([['sleep', (ctx: { args: unknown }) => new Promise((r) => setTimeout(r, (ctx.args as { ms: number }).ms))]]);

test('SJF ranks by learned runtimes, and the model survives a restart', async () => {
  const t = testEngine({ functions, capacity: { cpu: 1 }, scheduler: { policy: 'sjf' } });
  try {
    // Run 1: nothing known; both tasks run (one at a time) and are observed.
    const r1 = await t.engine.submit(spec(WF));
    assert.equal((await t.engine.wait(r1.id)).state, 'succeeded');
    const slow = t.engine.estimates.estimate('default/learn/slow', Date.now());
    const fast = t.engine.estimates.estimate('default/learn/fast', Date.now());
    assert.ok(slow !== null && fast !== null && slow > fast, `learned slow ${slow} > fast ${fast}`);

    // Run 2: SJF now starts the task learned to be shorter first, whatever the declaration order.
    const started: string[] = [];
    t.engine.on('task', (c) => c.state === 'running' && started.push(c.taskId));
    const r2 = await t.engine.submit(spec(WF));
    await t.engine.wait(r2.id);
    assert.deepEqual(started, ['fast', 'slow']);

    await t.engine.close();
    const file = join(t.dir, 'runtime-model.json');
    assert.ok(existsSync(file), 'the model is saved on close');
    const again = new Engine({ store: t.store, stateDir: t.dir, executors: localExecutors(functions) });
    assert.ok(again.estimates.estimate('default/learn/slow', Date.now())! > again.estimates.estimate('default/learn/fast', Date.now())!);
    await again.close();
  } finally {
    await t.close();
  }
});

test('adaptive concurrency: the controller lowers a too-high limit when latency climbs past a knee, with reasons', async () => {
  let inflight = 0;
  const knee = 6;
  const functions = new Map([['call', async () => {
    inflight++;
    // A service whose latency climbs steeply once more than `knee` calls are in flight.
    const ms = 2 + Math.max(0, inflight - knee) ** 2 / 4;
    await new Promise((r) => setTimeout(r, ms));
    inflight--;
  }]]);
  const t = testEngine({ functions, concurrency: 40, autoConcurrency: { kind: 'gradient' } });
  try {
    const decisions: string[] = [];
    t.engine.on('tuning', (d) => decisions.push(d.reason));
    const tasks = Array.from({ length: 400 }, (_, i) => `  c${i}:\n    fn: call\n    resources: {cpu: 0}`).join('\n');
    const run = await t.engine.submit(spec(`name: knee\ntasks:\n${tasks}\n`));
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    const c = t.engine.concurrencyController!;
    assert.ok(c.decisions.length > 0 && decisions.length === c.decisions.length, 'every decision is announced');
    assert.ok(t.engine.concurrency < 40, `limit lowered from 40 to ${t.engine.concurrency}`);
    assert.equal(t.engine.concurrency, c.limit);
    assert.ok(decisions.every((r) => r.length > 0));
  } finally {
    await t.close();
  }
});
