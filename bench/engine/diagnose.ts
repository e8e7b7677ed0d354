/**
 * Where the engine's time goes (not part of the headline benchmark). Runs the Kairos shapes
 * with the Store swapped or wrapped — the engine takes any `Store`, so no source is changed:
 *   sqlite   the real SqliteStore file with `writer: 'inline'`: every commit on the engine's
 *            thread, each tick awaiting its commit
 *   thread   the real file with `writer: 'thread'` (the default, as run.ts uses it): writes on
 *            the SQLite writer thread, commits pipelined, two in flight (the thread started
 *            before timing); "in commit" is then the wall time from posting a
 *            batch to its acknowledgement, and "posting" the engine thread's share of it (in
 *            brackets: the part spent posting the submit's batch, the new run and its task rows)
 *   memory   SqliteStore(':memory:'): same SQL inline, no file, no WAL, no fsync
 *   null     commit() does nothing: the engine's own cost, the ceiling any store can reach
 * and prints rows written per task, commits and the commit share. "µs/task CPU" is the whole
 * process (both threads); "main CPU" is the engine's thread alone (the worker's CPU excluded);
 * "writer CPU" the SQLite writer thread alone (`thread` only: the busiest thread but the main one).
 *
 *   node --import tsx bench/engine/diagnose.ts [--size 20000] [--runs 3] [--concurrency 256] [--unbounded]
 *        [--shape independent,dag] [--store sqlite,memory,null]
 * Add `--cpu-prof --cpu-prof-dir=DIR` before the script path to profile one configuration.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store, WriteBatch } from '../../src/store/types.js';
import { localExecutors } from '../../src/cli/runtime.js';
import type { WorkflowSpec } from '../../src/core/model.js';
import { independent, parentChildren } from './shapes.js';
import { fixed, int, median, table } from './stats.js';

type StoreKind = 'sqlite' | 'thread' | 'memory' | 'null';

/** The row arrays of a batch (its `attemptTasks` only points at rows of `tasks`). */
type RowKind = Exclude<keyof WriteBatch, 'attemptTasks'>;

interface Sample { ms: number; commitMs: number; postMs: number; postSubmitMs: number; commits: number; rows: Record<RowKind, number>; cpuUs: number; mainCpuUs: number; writerCpuUs: number }

/**
 * CPU time of the main thread alone, µs; NaN elsewhere than Linux. Its schedstat (time on the CPU
 * in ns) where the kernel keeps one; else utime + stime of its /proc stat, in 10 ms ticks — 0.5
 * µs a task on a 20,000-task run, coarser than the differences being measured.
 */
function mainThreadCpuUs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    // no schedstat: the tick counts below
  }
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return NaN;
  }
}

/** CPU µs of every thread of this process but the main one, by tid (schedstat; empty elsewhere). */
function otherThreadsCpuUs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      if (tid === String(process.pid)) continue;
      try {
        out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1000);
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // not Linux
  }
  return out;
}

/**
 * The SQLite writer thread's CPU over a run, µs: the other thread that used the most CPU between
 * two snapshots (the writer thread; V8's GC helpers and libuv's pool use far less). NaN without
 * schedstat or when no thread ran.
 */
function writerCpuUs(before: Map<string, number>, after: Map<string, number>): number {
  let best = NaN;
  for (const [tid, us] of after) {
    const d = us - (before.get(tid) ?? 0);
    if (!(d <= best)) best = d;
  }
  return best;
}

/** Wraps a store: times `commit` and counts what it writes. */
function timed(inner: Store, kind: StoreKind, s: Sample): Store {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'commit') {
        return async (b: WriteBatch) => {
          for (const k of Object.keys(s.rows) as RowKind[]) s.rows[k] += b[k].length;
          s.commits++;
          const t0 = performance.now();
          const done = kind === 'null' ? null : target.commit(b);
          s.postMs += performance.now() - t0;
          if (b.newRuns.length > 0) s.postSubmitMs += performance.now() - t0;
          await done;
          s.commitMs += performance.now() - t0;
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function once(spec: WorkflowSpec, kind: StoreKind, concurrency: number): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-diag-'));
  const file = kind === 'sqlite' || kind === 'thread';
  const inner = new SqliteStore(file ? join(dir, 'kairos.db') : ':memory:', { writer: kind === 'thread' ? 'thread' : 'inline' });
  await inner.startWriter();
  const s: Sample = { ms: 0, commitMs: 0, postMs: 0, postSubmitMs: 0, commits: 0, rows: { newRuns: 0, runs: 0, newTasks: 0, tasks: 0, attempts: 0, events: 0 }, cpuUs: 0, mainCpuUs: 0, writerCpuUs: NaN };
  const store = timed(inner, kind, s);
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(new Map([['noop', () => undefined]])), concurrency });
  try {
    const c0 = process.cpuUsage();
    const m0 = mainThreadCpuUs();
    const w0 = otherThreadsCpuUs();
    const t0 = performance.now();
    const row = await engine.submit(spec);
    const end = await engine.wait(row.id);
    s.ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    s.cpuUs = c.user + c.system;
    s.mainCpuUs = mainThreadCpuUs() - m0;
    if (kind === 'thread') s.writerCpuUs = writerCpuUs(w0, otherThreadsCpuUs());
    if (end.state !== 'succeeded') throw new Error(`run ended ${end.state}`);
    return s;
  } finally {
    await engine.close({ kill: true });
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
const flag = (name: string, d: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
const size = flag('--size', 20_000);
const runs = flag('--runs', 3);
const concurrency = flag('--concurrency', 256);
/** `--unbounded`: tasks request only { cpu: 0 } (no slot), as the engine's concurrency then does not apply. */
const bounded = !argv.includes('--unbounded');

const pick = <T extends string>(name: string, all: readonly T[]): readonly T[] =>
  argv.includes(name) ? (argv[argv.indexOf(name) + 1]!.split(',') as T[]) : all;
const shapes = pick('--shape', ['independent', 'dag'] as const);
const stores = pick('--store', ['sqlite', 'thread', 'memory', 'null'] as const);

const rows: string[][] = [];
for (const shape of shapes) {
  const make = () => (shape === 'independent' ? independent(size, bounded) : parentChildren(size / 4, bounded));
  for (const kind of stores) {
    await once(shape === 'independent' ? independent(size / 10, bounded) : parentChildren(size / 40, bounded), kind, concurrency); // warm-up
    const ss: Sample[] = [];
    for (let i = 0; i < runs; i++) ss.push(await once(make(), kind, concurrency));
    const m = (f: (s: Sample) => number) => median(ss.map(f));
    rows.push([
      shape, kind, int(m((s) => (size / s.ms) * 1000)), fixed(m((s) => (s.ms * 1000) / size)), fixed(m((s) => s.cpuUs / size)), fixed(m((s) => s.mainCpuUs / size)), fixed(m((s) => s.writerCpuUs / size)),
      `${fixed(m((s) => (s.postMs * 1000) / size))} (${fixed(m((s) => (s.postSubmitMs * 1000) / size))})`, fixed(m((s) => (s.commitMs * 1000) / size)), `${fixed(m((s) => (s.commitMs / s.ms) * 100), 0)}%`, int(m((s) => s.commits)),
      fixed(m((s) => (s.rows.newTasks + s.rows.tasks + s.rows.attempts + s.rows.events + s.rows.runs) / size), 2),
      `${fixed(m((s) => s.rows.tasks / size), 2)} / ${fixed(m((s) => s.rows.attempts / size), 2)} / ${fixed(m((s) => s.rows.events / size), 2)}`,
    ]);
  }
}
console.log(`Diagnosis: ${size} tasks, ${bounded ? `concurrency ${concurrency}` : 'unbounded (no slot per task)'}, median of ${runs}`);
console.log(table(['shape', 'store', 'tasks/s', 'µs/task wall', 'µs/task CPU', 'main CPU', 'writer CPU', 'µs/task posting (submit)', 'µs/task in commit', 'commit share', 'commits', 'rows/task', 'task upd / attempt / event rows per task'], rows));
