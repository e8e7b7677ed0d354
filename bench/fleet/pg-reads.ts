/**
 * What reading a finished run costs: the PostgreSQL store after one no-op run of N tasks written
 * as a fleet engine writes it (pg-writes.ts's batches: the run, its tasks, ticks of B dispatches
 * and B results with their attempts, then the commit that ends the run), then `getTasks` and
 * `getAttempts` of the run (whole run and one task), each timed R times: medians of wall ms and of
 * the client's CPU ms. Since session 6 a finished run keeps its last task-log rows, which reads
 * overlay (task-log.ts): run it in checkouts of both versions to compare.
 *
 *   node --import tsx bench/fleet/pg-reads.ts [tasks=20000] [tick=400] [reads=5]
 */
import { startPostgres } from '../../test/store/pg-harness.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { emptyBatch } from '../../src/store/types.js';
import { noopRunRows, noopTicks } from './noop-run-rows.js';

const pos = process.argv.slice(2);
const [N, TICK, READS] = [Number(pos[0] ?? 20_000), Number(pos[1] ?? 400), Number(pos[2] ?? 5)];
const pg = await startPostgres();
const store = await PostgresStore.open({ connectionString: pg.url(await pg.createDatabase()), log: () => undefined });
const now = Date.now();
const { run, tasks } = noopRunRows('run-read', now, N);
const first = emptyBatch();
first.newRuns.push(run);
first.newTasks.push(...tasks);
await store.commit(first);
const ticks = [...noopTicks(tasks, now, TICK)];
for (let i = 0; i < ticks.length; i++) {
  const b = ticks[i]!;
  if (i === ticks.length - 1) Object.assign(run, { state: 'succeeded', finishedAt: now + 3 }), b.runs.push(run);
  await store.commit(b);
}
const time = async (what: string, f: () => Promise<unknown[]>): Promise<void> => {
  const wall: number[] = [];
  const cpu: number[] = [];
  let n = 0;
  for (let r = 0; r < READS + 1; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    n = (await f()).length;
    const c = process.cpuUsage(c0);
    if (r === 0) continue; // warm-up
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1);
  console.log(`${what}: ${n} rows, wall ${med(wall)} ms, client CPU ${med(cpu)} ms (medians of ${READS})`);
};
const states = new Set((await store.getTasks(run.id)).map((t) => t.state));
if (states.size !== 1 || !states.has('succeeded')) throw new Error(`unexpected task states ${[...states].join(',')}`);
await time('getTasks', () => store.getTasks(run.id));
await time('getAttempts (run)', () => store.getAttempts(run.id));
await time('getAttempts (one task)', () => store.getAttempts(run.id, `t${N >> 1}`));
await store.close();
await pg.stop();
