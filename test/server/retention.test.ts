/**
 * History retention in a server (config `retention`): the leader's pass deletes the runs that
 * ended longer ago than `keep` — the API then answers 404 for them — counts them in
 * kairos_runs_deleted_total, and keeps recent and running runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyBatch } from '../../src/store/types.js';
import { runRow, taskRow } from '../store/conformance.js';
import { testServer } from './helpers.js';

test('server: history retention deletes runs that ended before the cut; API 404; counted in /metrics', async () => {
  const s = await testServer({ retention: { keep: '1d', every: '1h' } });
  try {
    const { store, retention } = s.app.kairos;
    // The pass the server ran at start (nothing to delete then) is over before the runs are written.
    while (retention!.last === null) await new Promise((r) => setTimeout(r, 5));
    assert.equal(retention!.last.deleted, 0);
    const now = Date.now();
    const b = emptyBatch();
    b.newRuns.push(runRow('ended-long-ago', { state: 'succeeded', createdAt: now - 3 * 86_400_000, finishedAt: now - 2 * 86_400_000 }));
    b.newRuns.push(runRow('ended-today', { state: 'failed', createdAt: now - 3_600_000, finishedAt: now - 60_000 }));
    b.newTasks.push(taskRow('ended-long-ago', 'a', { state: 'succeeded', attempt: 1 }), taskRow('ended-today', 'a', { state: 'failed', attempt: 1 }));
    await store.commit(b);
    assert.equal((await s.call('GET', '/runs/ended-long-ago')).status, 200);
    const pass = await retention!.runOnce();
    assert.equal(pass!.deleted, 1);
    assert.equal((await s.call('GET', '/runs/ended-long-ago')).status, 404);
    assert.equal((await s.call('GET', '/runs/ended-today')).status, 200);
    const metrics = (await s.call('GET', '/metrics')).body as string;
    assert.match(metrics, /^kairos_runs_deleted_total 1$/m);
  } finally {
    await s.close();
  }
});
