/**
 * PostgreSQL's CPU per task by phase of one no-op run through the store (the batches of
 * pg-writes.ts): `run` = the run row and its spec parts, `tasks` = its N new task rows, `ticks` =
 * the steady state (B dispatches to the task log, B results upserted, B attempts per tick),
 * `end` = the commit that makes the run terminal. Each round on a fresh database; with
 * `--variant NAME=SQL;...` (repeatable) the rounds alternate over the store as migrated and each
 * variant's SQL run after the migration (e.g. a column's storage), so noise spreads over all.
 *
 *   node --import tsx bench/fleet/pg-phases.ts [tasks=20000] [tick=400] [rounds=3] [--variant NAME=SQL]
 *
 * Server CPU from /proc in 10 ms clock ticks (0.5 µs/task at 20,000 tasks): read medians.
 * `PHASES_NO_ATTEMPTS=1`: the ticks without their attempt rows (what the attempts cost).
 */
import { startPostgres } from '../../test/store/pg-harness.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { emptyBatch } from '../../src/store/types.js';
import { parentOf, treeCpuMs } from './proc-cpu.js';
import { noopRunRows, noopTicks } from './noop-run-rows.js';

const argv = process.argv.slice(2);
const variants: [string, string | null][] = [['as migrated', null]];
const pos: string[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--variant') {
    const v = argv[++i]!;
    const eq = v.indexOf('=');
    variants.push([v.slice(0, eq), v.slice(eq + 1)]);
  } else pos.push(argv[i]!);
}
const [N, TICK, ROUNDS] = [Number(pos[0] ?? 20_000), Number(pos[1] ?? 400), Number(pos[2] ?? 3)];
const pg = await startPostgres();
const postmaster = parentOf(Number((await pg.sql('SELECT pg_backend_pid() AS p')).rows[0].p))!;
const PHASES = ['run', 'tasks', 'ticks', 'end'] as const;
type Phase = (typeof PHASES)[number];

async function round(sql: string | null): Promise<Record<Phase, number>> {
  const db = await pg.createDatabase();
  const store = await PostgresStore.open({ connectionString: pg.url(db), log: () => undefined });
  if (sql !== null) await pg.sql(sql.replace(/\{s\}/g, 'kairos'), db);
  const now = Date.now();
  const { run, tasks } = noopRunRows(`run-${db}`, now, N);
  const out = {} as Record<Phase, number>;
  let at = treeCpuMs(postmaster);
  const lap = (p: Phase): void => {
    const t = treeCpuMs(postmaster);
    out[p] = ((t - at) * 1000) / N;
    at = t;
  };
  const b0 = emptyBatch();
  b0.newRuns.push(run);
  await store.commit(b0);
  lap('run');
  const b1 = emptyBatch();
  b1.newTasks.push(...tasks);
  await store.commit(b1);
  lap('tasks');
  for (const b of noopTicks(tasks, now, TICK, process.env.PHASES_NO_ATTEMPTS !== '1')) await store.commit(b);
  lap('ticks');
  const e = emptyBatch();
  run.state = 'succeeded';
  run.finishedAt = now + 3;
  e.runs.push(run);
  await store.commit(e);
  lap('end');
  await store.close();
  return out;
}

const results = new Map<string, Record<Phase, number>[]>(variants.map(([n]) => [n, []]));
await round(null); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, sql] of variants) {
    const m = await round(sql);
    results.get(name)!.push(m);
    console.log(`${name}: ${PHASES.map((p) => `${p} ${m[p].toFixed(1)}`).join(', ')} µs/task`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, ms] of results) {
  console.log(`${name}, medians of ${ms.length}: ${PHASES.map((p) => `${p} ${median(ms.map((m) => m[p])).toFixed(1)}`).join(', ')}, total ${median(ms.map((m) => PHASES.reduce((s, p) => s + m[p], 0))).toFixed(1)} µs/task`);
}
await pg.stop();
