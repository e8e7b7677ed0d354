/**
 * The engine end to end with SQLite's implicit attempts (migration 3, implicit-attempts.ts): a
 * function attempt that succeeded is kept in its task row, not written to `attempts`, and every
 * attempt reads back through `kairos retry` of a succeeded task and through compensation (the
 * trigger writes a held attempt out when its row moves on). Real engine, real store file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spec, testEngine } from './helpers.js';
import type { FnHandler } from '../../src/exec/types.js';

const ok: FnHandler = () => ({ done: true });
const boom: FnHandler = () => {
  throw new Error('boom');
};

/** What the file holds: attempt rows and the tasks whose rows hold their attempt. */
function stored(dir: string): { rows: string[]; held: string[] } {
  const db = new Database(join(dir, 'kairos.db'), { readonly: true });
  try {
    return {
      rows: db.prepare("SELECT task_id || '#' || attempt || ':' || kind || ':' || status FROM attempts ORDER BY task_id, kind, attempt").pluck().all() as string[],
      held: db.prepare("SELECT task_id || '#' || attempt FROM tasks WHERE implicit_attempt = 1 ORDER BY task_id").pluck().all() as string[],
    };
  } finally {
    db.close();
  }
}

const brief = (a: { taskId: string; attempt: number; kind: string; status: string }) => `${a.taskId}#${a.attempt}:${a.kind}:${a.status}`;

test('function attempts live in their task rows; retrying a succeeded task keeps both attempts', async () => {
  const t = testEngine({ functions: new Map([['ok', ok]]) });
  try {
    // The writer thread's path keeps attempts in rows (the inline path, used until it is up, does not).
    assert.equal(await t.store.startWriter(), true);
    const run = await t.engine.submit(spec('name: held\ntasks:\n  a: {fn: ok}\n  b: {fn: ok, needs: [a]}\n'));
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    assert.deepEqual((await t.store.getAttempts(run.id)).map(brief), ['a#1:run:succeeded', 'b#1:run:succeeded']);
    assert.deepEqual(stored(t.dir), { rows: [], held: ['a#1', 'b#1'] });

    // `kairos retry RUN a`: a and everything downstream run again.
    await t.engine.retry(run.id, 'a');
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    const all = await t.store.getAttempts(run.id);
    assert.deepEqual(all.map(brief), ['a#1:run:succeeded', 'a#2:run:succeeded', 'b#1:run:succeeded', 'b#2:run:succeeded']);
    assert.ok(all.every((a) => a.finishedAt !== null && a.finishedAt >= a.startedAt && a.worker !== null && a.exitCode === null), JSON.stringify(all));
    // The first attempts were written out when the retry reset their rows; the second ones are held.
    assert.deepEqual(stored(t.dir), { rows: ['a#1:run:succeeded', 'b#1:run:succeeded'], held: ['a#2', 'b#2'] });
  } finally {
    await t.close();
  }
});

test('a compensated task keeps its succeeded attempt beside its compensation', async () => {
  const t = testEngine({ functions: new Map([['ok', ok], ['boom', boom]]) });
  try {
    assert.equal(await t.store.startWriter(), true);
    const run = await t.engine.submit(spec('name: comp\ntasks:\n  a: {fn: ok, compensate: "true"}\n  b: {fn: boom, needs: [a]}\n'));
    assert.equal((await t.engine.wait(run.id)).state, 'failed');
    assert.deepEqual((await t.store.getTasks(run.id)).map((x) => `${x.taskId}:${x.state}`), ['a:compensated', 'b:failed']);
    assert.deepEqual((await t.store.getAttempts(run.id)).map(brief), ['a#1:compensate:succeeded', 'a#1:run:succeeded', 'b#1:run:failed']);
    assert.deepEqual(stored(t.dir).held, []);
  } finally {
    await t.close();
  }
});
