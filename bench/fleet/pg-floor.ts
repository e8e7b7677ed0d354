/**
 * What PostgreSQL would cost per remote task with fewer rows per task: the floor under the
 * store's share of issue 6's budget (docs/benchmarks.md, "2026-11-24 session 4"). Three write
 * patterns for N no-op tasks in ticks of B (the steady state of bench/fleet/commit-share.ts),
 * each on a fresh database, alternating, server CPU (every PostgreSQL process) and client CPU per
 * task:
 *
 *   store      the PostgreSQL store as it is (the same batches as pg-writes.ts): until session 5
 *              per task one `running` upsert (write-ahead), one `succeeded` upsert, one attempt
 *              row; since then the dispatches go to the store's own task log (task-log.ts), so
 *              this is `final` as built.
 *   final      the write-ahead of a tick as ONE row (a jsonb array of the tick's dispatches in a
 *              log table), then per task the `succeeded` upsert and its attempt row only.
 *   log        every transition of a tick as ONE log row (dispatches and results): no per-task
 *              row at all after the task's insert (an event-sourced store; reads would fold it).
 *
 * Not a store: nothing reads the log rows back. It bounds what a schema change could buy.
 *
 *   node --import tsx bench/fleet/pg-floor.ts [tasks=20000] [tick=400] [rounds=3]
 */
import pg from 'pg';
import { startPostgres } from '../../test/store/pg-harness.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { emptyBatch, type AttemptRow, type RunRow, type TaskRow } from '../../src/store/types.js';
import { parentOf, treeCpuMs } from './proc-cpu.js';
import { noopRunRows } from './noop-run-rows.js';

const pos = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [N, TICK, ROUNDS] = [Number(pos[0] ?? 20_000), Number(pos[1] ?? 400), Number(pos[2] ?? 3)];
const server = await startPostgres();
const postmaster = parentOf(Number((await server.sql('SELECT pg_backend_pid() AS p')).rows[0].p))!;
type Mode = 'store' | 'final' | 'log';
const MODES: Mode[] = ['store', 'final', 'log'];

async function round(mode: Mode): Promise<{ client: number; server: number }> {
  const db = await server.createDatabase();
  const store = await PostgresStore.open({ connectionString: server.url(db), log: () => undefined });
  const log = new pg.Client({ connectionString: server.url(db) });
  await log.connect();
  await log.query('CREATE TABLE kairos.transitions (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, run_id text NOT NULL, at bigint NOT NULL, rows jsonb NOT NULL)');
  const append = (runId: string, at: number, rows: unknown[]) =>
    log.query({ name: 'append', text: 'INSERT INTO kairos.transitions (run_id, at, rows) VALUES ($1, $2, $3::jsonb)', values: [runId, at, JSON.stringify(rows)] });
  const now = Date.now();
  const { run, tasks } = noopRunRows(`run-${db}`, now, N);
  const first = emptyBatch();
  first.newRuns.push(run);
  first.newTasks.push(...tasks);
  await store.commit(first);
  const pg0 = treeCpuMs(postmaster);
  const cpu0 = process.cpuUsage();
  let previous: TaskRow[] = [];
  for (let i = 0; i <= N; i += TICK) {
    const b = emptyBatch();
    const logRows: unknown[] = [];
    for (const t of previous) {
      t.state = 'succeeded';
      t.finishedAt = now + 2;
      t.outputs = { at: now + 1 };
      if (mode === 'log') logRows.push([t.taskId, t.attempt, 'succeeded', t.finishedAt, '{"at":1}']);
      else {
        b.tasks.push(t);
        const a: AttemptRow = { runId: t.runId, taskId: t.taskId, attempt: 1, kind: 'run', status: 'succeeded', worker: 'w1', startedAt: now + 1, finishedAt: now + 2, exitCode: null, error: null };
        b.attempts.push(a);
      }
    }
    previous = tasks.slice(i, i + TICK);
    for (const t of previous) {
      t.state = 'running';
      t.attempt = 1;
      t.worker = 'w1';
      t.startedAt = now + 1;
      if (mode === 'store') b.tasks.push(t);
      else logRows.push([t.taskId, 1, 'running', 'w1', t.startedAt]);
    }
    // One round trip each: a store commit and, for the log modes, one appended row.
    await Promise.all([store.commit(b), logRows.length > 0 ? append(run.id, now, logRows) : null]);
  }
  const cpu = process.cpuUsage(cpu0);
  const srv = treeCpuMs(postmaster) - pg0;
  await log.end();
  await store.close();
  return { client: (cpu.user + cpu.system) / N, server: (srv * 1000) / N };
}

const results = new Map<Mode, { client: number; server: number }[]>(MODES.map((m) => [m, []]));
await round('store'); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const mode of MODES) {
    const m = await round(mode);
    results.get(mode)!.push(m);
    console.log(`${mode}: client ${m.client.toFixed(1)} µs/task, postgres ${m.server.toFixed(1)} µs/task`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [mode, ms] of results) {
  console.log(`${mode}, median of ${ms.length}: client ${median(ms.map((m) => m.client)).toFixed(1)} µs/task, postgres ${median(ms.map((m) => m.server)).toFixed(1)} µs/task (excluding the run's insert)`);
}
await server.stop();
