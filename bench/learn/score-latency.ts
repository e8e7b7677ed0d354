/**
 * Latency of scoring N candidates with the learned policy's scorer (the hand-written Mlp), the
 * issue's budget being 1,000 candidates in <= 1 ms at p99. Prints p50/p99 of wall time and of
 * process CPU time per call (CPU time excludes time the OS ran other processes: on a loaded
 * 2-core machine the wall p99 measures preemption, not the scorer) after a warm-up.
 *
 *   node --import tsx bench/learn/score-latency.ts [--candidates 1000] [--calls 5000]
 */
import { performance } from 'node:perf_hooks';
import { SeededRng } from '../../src/core/clock.js';
import { Mlp } from '../../src/learn/rl/mlp.js';
import { FEATURE_COUNT, teacherPrior } from '../../src/learn/rl/features.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const n = arg('candidates', 1000);
const calls = arg('calls', 5000);
// `residual`: the shipped models' form (a fixed prior over the features added to the network).
const shapes: { layers: number[]; residual: boolean }[] = [
  { layers: [FEATURE_COUNT, 32, 16, 1], residual: false },
  { layers: [FEATURE_COUNT, 64, 32, 1], residual: false },
  { layers: [FEATURE_COUNT, 16, 8, 1], residual: false },
  { layers: [FEATURE_COUNT, 16, 8, 1], residual: true },
];
const rng = new SeededRng(1);
for (const { layers, residual } of shapes) {
  const m = new Mlp(layers, undefined, residual ? teacherPrior() : null).init(rng);
  const x = new Float64Array(n * layers[0]!);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 4 - 2;
  const out = new Float64Array(n);
  for (let k = 0; k < 500; k++) m.score(x, n, out);
  const t = new Float64Array(calls);
  const c = new Float64Array(calls);
  let sink = 0;
  for (let k = 0; k < calls; k++) {
    const u = process.cpuUsage();
    const a = performance.now();
    m.score(x, n, out);
    t[k] = performance.now() - a;
    const du = process.cpuUsage(u);
    c[k] = (du.user + du.system) / 1000;
    sink += out[k % n]!;
  }
  t.sort();
  c.sort();
  const q = (v: Float64Array, p: number): string => (v[Math.min(calls - 1, Math.floor(p * calls))]! * 1000).toFixed(0);
  console.log(`[${layers.join(' -> ')}]${residual ? ' + prior' : ''} ${n} candidates: wall p50 ${q(t, 0.5)} us, p99 ${q(t, 0.99)} us; CPU time p50 ${q(c, 0.5)} us, p99 ${q(c, 0.99)} us (checksum ${sink.toFixed(3)})`);
}

// A whole decision of the policy: feature extraction for every candidate + the forward pass +
// argmax, through LearnedPolicy.heads() (which scores all candidates and changes nothing), with
// 1,000 candidate groups (1,000 distinct jobs) and the default network shape.
{
  const { LearnedPolicy } = await import('../../src/learn/rl/learned-policy.js');
  const m = new Mlp([FEATURE_COUNT, 16, 8, 1], undefined, teacherPrior()).init(rng);
  const policy = new LearnedPolicy({ scorer: m }, { totalCapacity: () => ({ cpu: 50 }), eligibleWorkers: () => [], availableAt: () => 0, unknownEstimateMs: 60_000 });
  for (let i = 0; i < n; i++) {
    const job = { id: `j${i}`, namespace: 'd', arrivalAt: i, deadline: null, remainingWorkMs: 1000 + i * 37, running: 0, totalTasks: 10, doneTasks: i % 10 };
    policy.enqueue({ key: `j${i}/0`, job, priority: 0, resources: { cpu: 1 }, readyAt: i, seq: i, deadline: null, estimateMs: 500 + i, bottomLevelMs: 2000 + i, descendantTasks: i % 7, descendantWorkMs: 100 * (i % 7), estimateCv: 0.2, pool: null, selector: null });
  }
  policy.beginRound(n * 2);
  for (let k = 0; k < 300; k++) policy.heads();
  const t = new Float64Array(calls);
  for (let k = 0; k < calls; k++) {
    const a = performance.now();
    policy.heads();
    t[k] = performance.now() - a;
  }
  t.sort();
  const q = (p: number): string => (t[Math.min(calls - 1, Math.floor(p * calls))]! * 1000).toFixed(1);
  console.log(`whole decision (features + [${m.layers.join(' -> ')}] + prior + argmax), ${n} candidates: p50 ${q(0.5)} us, p99 ${q(0.99)} us, max ${(t[calls - 1]! * 1000).toFixed(1)} us`);
}
