/**
 * The checkpoint thread (src/store/sqlite/checkpoint-thread.ts): what the writer thread commits
 * is copied from the WAL into the database file shortly after, with no further commit, because
 * another thread checkpoints; SQLite's own automatic checkpoint runs only at a commit that
 * takes the WAL past its threshold, so the WAL's tail would wait for a later commit.
 *
 * Progress is read from the wal-index (the `-shm` file, https://sqlite.org/walformat.html):
 * mxFrame, the WAL's last valid frame (the header at offset 16), and nBackfill, the frames
 * already copied into the database file (the checkpoint info at offset 96), both native-endian.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { emptyBatch } from '../../src/store/types.js';
import { runRow } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'kairos-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function walIndex(path: string): { mxFrame: number; nBackfill: number } {
  const shm = readFileSync(`${path}-shm`);
  const u32 = (at: number) => (new Uint32Array(shm.buffer, shm.byteOffset + at, 1)[0] ?? 0);
  return { mxFrame: u32(16), nBackfill: u32(96) };
}

test('sqlite writer thread: the checkpoint thread copies the WAL into the database file without a further commit', async () => {
  const path = join(dir, 'ckpt.db');
  const s = new SqliteStore(path, { writer: 'thread' });
  try {
    assert.equal(await s.startWriter(), true);
    const first = emptyBatch();
    first.newRuns.push(runRow('r1'));
    await s.commit(first);
    // ~6 MB of events in 12 commits (~1,500 WAL pages: past SQLite's default threshold of
    // 1,000), then one small commit: the WAL's tail holds frames that no commit-time checkpoint copied.
    const data = { pad: 'x'.repeat(500) };
    for (let c = 0; c < 12; c++) {
      const b = emptyBatch();
      for (let i = 0; i < 1000; i++) b.events.push({ runId: 'r1', taskId: null, at: c * 1000 + i, type: 'tick', data });
      await s.commit(b);
    }
    const last = emptyBatch();
    last.events.push({ runId: 'r1', taskId: null, at: 1e9, type: 'last', data: null });
    await s.commit(last);
    let w = walIndex(path);
    const until = Date.now() + 5000;
    while (w.nBackfill < w.mxFrame && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
      w = walIndex(path);
    }
    assert.ok(w.mxFrame > 0, 'the commits went through the WAL');
    assert.equal(w.nBackfill, w.mxFrame, 'every frame of the WAL is in the database file');
    const events = await s.getEvents('r1');
    assert.equal(events.length, 12_001);
    assert.equal(events.at(-1)!.type, 'last');
  } finally {
    await s.close();
  }
});
