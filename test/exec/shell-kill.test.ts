/**
 * Timeout, cancel and clean-up kill the whole process tree: checked on the real grandchild pids,
 * never on durations (only a generous bound proving a 100 s sleep did not run to its end).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ShellExecutor } from '../../src/exec/shell-executor.js';
import { isRunning } from '../../src/exec/process-tree.js';
import { goneWithin, request, shell, never, tempDir, waitForFile } from './helpers.js';

const dir = tempDir('kill');
after(() => rmSync(dir, { recursive: true, force: true }));
const ex = new ShellExecutor();
/** Far below the 100 s sleeps: finishing before this proves they were killed. */
const BOUND_MS = 60_000;

function pids(text: string): number[] {
  return text.split(/\s+/).filter(Boolean).map(Number);
}

test('timeout SIGTERMs the whole group: the forked grandchildren are gone', async () => {
  const pidFile = join(dir, 'timeout.pids');
  const started = Date.now();
  const res = await ex.execute(
    request(shell(`sleep 100 & echo "$$ $!" > ${pidFile}; sleep 100; wait`), { timeoutMs: 1500, killGraceMs: 2000 }),
    never(),
  );
  assert.equal(res.outcome, 'timed_out');
  assert.equal(res.error, 'timed out after 1500 ms');
  assert.ok(Date.now() - started < BOUND_MS);
  const [leader, grandchild] = pids(await waitForFile(pidFile));
  assert.equal(isRunning(leader!), false, 'the shell is gone');
  assert.equal(isRunning(grandchild!), false, 'the background grandchild is gone');
});

test('a grandchild that ignores SIGTERM is SIGKILLed after the grace period', async () => {
  const pidFile = join(dir, 'stubborn.pids');
  const res = await ex.execute(
    request(shell(`(trap '' TERM; sleep 100) & echo "$!" > ${pidFile}; wait`), { timeoutMs: 1500, killGraceMs: 300 }),
    never(),
  );
  assert.equal(res.outcome, 'timed_out');
  const [sub] = pids(await waitForFile(pidFile));
  assert.equal(await goneWithin(sub!), true, 'the TERM-ignoring subshell is gone (SIGKILLed)');
});

test('cancel through the AbortSignal kills the tree and resolves cancelled', async () => {
  const pidFile = join(dir, 'cancel.pids');
  const ac = new AbortController();
  const started = Date.now();
  const running = ex.execute(request(shell(`sleep 100 & echo "$$ $!" > ${pidFile}; wait`)), ac.signal);
  const [leader, grandchild] = pids(await waitForFile(pidFile));
  assert.equal(isRunning(grandchild!), true, 'the grandchild runs before the cancel');
  ac.abort();
  const res = await running;
  assert.equal(res.outcome, 'cancelled');
  assert.equal(res.error, 'cancelled');
  assert.ok(Date.now() - started < BOUND_MS);
  assert.equal(isRunning(leader!), false);
  assert.equal(isRunning(grandchild!), false);
});

test('an already-aborted signal runs nothing', async () => {
  const marker = join(dir, 'must-not-exist');
  const ac = new AbortController();
  ac.abort();
  const res = await ex.execute(request(shell(`touch ${marker}`)), ac.signal);
  assert.equal(res.outcome, 'cancelled');
  await assert.rejects(waitForFile(marker, 200));
});

test('background jobs left behind by a script that exits are killed; the attempt still succeeds', async () => {
  const pidFile = join(dir, 'leftover.pids');
  const started = Date.now();
  const res = await ex.execute(request(shell(`sleep 100 & echo "$!" > ${pidFile}; echo '::kairos-output {"ok": true}'; exit 0`)), never());
  assert.equal(res.outcome, 'succeeded', res.error ?? '');
  assert.deepEqual(res.outputs, { ok: true });
  assert.ok(Date.now() - started < BOUND_MS, 'did not wait for the background sleep');
  const [leftover] = pids(await waitForFile(pidFile));
  assert.equal(isRunning(leftover!), false);
});

test('a timeout that never fires costs nothing: a quick task succeeds normally', async () => {
  const res = await ex.execute(request(shell('echo fine'), { timeoutMs: 60_000 }), never());
  assert.equal(res.outcome, 'succeeded');
});

test('a daemon that left the group (setsid) and holds the pipes does not hang the attempt', async () => {
  const pidFile = join(dir, 'escaped.pids');
  const started = Date.now();
  const res = await ex.execute(
    request(shell(`setsid sleep 100 & echo "$!" > ${pidFile}; sleep 0.3; echo '::kairos-output {"done": 1}'`), { killGraceMs: 200 }),
    never(),
  );
  const [escaped] = pids(await waitForFile(pidFile));
  try {
    assert.equal(res.outcome, 'succeeded', res.error ?? '');
    assert.deepEqual(res.outputs, { done: 1 });
    assert.ok(Date.now() - started < BOUND_MS);
  } finally {
    if (isRunning(escaped!)) process.kill(escaped!, 'SIGKILL'); // outside the group by design: ours to clean up
  }
});
