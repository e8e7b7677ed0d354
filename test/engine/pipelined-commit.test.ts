/**
 * The engine on SQLite's writer thread (`writer: 'thread'`): ticks go on while a commit is in
 * flight (commit-pipeline.ts). Write-ahead must still hold: every handler, when it starts, finds
 * its own attempt durably `running` in the file (read through a separate connection).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Engine } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { localExecutors } from '../../src/cli/runtime.js';
import type { FnHandler } from '../../src/exec/types.js';
import { spec } from './helpers.js';

test('pipelined commits: each attempt starts only once its running row is durable; retries and the DAG complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-pipe-'));
  const path = join(dir, 'kairos.db');
  const store = new SqliteStore(path, { writer: 'thread' });
  const reader = new Database(path, { readonly: true });
  const durable = reader.prepare('SELECT state, attempt FROM tasks WHERE task_id = ?');
  const notDurable: string[] = [];
  let flakyCalls = 0;
  const check: FnHandler = (ctx) => {
    const row = durable.get(ctx.taskId) as { state: string; attempt: number } | undefined;
    if (row?.state !== 'running' || row.attempt !== ctx.attempt) notDurable.push(`${ctx.taskId}#${ctx.attempt}: ${JSON.stringify(row)}`);
    if (ctx.taskId === 'flaky' && flakyCalls++ === 0) throw new Error('first attempt fails');
    return { ok: true };
  };
  const lines = ['name: pipe', 'tasks:', '  flaky:', '    fn: check', '    retries: {max: 2, backoff: fixed, initial: 10ms}'];
  for (let g = 0; g < 40; g++) {
    lines.push(`  p${g}:`, '    fn: check');
    for (let c = 0; c < 3; c++) lines.push(`  c${g}_${c}:`, `    needs: [p${g}]`, '    fn: check');
  }
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(new Map([['check', check]])), concurrency: 16 });
  try {
    assert.equal(await store.startWriter(), true, 'writes go through the writer thread');
    const row = await engine.submit(spec(lines.join('\n') + '\n'));
    const end = await engine.wait(row.id);
    assert.equal(end.state, 'succeeded', end.error ?? '');
    assert.deepEqual(notDurable, [], 'attempts started before their running row was committed');
    const tasks = await store.getTasks(row.id);
    assert.equal(tasks.length, 161);
    assert.ok(tasks.every((t) => t.state === 'succeeded'));
    const attempts = await store.getAttempts(row.id);
    assert.deepEqual(attempts.filter((a) => a.taskId === 'flaky').map((a) => a.status), ['failed', 'succeeded']);
    assert.equal(attempts.filter((a) => a.status === 'succeeded').length, 161);
  } finally {
    await engine.close({ kill: true });
    reader.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
