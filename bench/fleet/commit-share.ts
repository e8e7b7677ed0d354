/**
 * Where the fleet's time goes: the same Kairos fleet as run.ts (4 worker processes, 256 slots
 * each) with `store.commit` timed, on PostgreSQL or SQLite. Prints tasks/s, commits, their mean
 * time and share of the wall time, and the engine process's CPU.
 *
 *   node --import tsx bench/fleet/commit-share.ts [pg|sqlite] [tasks=10000]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../engine/redis.js';
import { startPostgres } from '../../test/store/pg-harness.js';
import { independent } from '../engine/shapes.js';
import { Engine } from '../../src/engine/engine.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store, WriteBatch } from '../../src/store/types.js';
import { localExecutors } from '../../src/cli/runtime.js';

const kind = process.argv[2] === 'sqlite' ? 'sqlite' : 'pg';
const N = Number(process.argv[3] ?? 10_000);
const [pg, redis] = await Promise.all([kind === 'pg' ? startPostgres() : null, startRedis()]);
const url = `redis://127.0.0.1:${redis.port}`;
const dir = mkdtempSync(join(tmpdir(), 'kairos-commit-share-'));
const store: Store = pg ? await PostgresStore.open({ connectionString: pg.url(await pg.createDatabase()), log: () => undefined }) : new SqliteStore(join(dir, 'k.db'));
let commits = 0;
let commitMs = 0;
const commit = store.commit.bind(store);
store.commit = async (b: WriteBatch) => {
  const t = performance.now();
  await commit(b);
  commits++;
  commitMs += performance.now() - t;
};
const engine = new Engine({ store, stateDir: dir, executors: localExecutors(), runtimeModel: null, broker: { url, workerPollMs: 200 } });
const workers = Array.from({ length: 4 }, (_, i) => fork(new URL('./worker-proc.ts', import.meta.url).pathname, ['kairos', url, `w${i}`, '256'], { execArgv: ['--import', 'tsx'] }));
await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
await engine.wait((await engine.submit(independent(1000))).id); // warm-up
commits = 0;
commitMs = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await engine.wait((await engine.submit(independent(N))).id);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(`${kind}: ${Math.round((N / ms) * 1000)} tasks/s; ${commits} commits, mean ${(commitMs / commits).toFixed(1)} ms, ${commitMs.toFixed(0)} of ${ms.toFixed(0)} ms wall (${Math.round((commitMs / ms) * 100)}%); engine CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
for (const w of workers) w.kill();
await engine.close();
await store.close();
await redis.stop();
await pg?.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
