/**
 * The PostgreSQL store's client-side serialisation alone (`prepareBatch`: every statement's
 * parameters built from the rows), no database: the batches a fleet engine commits for N no-op
 * tasks — the run with its N new tasks, then ticks of B tasks (B `running` upserts plus, for the
 * previous tick's tasks, B `succeeded` upserts and B attempts; pg-writes.ts replays the same
 * pattern against PostgreSQL). Prints the CPU per task of each round and the median: a low-noise
 * figure for A/B comparisons of rows.ts / json-rows.ts / write-batch.ts (copy this file into a
 * checkout of the other version and alternate).
 *
 *   node --expose-gc --import tsx bench/fleet/prepare-batch.ts [tasks=20000] [tick=400] [rounds=7]
 */
import pg from 'pg';
import { BatchStatements, prepareBatch } from '../../src/store/postgres/write-batch.js';
import { resolveOptions } from '../../src/store/postgres/options.js';
import { emptyBatch, type AttemptRow, type TaskRow, type WriteBatch } from '../../src/store/types.js';
import { noopRunRows } from './noop-run-rows.js';

const pos = process.argv.slice(2);
const [N, TICK, ROUNDS] = [Number(pos[0] ?? 20_000), Number(pos[1] ?? 400), Number(pos[2] ?? 7)];
const pool = new pg.Pool({ connectionString: 'postgres://unused/none' }); // never connected
const q = new BatchStatements(resolveOptions({ pool }));

/** The batches of one run, built up front (their rows are snapshots: each tick gets copies). */
function batches(run: number): WriteBatch[] {
  const now = Date.now();
  const { run: row, tasks } = noopRunRows(`run-${run}`, now, N);
  const first = emptyBatch();
  first.newRuns.push(row);
  first.newTasks.push(...tasks.map((t) => ({ ...t })));
  const out = [first];
  let previous: TaskRow[] = [];
  for (let i = 0; i <= N; i += TICK) {
    const b = emptyBatch();
    for (const t of previous) {
      b.tasks.push({ ...t, state: 'succeeded', finishedAt: now + 2, outputs: { at: now + 1 } });
      const a: AttemptRow = { runId: t.runId, taskId: t.taskId, attempt: 1, kind: 'run', status: 'succeeded', worker: 'w1', startedAt: now + 1, finishedAt: now + 2, exitCode: null, error: null };
      b.attempts.push(a);
    }
    previous = tasks.slice(i, i + TICK).map((t) => ({ ...t, state: 'running', attempt: 1, worker: 'w1', startedAt: now + 1 }));
    b.tasks.push(...previous);
    out.push(b);
  }
  return out;
}

const per: number[] = [];
const steady: number[] = [];
for (let r = 0; r <= ROUNDS; r++) {
  const bs = batches(r);
  let bytes = 0;
  (globalThis as { gc?: () => void }).gc?.(); // the garbage of building the batches is not this round's
  let steadyBytes = 0;
  const cpu0 = process.cpuUsage();
  for (const st of prepareBatch(q, bs[0]!).statements) for (const v of st.values) bytes += typeof v === 'string' ? v.length : 0;
  const cpu1 = process.cpuUsage();
  for (let i = 1; i < bs.length; i++) for (const st of prepareBatch(q, bs[i]!).statements) for (const v of st.values) steadyBytes += typeof v === 'string' ? v.length : 0;
  const cpu = process.cpuUsage(cpu0);
  const steadyCpu = process.cpuUsage(cpu1);
  if (r === 0) continue; // warm-up
  per.push((cpu.user + cpu.system) / N);
  steady.push((steadyCpu.user + steadyCpu.system) / N);
  console.log(`round ${r}: ${per[per.length - 1]!.toFixed(2)} µs/task (steady ticks ${steady[steady.length - 1]!.toFixed(2)}), ${((bytes + steadyBytes) / N).toFixed(0)} chars of parameters per task (steady ticks ${(steadyBytes / N).toFixed(0)})`);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(2);
console.log(`median of ${ROUNDS}: ${med(per)} µs/task, steady ticks ${med(steady)} µs/task`);
await pool.end();
