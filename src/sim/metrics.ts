/**
 * The metrics of one run, in milliseconds (the CLI converts to seconds).
 *
 * Lower bounds, both valid for any scheduler on the same cluster, with true (not estimated)
 * durations:
 * - per job: JCT_j >= max(critical path_j / fastest speed, work_j / capacity), where capacity is
 *   the sum of cores x speed over workers (no job finishes before its longest chain, nor before
 *   the whole cluster could have done its work);
 * - fluid: view the cluster as one processor of speed `capacity` that may split itself among
 *   jobs; preemptive shortest-remaining-work-first (SRPT) is optimal for the sum of completion
 *   times there, and every real schedule maps onto such a fluid one, so its average JCT bounds
 *   ours. The average-JCT bound is the larger of the two averages. Makespan: the larger of the
 *   latest (arrival + critical path) and the work-conserving fluid finish.
 */
import { Heap } from '../sched/heap.js';
import { max, mean, quantileSorted, sorted } from './stats.js';
import type { SimResult } from './simulator.js';

export interface RunMetrics {
  readonly jobs: number;
  readonly completedJobs: number;
  readonly failedJobs: number;
  /** Jobs left when nothing could progress (e.g. a demand no worker can hold). */
  readonly unfinishedJobs: number;
  readonly avgJctMs: number;
  readonly p50JctMs: number;
  readonly p95JctMs: number;
  readonly p99JctMs: number;
  /** JCT / true critical path (at the fastest speed), averaged and at p95. */
  readonly avgSlowdown: number;
  readonly p95Slowdown: number;
  /** From the first arrival to the last completion. */
  readonly makespanMs: number;
  /** Share of jobs with a deadline that finished late, failed or never finished; 0 without deadlines. */
  readonly deadlineMissRate: number;
  /** Completed jobs per second of makespan. */
  readonly throughputPerSec: number;
  /** Queue wait of every attempt (ready -> placed). */
  readonly maxWaitMs: number;
  readonly p99WaitMs: number;
  readonly starvedTasks: number;
  readonly starvationThresholdMs: number;
  /** Busy cores / capacity over the makespan (failed and lost work counts as busy). */
  readonly utilization: number;
  readonly lowerBoundAvgJctMs: number;
  readonly lowerBoundMakespanMs: number;
  /** avgJct / lowerBoundAvgJct and makespan / lowerBoundMakespan (>= 1). */
  readonly jctRatio: number;
  readonly makespanRatio: number;
  readonly events: number;
  readonly rounds: number;
  readonly attemptsStarted: number;
  readonly attemptsFailed: number;
  readonly attemptsLost: number;
  readonly wallMs: number;
  readonly eventsPerSec: number;
}

export interface MetricsOptions {
  /** A wait above this counts as starved (default 600,000 ms = 10 min). */
  readonly starvationThresholdMs?: number;
}

export function capacityOf(result: Pick<SimResult, 'workers'>): { cores: number; maxSpeed: number } {
  let cores = 0;
  let maxSpeed = 0;
  for (const w of result.workers) {
    cores += (w.capacity['cpu'] ?? 1) * w.speed;
    if (w.speed > maxSpeed) maxSpeed = w.speed;
  }
  return { cores, maxSpeed };
}

export function computeMetrics(result: SimResult, opts: MetricsOptions = {}): RunMetrics {
  const threshold = opts.starvationThresholdMs ?? 600_000;
  const { cores, maxSpeed } = capacityOf(result);
  const done = result.jobs.filter((j) => j.finished && j.failed === null);
  const failed = result.jobs.filter((j) => j.failed !== null).length;
  const jct = sorted(done.map((j) => j.finishedAt - j.arrivalMs));
  const cps = done.map((j) => j.trueCriticalPathMs() / maxSpeed);
  const slow = sorted(done.map((j, i) => (cps[i]! > 0 ? (j.finishedAt - j.arrivalMs) / cps[i]! : 1)));
  let first = Infinity;
  let last = 0;
  for (const j of result.jobs) if (j.arrivalMs < first) first = j.arrivalMs;
  for (const j of done) if (j.finishedAt > last) last = j.finishedAt;
  const makespan = done.length > 0 ? last - first : 0;

  let withDeadline = 0;
  let missed = 0;
  for (const j of result.jobs) {
    const d = j.info.deadline;
    if (d === null) continue;
    withDeadline++;
    if (j.failed !== null || !j.finished || j.finishedAt > d) missed++;
  }

  const waits = sorted(result.recorder.waits.view());
  let starved = 0;
  for (let i = waits.length - 1; i >= 0 && waits[i]! > threshold; i--) starved++;

  const perJob = mean(done.map((j, i) => Math.max(cps[i]!, j.trueWorkMs / cores)));
  const fluid = fluidSrpt(done.map((j) => ({ arrival: j.arrivalMs, work: j.trueWorkMs })), cores);
  const lbJct = Math.max(perJob, fluid.avgJct);
  let lastCp = 0;
  for (let i = 0; i < done.length; i++) lastCp = Math.max(lastCp, done[i]!.arrivalMs + cps[i]!);
  const lbMakespan = done.length > 0 ? Math.max(lastCp, fluid.end) - first : 0;
  const avgJct = mean(jct);
  return {
    jobs: result.jobs.length,
    completedJobs: done.length,
    failedJobs: failed,
    unfinishedJobs: result.jobs.length - done.length - failed,
    avgJctMs: avgJct,
    p50JctMs: quantileSorted(jct, 0.5),
    p95JctMs: quantileSorted(jct, 0.95),
    p99JctMs: quantileSorted(jct, 0.99),
    avgSlowdown: mean(slow),
    p95Slowdown: quantileSorted(slow, 0.95),
    makespanMs: makespan,
    deadlineMissRate: withDeadline === 0 ? 0 : missed / withDeadline,
    throughputPerSec: makespan > 0 ? done.length / (makespan / 1000) : 0,
    maxWaitMs: max(waits),
    p99WaitMs: quantileSorted(waits, 0.99),
    starvedTasks: starved,
    starvationThresholdMs: threshold,
    utilization: makespan > 0 && cores > 0 ? result.busyCoreMs / (cores * makespan) : 0,
    lowerBoundAvgJctMs: lbJct,
    lowerBoundMakespanMs: lbMakespan,
    jctRatio: lbJct > 0 ? avgJct / lbJct : 1,
    makespanRatio: lbMakespan > 0 ? makespan / lbMakespan : 1,
    events: result.events,
    rounds: result.rounds,
    attemptsStarted: result.attemptsStarted,
    attemptsFailed: result.attemptsFailed,
    attemptsLost: result.attemptsLost,
    wallMs: result.wallMs,
    eventsPerSec: result.wallMs > 0 ? result.events / (result.wallMs / 1000) : 0,
  };
}

interface FluidJob {
  readonly arrival: number;
  readonly work: number;
}

/**
 * Preemptive SRPT on one processor of speed `capacity`: average completion - arrival, and the
 * time the last work finishes. O(n log n).
 */
export function fluidSrpt(jobs: readonly FluidJob[], capacity: number): { avgJct: number; end: number } {
  if (jobs.length === 0 || capacity <= 0) return { avgJct: 0, end: 0 };
  const order = [...jobs].sort((a, b) => a.arrival - b.arrival);
  const heap = new Heap<{ left: number; arrival: number }>((a, b) => a.left < b.left);
  let t = order[0]!.arrival;
  let sum = 0;
  let i = 0;
  while (i < order.length || heap.size > 0) {
    if (heap.size === 0) t = Math.max(t, order[i]!.arrival);
    while (i < order.length && order[i]!.arrival <= t) {
      heap.push({ left: order[i]!.work / capacity, arrival: order[i]!.arrival });
      i++;
    }
    const top = heap.peek()!;
    const next = i < order.length ? order[i]!.arrival : Infinity;
    if (t + top.left <= next) {
      t += top.left;
      heap.pop();
      sum += t - top.arrival;
    } else {
      top.left -= next - t; // `left` only shrinks for the top, so the heap order holds
      t = next;
    }
  }
  return { avgJct: sum / jobs.length, end: t };
}
