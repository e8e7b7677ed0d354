/** The fn executor with real handlers, and the ExecutorSet dispatching to it and to the shell. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FnContext, FnHandler } from '../../src/exec/types.js';
import { FnExecutor } from '../../src/exec/fn-executor.js';
import { ExecutorSet } from '../../src/exec/executor-set.js';
import { ShellExecutor } from '../../src/exec/shell-executor.js';
import { request, shell, never, tempDir } from './helpers.js';

const dir = tempDir('fn');
after(() => rmSync(dir, { recursive: true, force: true }));

const fns = new Map<string, FnHandler>();
const ex = new FnExecutor(fns);
const fn = (name: string, args: unknown = null) => ({ kind: 'fn' as const, fn: name, args });
const forever = (ctx: FnContext): Promise<never> => new Promise(() => void ctx); // ignores its signal

test('a returned plain object becomes the outputs; args, inputs and ids reach the handler', async () => {
  fns.set('sum', (ctx) => ({ total: (ctx.args as number[]).reduce((a, b) => a + b, 0), who: `${ctx.runId}/${ctx.taskId}#${ctx.attempt}`, p: ctx.inputs.params }));
  const res = await ex.execute(request(fn('sum', [1, 2, 3]), { inputs: { params: { x: 1 } } }), never());
  assert.equal(res.outcome, 'succeeded');
  assert.deepEqual(res.outputs, { total: 6, who: 'run1/task1#1', p: { x: 1 } });
});

test('undefined gives {}, a non-object gives { value }, async handlers are awaited', async () => {
  fns.set('noop', () => undefined);
  fns.set('num', async () => 42);
  fns.set('list', () => ['a']);
  fns.set('nul', () => null);
  assert.deepEqual((await ex.execute(request(fn('noop')), never())).outputs, {});
  assert.deepEqual((await ex.execute(request(fn('num')), never())).outputs, { value: 42 });
  assert.deepEqual((await ex.execute(request(fn('list')), never())).outputs, { value: ['a'] });
  assert.deepEqual((await ex.execute(request(fn('nul')), never())).outputs, { value: null });
});

test('a thrown or rejected error fails the attempt with its message', async () => {
  fns.set('throws', () => {
    throw new Error('bad input row 7');
  });
  fns.set('rejects', async () => {
    throw new Error('upstream said no');
  });
  const a = await ex.execute(request(fn('throws')), never());
  assert.equal(a.outcome, 'failed');
  assert.equal(a.error, 'bad input row 7');
  const b = await ex.execute(request(fn('rejects')), never());
  assert.equal(b.error, 'upstream said no');
});

test('an unknown function fails with FN_NOT_REGISTERED', async () => {
  const res = await ex.execute(request(fn('nope')), never());
  assert.equal(res.outcome, 'failed');
  assert.match(res.error ?? '', /function 'nope' is not registered/);
  assert.match(res.error ?? '', /FN_NOT_REGISTERED/);
});

test('timeout aborts ctx.signal and resolves without waiting for a handler that ignores it', async () => {
  let seen: AbortSignal | null = null;
  fns.set('stuck', (ctx) => {
    seen = ctx.signal;
    return forever(ctx);
  });
  const res = await ex.execute(request(fn('stuck'), { timeoutMs: 100 }), never());
  assert.equal(res.outcome, 'timed_out');
  assert.equal(res.error, 'timed out after 100 ms');
  assert.equal(seen!.aborted, true);
});

test('cancel resolves cancelled and aborts the signal the handler holds (with and without a timeout)', async () => {
  for (const timeoutMs of [null, 60_000]) {
    let seen: AbortSignal | null = null;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    fns.set('wait', (ctx) => {
      seen = ctx.signal;
      started();
      return forever(ctx);
    });
    const ac = new AbortController();
    const result = ex.execute(request(fn('wait'), { timeoutMs }), ac.signal);
    await running;
    ac.abort();
    const res = await result;
    assert.equal(res.outcome, 'cancelled');
    assert.equal(seen!.aborted, true);
  }
});

test('ctx.log appends lines to the task log (destructured too); nothing is opened without a log call', async () => {
  const logPath = join(dir, 'run1', 'task1.1.log');
  fns.set('logs', (ctx) => {
    ctx.log('starting');
    const { log } = ctx;
    log('token=sekrit-value\n');
    return { done: true };
  });
  const res = await ex.execute(request(fn('logs'), { logPath, env: { T: 'sekrit-value' }, secretEnv: ['T'] }), never());
  assert.equal(res.outcome, 'succeeded');
  assert.equal(readFileSync(logPath, 'utf8'), 'starting\ntoken=***\n');

  const quiet = join(dir, 'run1', 'quiet.log');
  await ex.execute(request(fn('noop'), { logPath: quiet }), never());
  assert.equal(existsSync(quiet), false);

  const noPath = await ex.execute(request(fn('logs'), { logPath: null }), never());
  assert.equal(noPath.outcome, 'succeeded');
});

test('log calls after a timeout are ignored and do not reopen the log', async () => {
  const logPath = join(dir, 'late.log');
  let later!: () => void;
  fns.set('late', (ctx) => {
    ctx.log('before');
    return new Promise<void>((r) => (later = () => (ctx.log('after the end'), r())));
  });
  const res = await ex.execute(request(fn('late'), { timeoutMs: 50, logPath }), never());
  assert.equal(res.outcome, 'timed_out');
  later();
  await new Promise((r) => setImmediate(r));
  assert.equal(readFileSync(logPath, 'utf8'), 'before\n');
});

test('outputs must be JSON-serialisable and within the size limit', async () => {
  fns.set('bigint', () => ({ n: 1n }));
  fns.set('huge', () => ({ s: 'x'.repeat(2 * 1024 * 1024) }));
  const a = await ex.execute(request(fn('bigint')), never());
  assert.equal(a.outcome, 'failed');
  assert.match(a.error ?? '', /not JSON-serialisable/);
  const b = await ex.execute(request(fn('huge')), never());
  assert.equal(b.outcome, 'failed');
  assert.match(b.error ?? '', /exceed the 1048576-byte limit/);
});

test('ExecutorSet dispatches by action kind and reports a kind it lacks', async () => {
  const set = new ExecutorSet([new FnExecutor(fns), new ShellExecutor()]);
  assert.deepEqual(set.kinds.sort(), ['fn', 'shell']);
  assert.deepEqual((await set.execute(request(fn('sum', [2, 2])), never())).outputs.total, 4);
  const sh = await set.execute(request(shell(`echo '::kairos-output {"k": "shell"}'`)), never());
  assert.deepEqual(sh.outputs, { k: 'shell' });
  const none = await set.execute(request({ kind: 'http', method: 'GET', url: 'http://127.0.0.1:9/', headers: {}, expectStatus: null }), never());
  assert.equal(none.outcome, 'failed');
  assert.match(none.error ?? '', /no executor for 'http' actions/);
  assert.throws(() => new ExecutorSet([new ShellExecutor(), new ShellExecutor()]), /two executors for 'shell'/);
  assert.deepEqual(Object.keys(ExecutorSet.standard({ functions: fns }).byKind()).sort(), ['fn', 'http', 'shell']);
});
