/**
 * LazyAbort (the engine's per-attempt abort) and the fn executor over it: no AbortSignal is made
 * unless something reads it, and cancel/timeout behave as with an AbortController.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { FnContext, FnHandler } from '../../src/exec/types.js';
import { FnExecutor } from '../../src/exec/fn-executor.js';
import { LazyAbort } from '../../src/exec/lazy-abort.js';
import { request, tempDir } from './helpers.js';

const dir = tempDir('lazy-abort');
after(() => rmSync(dir, { recursive: true, force: true }));

const fns = new Map<string, FnHandler>();
const ex = new FnExecutor(fns);
const fn = (name: string) => ({ kind: 'fn' as const, fn: name, args: null });
const req = (name: string, timeoutMs: number | null = null) => request(fn(name), { timeoutMs, logPath: `${dir}/${name}.log` });

test('the signal is made on first read only; read after abort it is already aborted with the reason', () => {
  const a = new LazyAbort();
  assert.equal(a.signalMade, false);
  a.abort('stop');
  a.abort('again'); // ignored: the first abort wins
  assert.equal(a.aborted, true);
  assert.equal(a.signalMade, false);
  assert.equal(a.signal.aborted, true);
  assert.equal(a.signal.reason, 'stop');
  assert.equal(a.signalMade, true);

  const b = new LazyAbort();
  const s = b.signal;
  let heard = 0;
  s.addEventListener('abort', () => heard++);
  b.abort();
  assert.equal(heard, 1);
  assert.equal((s.reason as Error).name, 'AbortError'); // as AbortController.abort() with no reason
});

test('onAbort hooks run once, at once when added after the abort; offAbort removes one', () => {
  const calls: string[] = [];
  const a = new LazyAbort(() => calls.push('ctor'));
  const gone = (): number => calls.push('removed');
  a.onAbort(() => calls.push('x'));
  a.onAbort(gone);
  a.offAbort(gone);
  a.abort();
  a.abort();
  a.onAbort(() => calls.push('late'));
  assert.deepEqual(calls, ['ctor', 'x', 'late']);
  assert.equal(a.signalMade, false);
});

test('a sync handler that never reads ctx.signal makes no signal', async () => {
  fns.set('noop', () => undefined);
  const a = new LazyAbort();
  const res = await ex.executeLazy(req('noop'), a);
  assert.equal(res.outcome, 'succeeded');
  assert.equal(a.signalMade, false);
});

test('a pending async handler that never reads ctx.signal is cancelled without a signal being made', async () => {
  fns.set('forever', () => new Promise<never>(() => {}));
  const a = new LazyAbort();
  const p = ex.executeLazy(req('forever'), a);
  a.abort();
  assert.equal((await p).outcome, 'cancelled');
  assert.equal(a.signalMade, false);
});

test('a handler that reads ctx.signal after the cancel sees it aborted; one listening before hears the abort', async () => {
  let ctx: FnContext | null = null;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  fns.set('late-reader', (c) => {
    ctx = c;
    return released;
  });
  const a = new LazyAbort();
  const p = ex.executeLazy(req('late-reader'), a);
  assert.equal(a.signalMade, false);
  a.abort();
  assert.equal((await p).outcome, 'cancelled');
  assert.equal(ctx!.signal.aborted, true);
  assert.equal(a.signalMade, true);
  release();

  let heard = 0;
  fns.set('listener', (c) => {
    c.signal.addEventListener('abort', () => heard++);
    return new Promise<never>(() => {});
  });
  const b = new LazyAbort();
  const q = ex.executeLazy(req('listener'), b);
  b.abort();
  assert.equal((await q).outcome, 'cancelled');
  assert.equal(heard, 1);
});

test('with a timeout: timed_out aborts the handler signal; a cancel still gives cancelled', async () => {
  let seen: AbortSignal | null = null;
  fns.set('slow', (c) => {
    seen = c.signal;
    return new Promise<never>(() => {});
  });
  const a = new LazyAbort();
  const res = await ex.executeLazy(req('slow', 20), a);
  assert.equal(res.outcome, 'timed_out');
  assert.equal(seen!.aborted, true);
  assert.equal(a.signalMade, false); // the engine's own abort was never read

  const b = new LazyAbort();
  const p = ex.executeLazy(req('slow', 60_000), b);
  b.abort('user');
  assert.equal((await p).outcome, 'cancelled');
  assert.equal(seen!.aborted, true);
  assert.equal(seen!.reason, 'user');
});

test('already aborted before the start: cancelled, the handler is not called', async () => {
  let called = false;
  fns.set('never-called', () => void (called = true));
  const a = new LazyAbort();
  a.abort();
  assert.equal((await ex.executeLazy(req('never-called'), a)).outcome, 'cancelled');
  assert.equal(called, false);
});
