/**
 * Adaptive concurrency in simulation: fixed limits (too low, at the knee, too high) against the
 * gradient and AIMD controllers, on a service whose latency climbs steeply past a concurrency knee.
 * Usage:
 *
 *   node --import tsx bench/learn/concurrency-sim.ts [--seeds 5] [--tasks 8000] [--k 16] [--sigma 0.2] [--json] [--trace]
 *
 * The model (a small event loop of its own; src/sim is not involved): a backlog of `tasks` tasks
 * is dispatched as fast as the limit allows. A task started with n in flight (itself included)
 * takes  base x (1 + max(0, n - knee)^2 / k) x jitter  (jitter log-normal, sigma 0.2); a task
 * whose latency passes `timeout` fails at the timeout (as an HTTP client would). Throughput =
 * successful tasks / makespan; latency = dispatch to end. The controllers see every finished task
 * and their limit applies to the next dispatch. Means over seeds (the seed drives the jitter).
 */
import { SeededRng } from '../../src/core/clock.js';
import { AimdLimiter, GradientLimiter, type ConcurrencyController } from '../../src/learn/concurrency/index.js';
import { Heap } from '../../src/sched/heap.js';
import { mean, quantileSorted, sorted } from '../../src/sim/stats.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SEEDS = arg('seeds', 5);
const TASKS = arg('tasks', 8000);
const asJson = args.includes('--json');
const trace = args.includes('--trace');

export const MODEL = { baseMs: 100, knee: 16, k: arg('k', 16), sigma: arg('sigma', 0.2), timeoutMs: 1000, p95TargetMs: 250 };

export function serviceMs(inflight: number, rng: SeededRng, m = MODEL): number {
  const over = Math.max(0, inflight - m.knee);
  // Box-Muller normal for a log-normal jitter with median 1.
  const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return m.baseMs * (1 + (over * over) / m.k) * Math.exp(m.sigma * z);
}

interface Running { end: number; start: number; ok: boolean }

export interface SimRun {
  throughputPerSec: number;
  p95Ms: number;
  p50Ms: number;
  errorRate: number;
  makespanMs: number;
  /** Time-weighted mean of the limit, and the limit at the end. */
  meanLimit: number;
  finalLimit: number;
  decisions: number;
}

export function simulate(seed: number, tasks: number, fixed: number | null, controller: ConcurrencyController | null): SimRun {
  const rng = new SeededRng(seed);
  const heap = new Heap<Running>((a, b) => a.end < b.end);
  let now = 0;
  let backlog = tasks;
  let inflight = 0;
  let ok = 0;
  let failed = 0;
  const lat: number[] = [];
  let limitArea = 0;
  let lastT = 0;
  const limitNow = (): number => (controller !== null ? controller.limit : fixed!);
  const fill = (): void => {
    while (backlog > 0 && inflight < limitNow()) {
      backlog--;
      inflight++;
      const s = serviceMs(inflight, rng);
      const dur = Math.min(s, MODEL.timeoutMs);
      heap.push({ start: now, end: now + dur, ok: s < MODEL.timeoutMs });
    }
  };
  fill();
  while (heap.size > 0) {
    const r = heap.pop()!;
    limitArea += limitNow() * (r.end - lastT);
    lastT = r.end;
    now = r.end;
    const latency = r.end - r.start;
    lat.push(latency);
    if (r.ok) ok++;
    else failed++;
    controller?.observe({ latencyMs: latency, ok: r.ok, inflight, atMs: now });
    inflight--;
    fill();
  }
  const s = sorted(lat);
  return {
    throughputPerSec: ok / (now / 1000),
    p95Ms: quantileSorted(s, 0.95),
    p50Ms: quantileSorted(s, 0.5),
    errorRate: failed / tasks,
    makespanMs: now,
    meanLimit: limitArea / now,
    finalLimit: limitNow(),
    decisions: controller?.decisions.length ?? 0,
  };
}

interface Variant { name: string; make: () => { fixed: number | null; c: ConcurrencyController | null } }

const target = { p95TargetMs: MODEL.p95TargetMs, maxErrorRate: 0.05 };
const VARIANTS: Variant[] = [
  { name: 'fixed 4 (too low)', make: () => ({ fixed: 4, c: null }) },
  { name: 'fixed 16 (the knee, oracle)', make: () => ({ fixed: 16, c: null }) },
  { name: 'fixed 24 (too high)', make: () => ({ fixed: 24, c: null }) },
  { name: 'fixed 32 (far too high)', make: () => ({ fixed: 32, c: null }) },
  { name: 'gradient, no p95 target', make: () => ({ fixed: null, c: new GradientLimiter({ objective: { maxErrorRate: 0.05 } }) }) },
  { name: 'gradient, Netflix Gradient2 defaults (tolerance 1.5, queue 4)', make: () => ({ fixed: null, c: new GradientLimiter({ rttTolerance: 1.5, queueSize: 4 }) }) },
  { name: `gradient, p95 target ${MODEL.p95TargetMs} ms`, make: () => ({ fixed: null, c: new GradientLimiter({ objective: target }) }) },
  { name: 'gradient, target, start at 64', make: () => ({ fixed: null, c: new GradientLimiter({ objective: target, initialLimit: 64 }) }) },
  { name: `aimd, p95 target ${MODEL.p95TargetMs} ms`, make: () => ({ fixed: null, c: new AimdLimiter({ objective: target }) }) },
  { name: 'aimd, target, start at 64', make: () => ({ fixed: null, c: new AimdLimiter({ objective: target, initialLimit: 64 }) }) },
];

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  const rows = VARIANTS.map((v) => {
    const runs: SimRun[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { fixed, c } = v.make();
      runs.push(simulate(seed, TASKS, fixed, c));
      if (trace && seed === 1 && c !== null) {
        console.log(`# ${v.name}, seed 1: first and last decisions`);
        for (const d of [...c.decisions.slice(0, 8), ...c.decisions.slice(-4)]) console.log(`  t=${(d.at / 1000).toFixed(1)}s ${d.from} -> ${d.to}: ${d.reason}`);
      }
    }
    const m = (f: (r: SimRun) => number): number => mean(runs.map(f));
    return {
      name: v.name,
      throughputPerSec: m((r) => r.throughputPerSec),
      p50Ms: m((r) => r.p50Ms),
      p95Ms: m((r) => r.p95Ms),
      errorRate: m((r) => r.errorRate),
      meanLimit: m((r) => r.meanLimit),
      finalLimit: m((r) => r.finalLimit),
      decisions: m((r) => r.decisions),
      minThroughput: Math.min(...runs.map((r) => r.throughputPerSec)),
      maxThroughput: Math.max(...runs.map((r) => r.throughputPerSec)),
    };
  });
  if (asJson) console.log(JSON.stringify({ model: MODEL, seeds: SEEDS, tasks: TASKS, rows }, null, 2));
  else {
    console.log(`model: latency = ${MODEL.baseMs} ms x (1 + max(0, inflight - ${MODEL.knee})^2 / ${MODEL.k}) x lognormal(0, ${MODEL.sigma}); timeout ${MODEL.timeoutMs} ms = failure`);
    console.log(`${TASKS} tasks backlogged, means over ${SEEDS} seeds\n`);
    console.log('| limit | throughput (tasks/s) [min-max] | p50 latency (ms) | p95 latency (ms) | errors | mean limit | final limit | decisions |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.name} | ${r.throughputPerSec.toFixed(1)} [${r.minThroughput.toFixed(1)}-${r.maxThroughput.toFixed(1)}] | ${r.p50Ms.toFixed(0)} | ${r.p95Ms.toFixed(0)} | ${(100 * r.errorRate).toFixed(2)}% | ${r.meanLimit.toFixed(1)} | ${r.finalLimit.toFixed(1)} | ${r.decisions.toFixed(0)} |`);
    }
  }
}
