/**
 * Adaptive concurrency, live: an embedded Engine runs fn tasks that call a local HTTP service whose
 * latency climbs steeply past a concurrency knee; a loop feeds the controller with each finished
 * task's latency and applies `engine.setConcurrency(controller.limit)`. Usage:
 *
 *   node --import tsx bench/learn/concurrency-live.ts [--tasks 1000] [--repeats 2] [--json]
 *
 * The service (node:http on 127.0.0.1, a random port, started and stopped here) answers a request
 * that arrives with n requests in flight (itself included) after
 *   20 ms x (1 + max(0, n - 12)^2 / 4).
 * Each task fetches it once with a 1 s timeout (a timeout fails the task, no retry). Latency =
 * the task's `running` event to its `succeeded`/`failed` event (performance.now()), so it includes
 * the engine's own dispatch and commit work. Every run is bounded: `tasks` tasks, 90 s at most
 * (then the run is cancelled), loopback only; state in a temp folder removed at the end.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Engine } from '../../src/engine/engine.js';
import type { TaskChange } from '../../src/engine/task-flow.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import { AimdLimiter, GradientLimiter, type ConcurrencyController } from '../../src/learn/concurrency/index.js';
import { mean, quantileSorted, sorted } from '../../src/sim/stats.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const TASKS = arg('tasks', 1000);
const REPEATS = arg('repeats', 2);
const asJson = args.includes('--json');
const SERVICE = { baseMs: 20, knee: 12, k: 4 };
const TIMEOUT_MS = 1000;
const RUN_BOUND_MS = 90_000;
const P95_TARGET_MS = 60;

function startService(): Promise<{ server: Server; url: string; peak: () => number }> {
  let inflight = 0;
  let peak = 0;
  const server = createServer((req, res) => {
    inflight++;
    if (inflight > peak) peak = inflight;
    const over = Math.max(0, inflight - SERVICE.knee);
    const delay = SERVICE.baseMs * (1 + (over * over) / SERVICE.k);
    const t = setTimeout(() => {
      inflight--;
      res.end('ok');
    }, delay);
    req.on('close', () => {
      if (!res.writableEnded) {
        clearTimeout(t);
        inflight--;
      }
    });
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/`, peak: () => peak });
    });
  });
}

interface LiveRun {
  throughputPerSec: number;
  p50Ms: number;
  p95Ms: number;
  errorRate: number;
  wallMs: number;
  finalLimit: number;
  /** Limit averaged over the completions. */
  meanLimit: number;
  decisions: number;
  trajectory: string;
}

async function runOnce(url: string, fixed: number | null, controller: ConcurrencyController | null): Promise<LiveRun> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-conc-live-'));
  const store = new SqliteStore(join(dir, 'kairos.db'));
  const functions = new Map([['call', async (ctx: { signal: AbortSignal }) => {
    const r = await fetch(url, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(TIMEOUT_MS)]) });
    await r.text();
    return {};
  }]]);
  const engine = new Engine({
    store, stateDir: dir, executors: localExecutors(functions), capacity: { cpu: 1_000_000, memory: 2 ** 50 },
    concurrency: fixed ?? controller!.limit, runtimeModel: null, killGraceMs: 500,
  });
  engine.on('error', () => {});
  const started = new Map<string, number>();
  const lat: number[] = [];
  let failed = 0;
  let inflight = 0;
  let limitSum = 0;
  const marks: string[] = [];
  const t0 = performance.now();
  engine.on('task', (c: TaskChange) => {
    const key = `${c.runId}/${c.taskId}`;
    if (c.state === 'running') {
      started.set(key, performance.now());
      inflight++;
      return;
    }
    if (c.state !== 'succeeded' && c.state !== 'failed') return;
    const s = started.get(key);
    if (s === undefined) return;
    started.delete(key);
    const now = performance.now();
    const ok = c.state === 'succeeded';
    lat.push(now - s);
    if (!ok) failed++;
    if (controller !== null) {
      controller.observe({ latencyMs: now - s, ok, inflight, atMs: now - t0 });
      if (controller.limit !== engine.concurrency) engine.setConcurrency(controller.limit);
    }
    limitSum += engine.concurrency;
    if (lat.length % Math.ceil(TASKS / 10) === 0) marks.push(String(engine.concurrency));
    inflight--;
  });
  const tasks = Array.from({ length: TASKS }, (_, i) => `  t${i}:\n    fn: call\n    resources: {cpu: 0}`).join('\n');
  const parsed = parseWorkflow(`name: conc-live\ntasks:\n${tasks}\n`);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('; '));
  try {
    const run = await engine.submit(parsed.spec);
    const bound = setTimeout(() => void engine.cancel(run.id, 'bench time bound'), RUN_BOUND_MS);
    await engine.wait(run.id);
    clearTimeout(bound);
  } finally {
    await engine.close({ kill: true });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const wallMs = performance.now() - t0;
  const s = sorted(lat);
  return {
    throughputPerSec: (lat.length - failed) / (wallMs / 1000),
    p50Ms: quantileSorted(s, 0.5),
    p95Ms: quantileSorted(s, 0.95),
    errorRate: lat.length > 0 ? failed / lat.length : 0,
    wallMs,
    finalLimit: engine.concurrency,
    meanLimit: lat.length > 0 ? limitSum / lat.length : 0,
    decisions: controller?.decisions.length ?? 0,
    trajectory: marks.join(' '),
  };
}

const variants: { name: string; make: () => { fixed: number | null; c: ConcurrencyController | null } }[] = [
  { name: 'fixed 3 (too low)', make: () => ({ fixed: 3, c: null }) },
  { name: 'fixed 12 (the knee, oracle)', make: () => ({ fixed: 12, c: null }) },
  { name: 'fixed 20 (too high)', make: () => ({ fixed: 20, c: null }) },
  { name: 'gradient (defaults, initial 10)', make: () => ({ fixed: null, c: new GradientLimiter() }) },
  { name: `gradient, p95 target ${P95_TARGET_MS} ms, initial 30`, make: () => ({ fixed: null, c: new GradientLimiter({ initialLimit: 30, objective: { p95TargetMs: P95_TARGET_MS } }) }) },
  { name: `aimd, p95 target ${P95_TARGET_MS} ms, initial 10`, make: () => ({ fixed: null, c: new AimdLimiter({ objective: { p95TargetMs: P95_TARGET_MS } }) }) },
];

const svc = await startService();
try {
  const rows = [];
  for (const v of variants) {
    const runs: LiveRun[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const { fixed, c } = v.make();
      runs.push(await runOnce(svc.url, fixed, c));
    }
    const m = (f: (r: LiveRun) => number): number => mean(runs.map(f));
    const row = {
      name: v.name, throughputPerSec: m((r) => r.throughputPerSec), p50Ms: m((r) => r.p50Ms), p95Ms: m((r) => r.p95Ms),
      errorRate: m((r) => r.errorRate), wallMs: m((r) => r.wallMs), meanLimit: m((r) => r.meanLimit), finalLimit: m((r) => r.finalLimit),
      decisions: m((r) => r.decisions), trajectory: runs[0]!.trajectory,
    };
    rows.push(row);
    if (!asJson) console.error(`${v.name}: ${row.throughputPerSec.toFixed(1)}/s, p95 ${row.p95Ms.toFixed(0)} ms (${(row.wallMs / 1000).toFixed(1)} s per run)`);
  }
  if (asJson) console.log(JSON.stringify({ service: SERVICE, tasks: TASKS, repeats: REPEATS, rows }, null, 2));
  else {
    console.log(`service: ${SERVICE.baseMs} ms x (1 + max(0, n - ${SERVICE.knee})^2 / ${SERVICE.k}); ${TASKS} fn tasks per run, means over ${REPEATS} runs; peak concurrency seen by the service ${svc.peak()}\n`);
    console.log('| limit | throughput (tasks/s) | p50 latency (ms) | p95 latency (ms) | errors | mean limit | final limit | decisions | limit at each 10% of tasks (run 1) |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.name} | ${r.throughputPerSec.toFixed(1)} | ${r.p50Ms.toFixed(0)} | ${r.p95Ms.toFixed(0)} | ${(100 * r.errorRate).toFixed(1)}% | ${r.meanLimit.toFixed(1)} | ${r.finalLimit.toFixed(1)} | ${r.decisions.toFixed(0)} | ${r.trajectory} |`);
    }
  }
} finally {
  await new Promise((r) => svc.server.close(r));
  svc.server.closeAllConnections?.();
}
