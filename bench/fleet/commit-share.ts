/**
 * Where the fleet's time goes: the same Kairos fleet as run.ts (4 worker processes, 256 slots
 * each) with `store.commit` timed, on PostgreSQL or SQLite. Prints, per timed run, tasks/s,
 * commits, their mean time and share of the wall time, and the engine process's CPU (total and
 * per task: the main metric of issue 6, less noisy than tasks/s on a shared machine; and its main
 * thread's alone, without V8's compiler and GC helper threads), and the
 * CPU per task of the 4 workers together, PostgreSQL (all its processes) and Redis (proc-cpu.ts).
 *
 *   node --import tsx bench/fleet/commit-share.ts [pg|sqlite] [tasks=10000] [runs=1] [--prof FILE] [--heap FILE] [--concurrent K]
 *   FLEET_WORKER_PROF=DIR node --import tsx bench/fleet/commit-share.ts ...   # the workers' CPU profiles
 *
 * `--prof FILE` writes a V8 CPU profile of the engine process covering the timed runs only
 * (not start-up, PostgreSQL's initdb or the warm-up); summarise it with
 * bench/engine/profile-summary.ts. `--heap FILE` writes a sampling heap profile of the same window
 * (every allocation, including what the GC already freed: where the garbage comes from);
 * summarise it with bench/fleet/heap-summary.ts. `--concurrent K`: each timed run is K runs of
 * tasks/K tasks submitted together (ticks then carry tasks of several runs).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
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
import { cpuMsOf, machineCpuMs, mainThreadCpuMs, parentOf, treeCpuMs } from './proc-cpu.js';

const argv = process.argv.slice(2);
const profAt = argv.indexOf('--prof');
const profFile = profAt >= 0 ? argv[profAt + 1]! : null;
const heapAt = argv.indexOf('--heap');
const heapFile = heapAt >= 0 ? argv[heapAt + 1]! : null;
const concAt = argv.indexOf('--concurrent');
const K = concAt >= 0 ? Number(argv[concAt + 1]) : 1;
const pos = argv.filter((a, i) => !a.startsWith('--') && (profAt < 0 || i !== profAt + 1) && (heapAt < 0 || i !== heapAt + 1) && (concAt < 0 || i !== concAt + 1));
const kind = pos[0] === 'sqlite' ? 'sqlite' : 'pg';
const N = Number(pos[1] ?? 10_000);
const RUNS = Number(pos[2] ?? 1);
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
// FLEET_WORKER_PROF=DIR: CPU profiles of the worker processes (whole life, warm-up included).
const profArgs = process.env.FLEET_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FLEET_WORKER_PROF}`] : [];
const workers = Array.from({ length: 4 }, (_, i) => fork(new URL('./worker-proc.ts', import.meta.url).pathname, ['kairos', url, `w${i}`, '256'], { execArgv: ['--import', 'tsx', ...profArgs] }));
await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
await engine.wait((await engine.submit(independent(Math.min(N, 5000)))).id); // warm-up (JIT)
// The other processes' CPU (they share the machine's other core): workers, PostgreSQL, Redis.
const postmaster = pg ? parentOf(Number((await pg.sql('SELECT pg_backend_pid() AS p')).rows[0].p)) : null;
const othersCpu = () => ({
  workers: workers.reduce((ms, w) => ms + cpuMsOf(w.pid!), 0),
  postgres: postmaster === null ? 0 : treeCpuMs(postmaster),
  redis: cpuMsOf(redis.pid),
});
let session: Session | null = null;
if (profFile !== null) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
let heapSession: Session | null = null;
if (heapFile !== null) {
  heapSession = new Session();
  heapSession.connect();
  await heapSession.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
const perTask: number[] = [];
for (let r = 0; r < RUNS; r++) {
  commits = 0;
  commitMs = 0;
  const others0 = othersCpu();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const machine0 = machineCpuMs();
  const t0 = performance.now();
  if (K === 1) await engine.wait((await engine.submit(independent(N))).id);
  else await Promise.all((await Promise.all(Array.from({ length: K }, () => engine.submit(independent(Math.floor(N / K)))))).map((r) => engine.wait(r.id)));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mainMs = mainThreadCpuMs() - main0;
  const others1 = othersCpu();
  const machine1 = machineCpuMs();
  const idlePct = Math.round((100 * (machine1.idle - machine0.idle)) / Math.max(1, machine1.idle - machine0.idle + machine1.busy - machine0.busy));
  const per = (a: number, b: number) => (((b - a) * 1000) / N).toFixed(1);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  perTask.push((cpuMs * 1000) / N);
  console.log(`${kind}: ${Math.round((N / ms) * 1000)} tasks/s; ${commits} commits, mean ${(commitMs / commits).toFixed(1)} ms, ${commitMs.toFixed(0)} of ${ms.toFixed(0)} ms wall (${Math.round((commitMs / ms) * 100)}%); engine CPU ${cpuMs.toFixed(0)} ms = ${((cpuMs * 1000) / N).toFixed(1)} µs/task (system ${(cpu.system / N).toFixed(1)}; main thread ${((mainMs * 1000) / N).toFixed(1)}); ` +
    `others µs/task: workers ${per(others0.workers, others1.workers)}, postgres ${per(others0.postgres, others1.postgres)}, redis ${per(others0.redis, others1.redis)}; machine idle ${idlePct}%`);
}
if (RUNS > 1) {
  const sorted = [...perTask].sort((a, b) => a - b);
  console.log(`${kind}: engine CPU per task, median of ${RUNS}: ${sorted[Math.floor(RUNS / 2)]!.toFixed(1)} µs, min ${sorted[0]!.toFixed(1)} µs`);
}
if (session !== null) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profFile!, JSON.stringify(profile));
  session.disconnect();
}
if (heapSession !== null) {
  const { profile } = await heapSession.post('HeapProfiler.stopSampling');
  writeFileSync(heapFile!, JSON.stringify(profile));
  heapSession.disconnect();
}
// A stop message (not a signal) so that the workers exit normally and write their profiles.
await Promise.all(workers.map((w) => new Promise((r) => (w.once('exit', r), w.send({ cmd: 'stop' })))));
await engine.close();
await store.close();
await redis.stop();
await pg?.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
