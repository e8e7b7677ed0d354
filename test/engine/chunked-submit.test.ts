/**
 * A large submit's rows go in chunks (pending-writes.ts) that ride with the commits of running
 * tasks. When nothing runs to carry them — the one running task never finishes, every other task
 * waits for it — they must still all be written (commit-pipeline.ts nudge); and a close writes
 * what is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FnHandler } from '../../src/exec/types.js';
import { spec, testEngine } from './helpers.js';

const N = 200;
const WF = spec(['name: blocked', 'tasks:', '  gate: {fn: block}', ...Array.from({ length: N }, (_, i) => `  t${i}: {fn: ok, needs: [gate]}`)].join('\n'));

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  // A liveness wait, not a timing check: generous, and it fails by naming what never happened.
  for (let i = 0; i < 600; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`never: ${what}`);
}

test('every row is written while the only running task blocks, and the run then finishes', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started = false;
  const t = testEngine({ submitChunkRows: 4, heartbeatMs: 600_000, functions: new Map<string, FnHandler>([['block', async () => ((started = true), await gate)], ['ok', () => undefined]]) });
  try {
    const row = await t.engine.submit(WF);
    await until(async () => started, 'the gate task started');
    await until(async () => (await t.store.getTasks(row.id)).length === N + 1, `all ${N + 1} rows in the store`);
    const rows = await t.store.getTasks(row.id);
    assert.equal(rows.find((r) => r.taskId === 'gate')!.state, 'running');
    assert.equal(rows.filter((r) => r.state === 'pending').length, N);
    release();
    const end = await t.engine.wait(row.id);
    assert.equal(end.state, 'succeeded');
    assert.equal((await t.store.getTasks(row.id)).filter((r) => r.state === 'succeeded').length, N + 1);
  } finally {
    release();
    await t.close();
  }
});

test('close writes the rows not written yet', async () => {
  const t = testEngine({ submitChunkRows: 4, functions: new Map<string, FnHandler>([['block', () => new Promise(() => undefined)], ['ok', () => undefined]]) });
  let closed = false;
  try {
    const row = await t.engine.submit(WF);
    await t.engine.close({ kill: true });
    closed = true;
    assert.equal((await t.store.getTasks(row.id)).length, N + 1);
  } finally {
    if (!closed) await t.engine.close({ kill: true });
    await t.store.close();
  }
});
