/**
 * `kairos prune --older-than`: history retention once from the CLI, on a real SQLite state
 * folder — the runs that ended before the cut go with all they hold, recent and running runs
 * stay; bad flags exit 2 with the flag named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { emptyBatch } from '../../src/store/types.js';
import { runRow, taskRow } from '../store/conformance.js';
import { tempDir } from '../engine/whatif-fixture.js';
import { inProcess } from './in-process.js';

test('kairos prune: deletes runs that ended before --older-than, keeps the rest; bad flags exit 2', async () => {
  const dir = tempDir();
  try {
    const now = Date.now();
    const store = new SqliteStore(join(dir, 'kairos.db'));
    await store.migrate();
    const b = emptyBatch();
    for (let i = 0; i < 5; i++) b.newRuns.push(runRow(`old${i}`, { state: 'succeeded', finishedAt: now - (40 + i) * 86_400_000 }));
    b.newRuns.push(runRow('recent', { state: 'failed', finishedAt: now - 86_400_000 }));
    b.newRuns.push(runRow('going', { state: 'running', createdAt: now - 90 * 86_400_000, finishedAt: null }));
    for (const r of b.newRuns) b.newTasks.push(taskRow(r.id, 'a'));
    await store.commit(b);
    await store.close();

    const r = await inProcess('prune', '--older-than', '30d', '--batch', '2', '--state', dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /deleted 5 run\(s\) that ended before \d{4}-\d\d-\d\dT/);
    const after = new SqliteStore(join(dir, 'kairos.db'));
    assert.deepEqual((await after.listRuns()).map((x) => x.id).sort(), ['going', 'recent']);
    assert.deepEqual(await after.getTasks('old0'), []);
    await after.close();

    const bad = await inProcess('prune', '--older-than', '5s', '--state', dir);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--older-than 5s: must be a duration of at least 60 s/);
    const batch = await inProcess('prune', '--older-than', '30d', '--batch', 'x', '--state', dir);
    assert.equal(batch.status, 2);
    assert.match(batch.stderr, /--batch x: expected an integer >= 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
