import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { storeConformance, runRow } from './conformance.js';
import { emptyBatch } from '../../src/store/types.js';

storeConformance('sqlite', async () => new SqliteStore(':memory:'));

test('sqlite: state survives reopening the file, and migrations are idempotent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-store-'));
  try {
    const path = join(dir, 'sub', 'kairos.db');
    const a = new SqliteStore(path);
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    await a.commit(b);
    await a.close();
    const again = new SqliteStore(path);
    await again.migrate();
    assert.equal((await again.getRun('r1'))!.id, 'r1');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: two stores opening one new file at once both migrate safely', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-store-'));
  try {
    const path = join(dir, 'kairos.db');
    const stores = [new SqliteStore(path), new SqliteStore(path), new SqliteStore(path)];
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    await stores[1]!.commit(b);
    assert.equal((await stores[2]!.getRun('r1'))!.id, 'r1');
    for (const s of stores) await s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
