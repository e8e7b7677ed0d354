/**
 * The PostgreSQL store's share of a remote task, without the engine, Redis or workers: the
 * writes a fleet engine commits for N no-op tasks — one batch inserting the run and its N tasks,
 * then ticks of B tasks, each committing B dispatched rows (write-ahead) and, for the previous
 * tick's tasks, B finished rows and B attempts (the steady state of bench/fleet/commit-share.ts).
 * Prints, per round, the client's CPU (the engine's share: building and sending statements),
 * PostgreSQL's (every server process) per task, and the share of task updates that were HOT
 * (heap-only: no new index entries). Each round runs on a fresh database. `--fillfactor a,b,...`
 * alternates rounds over tasks-table fill factors (the store's migration sets 50), so machine
 * noise spreads over all of them:
 *
 *   node --import tsx bench/fleet/pg-writes.ts [tasks=20000] [tick=400] [rounds=3] [--fillfactor 50,100]
 *
 * To compare two versions of the store, run the same command in a checkout of each, alternately.
 */
import { startPostgres } from '../../test/store/pg-harness.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { emptyBatch } from '../../src/store/types.js';
import { parentOf, treeCpuMs } from './proc-cpu.js';
import { noopRunRows, noopTicks } from './noop-run-rows.js';

const argv = process.argv.slice(2);
const ffAt = argv.indexOf('--fillfactor');
const FILL = ffAt >= 0 ? argv[ffAt + 1]!.split(',').map(Number) : [null];
const pos = argv.filter((a, i) => !a.startsWith('--') && (ffAt < 0 || i !== ffAt + 1));
const [N, TICK, ROUNDS] = [Number(pos[0] ?? 20_000), Number(pos[1] ?? 400), Number(pos[2] ?? 3)];
const pg = await startPostgres();
const postmaster = parentOf(Number((await pg.sql('SELECT pg_backend_pid() AS p')).rows[0].p))!;

interface Round {
  client: number;
  server: number;
  ms: number;
  /** Share of task updates that were HOT. */
  hot: number;
}

async function round(fill: number | null): Promise<Round> {
  const db = await pg.createDatabase();
  const store = await PostgresStore.open({ connectionString: pg.url(db), log: () => undefined });
  if (fill !== null) await pg.sql(`ALTER TABLE kairos.tasks SET (fillfactor = ${fill})`, db);
  const now = Date.now();
  const { run: row, tasks } = noopRunRows(`run-${db}`, now, N);
  const pg0 = treeCpuMs(postmaster);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const first = emptyBatch();
  first.newRuns.push(row);
  first.newTasks.push(...tasks);
  await store.commit(first);
  for (const b of noopTicks(tasks, now, TICK)) await store.commit(b);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const server = treeCpuMs(postmaster) - pg0;
  await store.close(); // its server processes exit and report their table statistics
  let hot = NaN;
  for (let i = 0; i < 20 && !(hot >= 0); i++) {
    const r = (await pg.sql(`SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'tasks'`, db)).rows[0];
    if (Number(r?.n_tup_upd) > 0) hot = Number(r.n_tup_hot_upd) / Number(r.n_tup_upd);
    else await new Promise((res) => setTimeout(res, 100));
  }
  return { client: (cpu.user + cpu.system) / N, server: (server * 1000) / N, ms, hot };
}

/** NaN: no task row was updated (since session 6 the steady ticks write the task log only). */
const hotText = (hot: number): string => (Number.isNaN(hot) ? 'n/a (no task updates)' : `${(hot * 100).toFixed(0)}%`);
const label = (fill: number | null) => (fill === null ? 'store as migrated' : `fillfactor ${fill}`);
const results = new Map<string, Round[]>();
await round(FILL[0]!); // warm-up (JIT, server caches)
for (let r = 0; r < ROUNDS; r++) {
  for (const fill of FILL) {
    const m = await round(fill);
    const v = label(fill);
    (results.get(v) ?? results.set(v, []).get(v)!).push(m);
    console.log(`${v}: client ${m.client.toFixed(1)} µs/task, postgres ${m.server.toFixed(1)} µs/task, HOT ${hotText(m.hot)}, ${Math.round((N / m.ms) * 1000)} tasks/s`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [v, ms] of results) {
  console.log(`${v}, median of ${ms.length}: client ${median(ms.map((m) => m.client)).toFixed(1)} µs/task, postgres ${median(ms.map((m) => m.server)).toFixed(1)} µs/task, HOT ${hotText(median(ms.map((m) => m.hot)))}`);
}
await pg.stop();
