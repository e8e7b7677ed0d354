/**
 * What a fleet tick's task-log row costs PostgreSQL to store, by the compression of its text
 * columns: the default pglz, lz4 (what the store sets where it can, migrations.ts `LZ4_COLUMNS`)
 * and none (`STORAGE EXTERNAL`). One row holds the tuples of 2,048 task updates (half dispatches,
 * half results, as a steady tick of 1,024 slots writes them, rows.ts `logTaskTuple`); each mode
 * inserts it INSERTS times into its own fresh database, the modes alternating; prints the median
 * and minimum insert round trip (the first 5 of each mode dropped) and the table's size.
 *
 *   node --import tsx bench/fleet/log-compression.ts [updates=2048] [inserts=40]
 */
import pg from 'pg';
import { startPostgres } from '../../test/store/pg-harness.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { logTaskTuple } from '../../src/store/postgres/rows.js';
import type { TaskRow } from '../../src/store/types.js';
import { taskRow } from '../../test/store/conformance.js';

const [N, INSERTS] = [Number(process.argv[2] ?? 2048), Number(process.argv[3] ?? 40)];
const T = 1_795_527_044_956;
const row = (i: number): TaskRow => {
  const done = i % 2 === 1;
  return taskRow('run-1', `task-${i}`, {
    state: done ? 'succeeded' : 'running', attempt: 1, readyAt: T, startedAt: T + i, finishedAt: done ? T + i + 3 : null, worker: `w${i % 4}`,
    outputs: done ? {} : null, doneSeq: done ? i : null,
  });
};
const tuples = JSON.stringify(Array.from({ length: N }, (_, i) => logTaskTuple(row(i), T)));

const server = await startPostgres();
const MODES = ['pglz', 'lz4', 'external'] as const;
const pools = new Map<string, pg.Pool>();
for (const mode of MODES) {
  const db = await server.createDatabase();
  await (await PostgresStore.open({ connectionString: server.url(db), log: () => undefined })).close();
  const pool = new pg.Pool({ connectionString: server.url(db), max: 1 });
  const set = mode === 'external' ? 'SET STORAGE EXTERNAL' : `SET COMPRESSION ${mode}`;
  await pool.query(`ALTER TABLE kairos.task_log ALTER COLUMN tuples ${set}`);
  pools.set(mode, pool);
}
const ms = new Map<string, number[]>(MODES.map((m) => [m, []]));
for (let i = 0; i < INSERTS; i++) {
  for (const mode of MODES) {
    const t = performance.now();
    await pools.get(mode)!.query({ text: 'INSERT INTO kairos.task_log (run_id, tuples, attempts, base) VALUES ($1, $2, NULL, $3)', values: ['run-1', tuples, T], name: 'append' });
    ms.get(mode)!.push(performance.now() - t);
  }
}
console.log(`one task_log row of ${N} task updates: ${(tuples.length / 1024).toFixed(0)} kB of text; ${INSERTS} inserts per mode, alternating`);
for (const mode of MODES) {
  const s = ms.get(mode)!.slice(5).sort((a, b) => a - b);
  const size = (await pools.get(mode)!.query("SELECT pg_total_relation_size('kairos.task_log') AS b")).rows[0].b as string;
  console.log(`${mode.padEnd(9)} insert median ${s[Math.floor(s.length / 2)]!.toFixed(2)} ms, min ${s[0]!.toFixed(2)} ms; table ${(Number(size) / 1048576).toFixed(1)} MiB`);
}
for (const p of pools.values()) await p.end();
await server.stop();
