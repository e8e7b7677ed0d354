// Scheduling decision latency per dispatched task, every policy, 10,000 ready tasks.
//
//   node --expose-gc --import tsx bench/sched/decision-latency.ts [--rounds 1000] [--ready 10000] [--only fifo/greedy,heft/greedy]
//
// Setup: 50 workers (8 cpu, 32 GiB; speeds 1/1.5/2) = room for ~270 tasks of 1-2 cpu. The queue
// is filled to `ready` tasks (20 namespaces, 500 jobs, priorities 10/50/100, deadlines, estimates,
// bottom levels). Round 0 places a full cluster (reported separately as "fill"); then each round
// releases 10 random running tasks, enqueues 10 fresh ones (the queue stays at `ready`) and
// schedules. Sample = round time / tasks placed that round (wall: performance.now; cpu: process.cpuUsage), after a warm-up.
// "p99 no-GC" leaves out the rounds that overlapped a V8 GC pause (perf_hooks 'gc' entries): on
// a shared 2-core machine the wall p99 of ~50 µs rounds is set by GC and by the OS running
// other processes, and this column separates the first from the decision's own cost.
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { Scheduler } from '../../src/sched/scheduler.js';
import { policyNames } from '../../src/sched/registry.js';
import { SeededRng } from '../../src/core/clock.js';
import type { AdmissionMode, JobInfo, SchedTask } from '../../src/sched/types.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const ROUNDS = arg('rounds', 1000);
const READY = arg('ready', 10_000);
const WARMUP = 50;

const gcs: [number, number][] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]);
}).observe({ entryTypes: ['gc'] });

function run(policy: string, admission: AdmissionMode) {
  const rng = new SeededRng(42);
  const s = new Scheduler({ policy, admission });
  for (let i = 0; i < 50; i++) s.addWorker({ id: `w${i}`, pool: 'default', capacity: { cpu: 8, memory: 32 * 2 ** 30 }, speed: [1, 1.5, 2][i % 3]!, labels: {} });
  const jobs: JobInfo[] = Array.from({ length: 500 }, (_, i) => ({ id: `j${i}`, namespace: `ns${i % 20}`, arrivalAt: i, deadline: null, remainingWorkMs: 1000 + rng.int(100_000), running: 0, totalTasks: 20, doneTasks: 0 }));
  let seq = 0;
  let now = 0;
  const mk = (): SchedTask => {
    const job = jobs[rng.int(jobs.length)]!;
    const est = 100 + rng.int(10_000);
    return { key: `t${seq}`, job, priority: [10, 50, 100][rng.int(3)]!, resources: { cpu: 1 + rng.int(2), memory: (1 + rng.int(4)) * 2 ** 30 }, readyAt: now, seq: seq++, deadline: rng.next() < 0.7 ? now + est * (1 + rng.int(20)) : null, estimateMs: rng.next() < 0.9 ? est : null, bottomLevelMs: est * (1 + rng.int(10)), pool: null, selector: null };
  };
  for (let i = 0; i < READY; i++) s.enqueue(mk());
  const running: string[] = [];
  (globalThis as { gc?: () => void }).gc?.(); // start measuring from a collected heap
  let t0 = performance.now();
  let r = s.schedule(now);
  const fill = (performance.now() - t0) / Math.max(1, r.placements.length);
  const fillPlaced = r.placements.length;
  for (const p of r.placements) running.push(p.task.key);
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  const spans: [number, number, number][] = [];
  let placedTotal = 0;
  for (let round = 0; round < ROUNDS + WARMUP; round++) {
    now += 100;
    for (let k = 0; k < 10 && running.length > 0; k++) {
      const i = rng.int(running.length);
      s.release(running[i]!);
      running[i] = running[running.length - 1]!;
      running.pop();
    }
    while (s.queuedCount < READY) s.enqueue(mk());
    const c0 = process.cpuUsage();
    t0 = performance.now();
    r = s.schedule(now);
    const dt = performance.now() - t0;
    const c1 = process.cpuUsage(c0);
    for (const p of r.placements) running.push(p.task.key);
    for (const e of r.expired) void e;
    if (round >= WARMUP && r.placements.length > 0) {
      samples.push(dt / r.placements.length);
      spans.push([t0, t0 + dt, dt / r.placements.length]);
      cpuSamples.push((c1.user + c1.system) / 1000 / r.placements.length);
      placedTotal += r.placements.length;
    }
  }
  return { spans, finish: () => finish(policy, admission, fill, fillPlaced, samples, cpuSamples, spans, placedTotal) };
}

function finish(policy: string, admission: AdmissionMode, fill: number, fillPlaced: number, samples: number[], cpuSamples: number[], spans: [number, number, number][], placedTotal: number) {
  // GC entries are delivered asynchronously: called after the event loop has turned.
  const clean = spans.filter(([a, b]) => !gcs.some(([g0, g1]) => g0 < b && g1 > a)).map((x) => x[2]).sort((a, b) => a - b);
  samples.sort((a, b) => a - b);
  cpuSamples.sort((a, b) => a - b);
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]! * 1000;
  return { policy, admission, fillUs: fill * 1000, fillPlaced, p50: q(samples, 0.5), p99: q(samples, 0.99), p99NoGc: q(clean, 0.99), gcRounds: spans.length - clean.length, cpuP50: q(cpuSamples, 0.5), cpuP99: q(cpuSamples, 0.99), perRound: placedTotal / samples.length };
}

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]!.split(',') : null;
const configs: [string, AdmissionMode][] = policyNames().map((p) => [p, 'greedy']);
for (const p of ['fifo', 'priority', 'wrr']) for (const a of ['strict', 'backfill'] as const) configs.push([p, a]);
const rows = [];
for (const [p, a] of configs) {
  if (only && !only.includes(`${p}/${a}`)) continue;
  const r = run(p, a);
  await new Promise((resolve) => setTimeout(resolve, 20));
  rows.push(r.finish());
}
console.log(`decision latency per dispatched task, ${READY} ready tasks, ${ROUNDS} rounds (µs); load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
// wall = performance.now (includes time the OS ran other processes); cpu = process.cpuUsage of
// this process over the round (what the decision itself cost, GC included).
console.log('| policy | admission | fill µs/task (placed) | wall p50 | wall p99 | p99 no-GC (GC rounds) | cpu p50 | cpu p99 | tasks/round |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.policy} | ${r.admission} | ${r.fillUs.toFixed(1)} (${r.fillPlaced}) | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.p99NoGc.toFixed(1)} (${r.gcRounds}) | ${r.cpuP50.toFixed(1)} | ${r.cpuP99.toFixed(1)} | ${r.perRound.toFixed(1)} |`);
}
