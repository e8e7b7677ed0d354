/**
 * Where a run's task results should live (the session-6 choice in task-log.ts): N no-op tasks in
 * ticks of B on a fresh database each, PostgreSQL's CPU per task for the ticks and for the end of
 * the run, four ways, alternating:
 *
 *   X  results upserted per tick, dispatches in the log (the session-5 store), log deleted at the end
 *   Y  dispatches and results in the log, folded into the table at the end (foldLog's upsert)
 *   U  the same with a plain UPDATE ... FROM as the fold
 *   Z  dispatches and results in the log, never folded (the store since session 6, for runs that
 *      end before their first fold; reads overlay the log)
 *
 *   node --import tsx bench/fleet/log-fold.ts [rounds=3]
 *
 * Measured (session 6): X 5.5, Y 8.0, U 6.5, Z 1.0 µs per task — a fold costs more than the
 * upserts it replaces, so a finished run keeps its last log rows instead.
 */
import pg from 'pg';
import { startPostgres } from '../../test/store/pg-harness.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { BatchStatements } from '../../src/store/postgres/write-batch.js';
import { resolveOptions } from '../../src/store/postgres/options.js';
import { taskTuple } from '../../src/store/postgres/rows.js';
import { tuplesJson } from '../../src/store/postgres/json-rows.js';
import { emptyBatch, type TaskRow } from '../../src/store/types.js';
import { parentOf, treeCpuMs } from './proc-cpu.js';
import { noopRunRows } from './noop-run-rows.js';

const [N, TICK, ROUNDS] = [20000, 400, Number(process.argv[2] ?? 3)];
const server = await startPostgres();
const postmaster = parentOf(Number((await server.sql('SELECT pg_backend_pid() AS p')).rows[0].p))!;
type Mode = 'X' | 'Y' | 'Z' | 'U';
async function round(mode: Mode): Promise<[number, number]> {
  const db = await server.createDatabase();
  const store = await PostgresStore.open({ connectionString: server.url(db), log: () => undefined });
  const c = new pg.Client({ connectionString: server.url(db) });
  await c.connect();
  const q = new BatchStatements(resolveOptions({ pool: new pg.Pool() }));
  const now = Date.now();
  const { run, tasks } = noopRunRows(`run-${db}`, now, N);
  const b0 = emptyBatch(); b0.newRuns.push(run); b0.newTasks.push(...tasks);
  await store.commit(b0);
  const p0 = treeCpuMs(postmaster);
  let prev: TaskRow[] = [];
  for (let i = 0; i <= N; i += TICK) {
    const res: TaskRow[] = [];
    for (const t of prev) { t.state = 'succeeded'; t.finishedAt = now + 2; t.outputs = { at: now + 1 }; res.push(t); }
    prev = tasks.slice(i, i + TICK);
    for (const t of prev) { t.state = 'running'; t.attempt = 1; t.worker = 'w1'; t.startedAt = now + 1; }
    const disp = JSON.stringify(prev.map(taskTuple));
    if (mode === 'X') {
      const st = q.combined([q.appendLog, q.upsertTasks], [4, 1]); // base 0: the tuples' absolute times (the pre-migration-7 form)
      if (res.length) await c.query({ name: st.name, text: st.text, values: [run.id, disp, null, '0', tuplesJson(res, taskTuple)] });
      else await c.query({ name: 'a', text: q.appendLog.json, values: [run.id, disp, null, '0'] });
    } else {
      const all = JSON.stringify([...res, ...prev].map(taskTuple));
      await c.query({ name: 'a', text: q.appendLog.json, values: [run.id, all, null, '0'] });
    }
  }
  const p1 = treeCpuMs(postmaster);
  if (mode === 'Y') await c.query(q.foldLog.text, [run.id]);
  if (mode === 'U') {
    // plain UPDATE fold
    await c.query(`WITH del AS (DELETE FROM kairos.task_log WHERE run_id = $1 RETURNING id, tuples),
      latest AS (SELECT DISTINCT ON (e->>1) d.id, e FROM del d, jsonb_array_elements(d.tuples::jsonb) AS e ORDER BY e->>1, d.id DESC)
      UPDATE kairos.tasks t SET state = l.e->>5, attempt = (l.e->>6)::int4, ready_at = (l.e->>7)::int8, started_at = (l.e->>8)::int8, finished_at = (l.e->>9)::int8,
        retry_at = (l.e->>10)::int8, worker = l.e->>11, outputs = (l.e->>12)::json, error = l.e->>13, reason = (l.e->>14)::json, done_seq = (l.e->>15)::int4, log_seq = l.id
      FROM latest l WHERE t.run_id = $1 AND t.task_id = l.e->>1 AND l.id > t.log_seq`, [run.id]);
  }
  if (mode === 'X') await c.query('DELETE FROM kairos.task_log WHERE run_id = $1', [run.id]);
  const p2 = treeCpuMs(postmaster);
  if (mode !== 'Z') {
    const bad = await c.query(`SELECT count(*) AS n FROM kairos.tasks WHERE run_id = $1 AND state <> 'succeeded'`, [run.id]);
    if (Number(bad.rows[0].n) !== 0) throw new Error(`${mode}: ${bad.rows[0].n} not succeeded`);
  }
  await c.end(); await store.close();
  return [((p1 - p0) * 1000) / N, ((p2 - p1) * 1000) / N];
}
const modes: Mode[] = ['X', 'Y', 'U', 'Z'];
await round('X');
const res = new Map<Mode, number[][]>(modes.map((m) => [m, []]));
for (let r = 0; r < ROUNDS; r++) for (const m of modes) { const v = await round(m); res.get(m)!.push(v); console.log(m, v.map((x) => x.toFixed(1)).join(' + ')); }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [m, v] of res) console.log(`${m}: ticks ${med(v.map((x) => x[0])).toFixed(1)} end ${med(v.map((x) => x[1])).toFixed(1)} total ${med(v.map((x) => x[0] + x[1])).toFixed(1)}`);
await server.stop();
