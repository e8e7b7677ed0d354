/**
 * Experiment: right-sizing live, with real shell tasks that over-declare memory.
 *
 *   node --import tsx bench/learn/rightsizing-live.ts                 # ~2.5 min
 *   node --import tsx bench/learn/rightsizing-live.ts --runs 3 --tasks 12
 *
 * An embedded Engine (temp SQLite state folder) with a local worker of 1 GiB memory (the binding
 * resource: tasks ask for no cpu) and 16 slots runs `--runs` runs of one workflow, one after the
 * other: a foreach of `--tasks` shell tasks, each `python3` holding `item` MB of touched memory
 * for 1 s (sizes drawn uniformly from 30-90 MB, the same list every run), declaring
 * `memory: 512Mi` — 6-17x what they use, so only 2 run at once.
 *
 *   - declared: the requests as written (the recommender still learns; nothing is applied);
 *   - right-sized, aggressive: the target at the p50 with no margin — about half the tasks are
 *     over it, so the OOM kill and retry with a larger request is exercised;
 *   - right-sized: `tuners.rightsizing.apply` (a confident recommendation — 3 samples — replaces
 *     the declared request when a task is queued) and `enforceMemory` (a task over its request is
 *     killed and retried with a larger one: the safety net when the recommendation is too low).
 *
 * Measured per run: makespan, mean memory requested per attempt, reservation utilisation (sum of
 * peak RSS x runtime over the sum of requested memory x runtime, every attempt), OOM kills, and the
 * recommendation's target after the run. Peak RSS comes back on each attempt's result (sampled
 * every 100 ms here), read by wrapping the real ShellExecutor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRng } from '../../src/core/clock.js';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import { Engine } from '../../src/engine/engine.js';
import { ShellExecutor } from '../../src/exec/shell-executor.js';
import type { ExecResult, Executor } from '../../src/exec/types.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RUNS = arg('runs', 5);
const TASKS = arg('tasks', 24);
const MiB = 1024 * 1024;

const rng = new SeededRng(42);
const sizes = Array.from({ length: TASKS }, () => 30 + rng.int(61));
const parsed = parseWorkflow(`
name: overdeclared
params:
  sizes: {default: ${JSON.stringify(sizes)}}
tasks:
  work:
    foreach: params.sizes
    run: python3 -c "import time; a = b'x' * (\${{ item }} * 1000000); time.sleep(1)"
    resources: {cpu: 0, memory: 512Mi}
    retries: 0
`);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const wf = parsed.spec;

interface Attempt { requested: number; peak: number; ms: number; outcome: string }

async function variant(name: string, rightsizing: { apply: boolean; targetPercentile?: number; margin?: number }): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-rightsizing-'));
  const store = new SqliteStore(join(dir, 'kairos.db'));
  const shell = new ShellExecutor({ rssSampleMs: 100 });
  let attempts: Attempt[] = [];
  const measured: Executor = {
    kind: 'shell',
    async execute(req, signal): Promise<ExecResult> {
      const t0 = performance.now();
      const res = await shell.execute(req, signal);
      attempts.push({ requested: req.memoryLimitBytes ?? 0, peak: res.usage?.maxRssBytes ?? 0, ms: performance.now() - t0, outcome: res.outcome });
      return res;
    },
  };
  const engine = new Engine({
    store, stateDir: dir, executors: { shell: measured }, capacity: { cpu: 64, memory: 1024 * MiB }, concurrency: 16,
    tuners: { rightsizing: { ...rightsizing, enforceMemory: true } },
  });
  const rows: string[] = [];
  try {
    for (let r = 1; r <= RUNS; r++) {
      attempts = [];
      const oom0 = engine.tuners.counters.oomKills;
      const t0 = performance.now();
      const run = await engine.submit(wf);
      const done = await engine.wait(run.id);
      const makespan = (performance.now() - t0) / 1000;
      const reqTime = attempts.reduce((s, a) => s + a.requested * a.ms, 0);
      const useTime = attempts.reduce((s, a) => s + a.peak * a.ms, 0);
      const rec = engine.tuners.recommendations().find((x) => x.signature === 'default/overdeclared/work');
      rows.push(`| ${name} | ${r} | ${done.state} | ${makespan.toFixed(1)} | ${(attempts.reduce((s, a) => s + a.requested, 0) / attempts.length / MiB).toFixed(0)} | ${(attempts.reduce((s, a) => s + a.peak, 0) / attempts.length / MiB).toFixed(0)} | ${((useTime / reqTime) * 100).toFixed(0)}% | ${engine.tuners.counters.oomKills - oom0} | ${rec?.memory ? (rec.memory.target / MiB).toFixed(0) : '-'} (${rec?.samples ?? 0}) |`);
    }
  } finally {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

console.log(`# ${RUNS} runs of ${TASKS} tasks; sizes (MB): ${sizes.join(' ')}`);
console.log('| requests | run | state | makespan (s) | mean request (MiB) | mean peak RSS (MiB) | reservation used | OOM kills | recommended target MiB (samples) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of await variant('declared', { apply: false })) console.log(row);
for (const row of await variant('right-sized (p90 + 15%)', { apply: true })) console.log(row);
for (const row of await variant('right-sized, aggressive (p50, no margin)', { apply: true, targetPercentile: 0.5, margin: 0 })) console.log(row);
