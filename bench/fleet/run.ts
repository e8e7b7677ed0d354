/**
 * Fleet throughput and latency: Kairos (PostgreSQL store + Redis Streams dispatch + 4 `kairos
 * worker` runtimes in 4 processes) against BullMQ (4 Worker processes, concurrency 50 each) and
 * graphile-worker (4 `run()` processes, concurrentJobs 24, localQueue 500, batched completion:
 * its documented fastest configuration), in one invocation, on the same machine, the same
 * PostgreSQL and redis-server, runs interleaved, medians printed.
 *
 *   throughput: N no-op jobs submitted at once (Kairos: one run of N independent fn tasks;
 *               BullMQ: addBulk in chunks of 1,000; graphile: addJobs in chunks of 1,000), timed
 *               from the first submit to the last completion.
 *   latency:    jobs submitted at a steady rate (10 every 10 ms for 3 s, 3,000 jobs): submit-to-
 *               start per job (the handler reads the clock; same machine, same clock), p50/p99.
 *               Kairos also reports ready-to-running (the task's readyAt in the store -> start).
 *
 * node --import tsx bench/fleet/run.ts [--runs 3] [--tasks 20000] [--only kairos,bullmq,graphile]
 *                                     [--warmup 1] [--warmup-runs 2]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { makeWorkerUtils, runMigrations } from 'graphile-worker';
import { startRedis, type RedisHandle } from '../engine/redis.js';
import { startPostgres, type PgServer } from '../../test/store/pg-harness.js';
import { independent } from '../engine/shapes.js';
import { Engine } from '../../src/engine/engine.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { localExecutors } from '../../src/cli/runtime.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const RUNS = Number(opt('runs', '3'));
const N = Number(opt('tasks', '20000'));
const ONLY = opt('only', 'kairos,bullmq,graphile').split(',');
const WORKERS = 4;
/** Kairos worker slots (attempts at once per worker process). */
const SLOTS = Number(opt('slots', '256'));
/**
 * Untimed warm-up before the timed run, the same for the three systems: WARMUP_RUNS runs of
 * WARMUP × N jobs. Defaults 2 and 1 since 2026-11-24's session 8 (a server's steady state with
 * the JIT done); `--warmup-runs 1 --warmup 0.1` is the protocol before it (sessions 3-7).
 * bench/engine went to 4 warm-up runs in session 11 (its Kairos third run was 72-78% of steady);
 * here 4 gave the same ratios as 2 (session 11, e3d77fc: 1.45x against 1.43x graphile-worker),
 * so the fleet keeps 2.
 */
const WARMUP = Number(opt('warmup', '1'));
const WARMUP_RUNS = Number(opt('warmup-runs', '2'));
const WARM_N = Math.max(100, Math.round(N * WARMUP));
if (!(WARMUP > 0) || !Number.isInteger(WARMUP_RUNS) || WARMUP_RUNS < 1) throw new Error('--warmup must be > 0 and --warmup-runs an integer >= 1');
const PACE_BATCH = 10;
const PACE_EVERY_MS = 10;
const PACE_MS = 3000;

interface Measure {
  tps: number;
  p50: number;
  p99: number;
  /** Kairos only: readyAt -> start. */
  r50?: number;
  r99?: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  child: ChildProcess;
  completed: number;
  lat: number[];
  ready: Promise<void>;
}

function spawnProc(argv: string[]): Proc {
  const child = fork(new URL('./worker-proc.ts', import.meta.url).pathname, argv, { execArgv: ['--import', 'tsx', ...(process.env.FLEET_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FLEET_WORKER_PROF}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const p: Proc = { child, completed: 0, lat: [], ready: Promise.resolve() };
  p.ready = new Promise((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; completed?: number; lat?: number[] }) => {
      if (m.ready) resolve();
      if (m.completed !== undefined) p.completed = m.completed;
      if (m.lat) for (const x of m.lat) p.lat.push(x);
    });
    child.once('exit', (code) => reject(new Error(`worker process exited (${code})`)));
  });
  return p;
}

async function stopProcs(ps: Proc[]): Promise<void> {
  await Promise.all(ps.map((p) => new Promise<void>((r) => {
    if (p.child.exitCode !== null) return r();
    p.child.once('exit', () => r());
    p.child.send({ cmd: 'stop' });
    setTimeout(() => p.child.kill('SIGKILL'), 10_000).unref();
  })));
}

async function waitCompleted(ps: Proc[], n: number): Promise<void> {
  while (ps.reduce((s, p) => s + p.completed, 0) < n) await sleep(2);
}

/** Steady submission: `submit(k)` every PACE_EVERY_MS for PACE_MS; returns how many were submitted. */
async function paced(submit: (k: number) => Promise<void>): Promise<number> {
  const t0 = Date.now();
  let n = 0;
  for (let i = 0; Date.now() - t0 < PACE_MS; i++) {
    const due = t0 + i * PACE_EVERY_MS;
    if (due > Date.now()) await sleep(due - Date.now());
    await submit(PACE_BATCH);
    n += PACE_BATCH;
  }
  return n;
}

async function kairos(pg: PgServer, redis: RedisHandle): Promise<Measure> {
  const url = `redis://127.0.0.1:${redis.port}`;
  await flush(redis);
  const store = await PostgresStore.open({ connectionString: pg.url(await pg.createDatabase()), log: () => undefined });
  const dir = mkdtempSync(join(tmpdir(), 'kairos-fleet-bench-'));
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(), runtimeModel: null, broker: { url, workerPollMs: 200 } });
  engine.on('error', (e) => process.stderr.write(`engine error: ${String(e)}\n`));
  const procs = Array.from({ length: WORKERS }, (_, i) => spawnProc(['kairos', url, `bench-w${i}`, String(SLOTS)]));
  try {
    await Promise.all(procs.map((p) => p.ready));
    // Warm-up (JIT, connections), untimed; the first run starts the broker link.
    for (let w = 0; w < WARMUP_RUNS; w++) await engine.wait((await engine.submit(independent(WARM_N))).id);
    if (engine.scheduler.workers().length !== WORKERS) throw new Error(`engine sees ${engine.scheduler.workers().length} workers`);
    const t0 = performance.now();
    const run = await engine.submit(independent(N));
    const done = await engine.wait(run.id);
    const ms = performance.now() - t0;
    if (done.state !== 'succeeded') throw new Error(`kairos run ${done.state}: ${done.error}`);
    const submitted = new Map<string, number>();
    const spec = independent(PACE_BATCH);
    const waits: Promise<unknown>[] = [];
    await paced(async () => {
      const t = Date.now();
      const r = await engine.submit(spec);
      submitted.set(r.id, t);
      waits.push(engine.wait(r.id));
    });
    await Promise.all(waits);
    const lat: number[] = [];
    const ready: number[] = [];
    for (const [id, t] of submitted) {
      for (const row of await store.getTasks(id)) {
        const at = (row.outputs as { at?: number } | null)?.at;
        if (typeof at !== 'number') throw new Error(`task ${id}/${row.taskId} has no start time`);
        lat.push(at - t);
        ready.push(at - row.readyAt!);
      }
    }
    return { tps: (N / ms) * 1000, p50: pct(lat, 50), p99: pct(lat, 99), r50: pct(ready, 50), r99: pct(ready, 99) };
  } finally {
    await stopProcs(procs);
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function flush(redis: RedisHandle): Promise<void> {
  const r = new Redis({ host: '127.0.0.1', port: redis.port });
  await r.flushall();
  r.disconnect();
}

async function bullmq(redis: RedisHandle): Promise<Measure> {
  await flush(redis);
  const name = 'bench-fleet';
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
  await queue.waitUntilReady();
  const procs = Array.from({ length: WORKERS }, () => spawnProc(['bullmq', String(redis.port), name, '50']));
  const opts = { removeOnComplete: true, removeOnFail: true } as const;
  try {
    await Promise.all(procs.map((p) => p.ready));
    const add = async (n: number, timed: boolean) => {
      for (let i = 0; i < n; i += 1000) {
        const jobs = [];
        for (let j = i; j < Math.min(n, i + 1000); j++) jobs.push({ name: 'noop', data: timed ? { t: Date.now() } : {}, opts });
        await queue.addBulk(jobs);
      }
    };
    return await measurePeer(procs, add);
  } finally {
    await stopProcs(procs);
    await queue.close();
  }
}

/**
 * The peers' protocol, the same for both: the untimed warm-up (WARMUP_RUNS × WARM_N jobs), N timed jobs added in
 * bulk, then the paced latency probe. `add(n, timed)` enqueues n no-op jobs (timed: with the
 * submit time in the payload).
 */
async function measurePeer(procs: Proc[], add: (n: number, timed: boolean) => Promise<void>): Promise<Measure> {
  for (let w = 1; w <= WARMUP_RUNS; w++) {
    await add(WARM_N, false);
    await waitCompleted(procs, w * WARM_N);
  }
  const base = procs.reduce((s, p) => s + p.completed, 0);
  const t0 = performance.now();
  await add(N, false);
  await waitCompleted(procs, base + N);
  const ms = performance.now() - t0;
  for (const p of procs) p.lat.length = 0;
  const n = await paced((k) => add(k, true));
  await waitCompleted(procs, base + N + n);
  await sleep(50);
  const lat = procs.flatMap((p) => p.lat);
  return { tps: (N / ms) * 1000, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function graphile(pg: PgServer): Promise<Measure> {
  const connectionString = pg.url(await pg.createDatabase());
  await runMigrations({ connectionString });
  const utils = await makeWorkerUtils({ connectionString });
  const procs = Array.from({ length: WORKERS }, () => spawnProc(['graphile', connectionString, '24']));
  try {
    await Promise.all(procs.map((p) => p.ready));
    const add = async (n: number, timed: boolean) => {
      for (let i = 0; i < n; i += 1000) {
        const jobs = [];
        for (let j = i; j < Math.min(n, i + 1000); j++) jobs.push({ identifier: 'noop', payload: timed ? { t: Date.now() } : {} });
        await utils.addJobs(jobs);
      }
    };
    return await measurePeer(procs, add);
  } finally {
    await stopProcs(procs);
    await utils.release();
  }
}

async function main(): Promise<void> {
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  const results: Record<string, Measure[]> = { kairos: [], bullmq: [], graphile: [] };
  const loads: number[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      for (const sys of ONLY) {
        loads.push(loadavg()[0]!);
        const m = sys === 'kairos' ? await kairos(pg, redis) : sys === 'bullmq' ? await bullmq(redis) : await graphile(pg);
        results[sys]!.push(m);
        const f = (x: number | undefined) => (x === undefined ? '' : x.toFixed(1));
        console.log(`run ${r + 1} ${sys.padEnd(8)} ${Math.round(m.tps).toLocaleString('en-US').padStart(8)} tasks/s  submit->start p50 ${f(m.p50)} ms p99 ${f(m.p99)} ms${m.r50 !== undefined ? `  ready->running p50 ${f(m.r50)} ms p99 ${f(m.r99)} ms` : ''}  (load ${loadavg()[0]!.toFixed(2)})`);
      }
    }
  } finally {
    await redis.stop();
    await pg.stop();
  }
  console.log(`\nmedians of ${RUNS} run(s), ${N.toLocaleString('en-US')} no-op tasks, ${WORKERS} worker processes each, warm-up ${WARMUP_RUNS} × ${WARM_N.toLocaleString('en-US')} untimed; load average ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}`);
  const med = (sys: string, k: keyof Measure) => median(results[sys]!.map((m) => m[k] as number));
  for (const sys of ONLY) {
    console.log(`${sys.padEnd(8)} ${Math.round(med(sys, 'tps')).toLocaleString('en-US').padStart(8)} tasks/s  submit->start p50 ${med(sys, 'p50').toFixed(1)} ms  p99 ${med(sys, 'p99').toFixed(1)} ms${sys === 'kairos' ? `  ready->running p50 ${med(sys, 'r50').toFixed(1)} ms  p99 ${med(sys, 'r99').toFixed(1)} ms` : ''}`);
  }
  if (ONLY.includes('kairos')) {
    for (const peer of ['bullmq', 'graphile']) if (ONLY.includes(peer)) console.log(`kairos / ${peer}: ${(med('kairos', 'tps') / med(peer, 'tps')).toFixed(2)}x`);
  }
}

await main();
