/**
 * History retention (src/engine/history-retention.ts) on a real SQLite store: a pass deletes the
 * runs that ended more than `keep` ago, in batches, up to `maxPerPass` (the rest on the next
 * pass); a run still going stays whatever its age; a replica (not leader) deletes nothing; a
 * failing store is logged and the next pass goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { emptyBatch, type RunRow } from '../../src/store/types.js';
import { HistoryRetention, retentionSettings } from '../../src/engine/history-retention.js';
import { isKairosError } from '../../src/core/errors.js';
import { runRow, taskRow } from '../store/conformance.js';

const DAY = 86_400_000;
const NOW = 100 * DAY;

async function withStore(fn: (s: SqliteStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-retention-'));
  const s = new SqliteStore(join(dir, 'k.db'));
  try {
    await s.migrate();
    await fn(s);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function seed(s: SqliteStore, id: string, over: Partial<RunRow>): Promise<void> {
  const b = emptyBatch();
  b.newRuns.push(runRow(id, over));
  b.newTasks.push(taskRow(id, 'a', { state: 'succeeded', attempt: 1 }));
  b.events.push({ runId: id, taskId: null, at: 1, type: 'run_submitted', data: null });
  await s.commit(b);
}

test('history retention: a pass deletes ended runs older than keep, in batches, up to maxPerPass; running runs stay', async () => {
  await withStore(async (s) => {
    // 7 runs that ended 40..46 days ago, 1 that ended 10 days ago, 1 started 90 days ago and still running.
    for (let i = 0; i < 7; i++) await seed(s, `old${i}`, { state: i % 2 ? 'failed' : 'succeeded', finishedAt: NOW - (40 + i) * DAY });
    await seed(s, 'recent', { state: 'succeeded', finishedAt: NOW - 10 * DAY });
    await seed(s, 'going', { state: 'running', createdAt: NOW - 90 * DAY, startedAt: NOW - 90 * DAY, finishedAt: null });
    const logs: string[] = [];
    const batches: number[] = [];
    const r = new HistoryRetention(s, { keep: '30d', batch: 2, maxPerPass: 5 }, { now: () => NOW, log: (l) => logs.push(l), onDeleted: (n) => batches.push(n) });
    const first = await r.runOnce();
    assert.deepEqual(first, { at: NOW, before: NOW - 30 * DAY, deleted: 5, more: true });
    assert.deepEqual(batches, [2, 2, 1], 'batches of 2, the last cut to the pass limit');
    assert.match(logs[0]!, /deleted 5 run\(s\) that ended before 1970-03-12T00:00:00.000Z \(more next pass/);
    // Oldest first: the two left are the most recent of the old ones.
    assert.deepEqual((await s.listRuns()).map((x) => x.id).sort(), ['going', 'old0', 'old1', 'recent']);
    const second = await r.runOnce();
    assert.deepEqual(second, { at: NOW, before: NOW - 30 * DAY, deleted: 2, more: false });
    assert.deepEqual((await s.listRuns()).map((x) => x.id).sort(), ['going', 'recent']);
    assert.deepEqual(await s.getTasks('old0'), []);
    assert.deepEqual(await s.getEvents('old0'), []);
    assert.equal((await r.runOnce())!.deleted, 0);
    assert.equal(r.deleted, 7);
    assert.equal(logs.length, 2, 'a pass that deletes nothing says nothing');
  });
});

test('history retention: a replica deletes nothing; a failing store is logged and the next pass goes on', async () => {
  await withStore(async (s) => {
    await seed(s, 'old', { state: 'succeeded', finishedAt: NOW - 40 * DAY });
    let leader = false;
    const logs: string[] = [];
    let fail = true;
    const flaky = Object.create(s, {
      deleteFinishedRuns: { value: (before: number, limit: number) => (fail ? Promise.reject(new Error('database is locked')) : s.deleteFinishedRuns(before, limit)) },
    }) as SqliteStore;
    const r = new HistoryRetention(flaky, { keep: '30d', every: '1h' }, { now: () => NOW, isLeader: () => leader, log: (l) => logs.push(l) });
    assert.equal(await r.runOnce(), null);
    assert.equal((await s.listRuns()).length, 1);
    leader = true;
    assert.equal(await r.runOnce(), null);
    assert.match(logs[0]!, /history retention failed \(retried in 3600 s\): database is locked/);
    fail = false;
    assert.equal((await r.runOnce())!.deleted, 1);
  });
});

test('history retention: settings are checked, naming the field', () => {
  assert.deepEqual(retentionSettings({ keep: '30d' }), { keepMs: 30 * DAY, everyMs: 600_000, batch: 20, maxPerPass: 10_000 });
  for (const [o, field] of [[{ keep: '10s' }, 'retention.keep'], [{ keep: 'soon' }, 'retention.keep'], [{ keep: '1d', every: '0s' }, 'retention.every'], [{ keep: '1d', batch: 0 }, 'retention.batch']] as const) {
    assert.throws(() => retentionSettings(o), (e: unknown) => isKairosError(e) && e.code === 'PARAM_INVALID' && e.message.startsWith(field), JSON.stringify(o));
  }
});
