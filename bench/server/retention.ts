/**
 * What history retention costs the store: RUNS ended runs of TASKS tasks each (every task with
 * one attempt row, every run with 2 events) written to SQLite (a file, the writer thread) and
 * PostgreSQL (the test harness's server), then deleted by `deleteFinishedRuns` in batches of
 * BATCH runs, as the server's retention pass does. Prints per store the time per batch (median,
 * max) and the rows deleted per second.
 *
 *   node --import tsx bench/server/retention.ts [runs=200] [tasks=1000] [batch=20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../../test/store/pg-harness.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { emptyBatch, type Store } from '../../src/store/types.js';
import { runRow, taskRow } from '../../test/store/conformance.js';

const [RUNS, TASKS, BATCH] = [Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 1000), Number(process.argv[4] ?? 20)];
const T0 = 1_795_000_000_000;

async function seed(store: Store): Promise<void> {
  for (let r = 0; r < RUNS; r++) {
    const id = `run-${r}`;
    const b = emptyBatch();
    const end = T0 + r * 1000;
    b.newRuns.push(runRow(id, { createdAt: end - 500, startedAt: end - 500, finishedAt: end, state: 'succeeded', owner: null, ownerSeenAt: null }));
    for (let t = 0; t < TASKS; t++) {
      const row = taskRow(id, `t${t}`, { state: 'succeeded', attempt: 1, readyAt: end - 400, startedAt: end - 300 + t, finishedAt: end - 200 + t, worker: 'w0', outputs: {}, doneSeq: t + 1 });
      b.newTasks.push(row);
      b.attempts.push({ runId: id, taskId: row.taskId, kind: 'run', attempt: 1, status: 'succeeded', worker: 'w0', startedAt: row.startedAt!, finishedAt: row.finishedAt, exitCode: 0, error: 'x' });
    }
    b.events.push({ runId: id, taskId: null, at: end - 500, type: 'run_submitted', data: null }, { runId: id, taskId: null, at: end, type: 'run_finished', data: null });
    await store.commit(b);
  }
}

async function measure(name: string, store: Store): Promise<void> {
  await seed(store);
  const ms: number[] = [];
  let deleted = 0;
  const t0 = performance.now();
  for (;;) {
    const t = performance.now();
    const ids = await store.deleteFinishedRuns(T0 + RUNS * 1000, BATCH);
    if (ids.length === 0) break;
    ms.push(performance.now() - t);
    deleted += ids.length;
  }
  const total = performance.now() - t0;
  const sorted = [...ms].sort((a, b) => a - b);
  const rows = deleted * (1 + 2 * TASKS + 2);
  console.log(`${name.padEnd(8)} ${deleted} runs (${rows.toLocaleString('en-US')} rows) in ${ms.length} batches of ${BATCH}: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms per batch; ${Math.round(rows / (total / 1000)).toLocaleString('en-US')} rows/s`);
}

console.log(`${RUNS} ended runs of ${TASKS} tasks (each with an attempt row) and 2 events`);
const dir = mkdtempSync(join(tmpdir(), 'kairos-retention-bench-'));
const sqlite = new SqliteStore(join(dir, 'k.db'));
await sqlite.migrate();
await measure('sqlite', sqlite);
await sqlite.close();
rmSync(dir, { recursive: true, force: true });
const pg = await startPostgres();
const store = await PostgresStore.open({ connectionString: pg.url(await pg.createDatabase()), log: () => undefined });
await measure('postgres', store);
await store.close();
await pg.stop();
