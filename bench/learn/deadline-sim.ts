/**
 * Experiment: deadline-risk priority boosts in the simulator.
 *
 *   node --import tsx bench/learn/deadline-sim.ts            # the table in docs/self-tuning.md (~1 min)
 *   node --import tsx bench/learn/deadline-sim.ts --trace    # seed 1's first decisions
 *
 * The real simulator (src/sim) and the real Scheduler (policy `priority`: priority, then
 * arrival), wrapped (RunOptions.makeScheduler, as in share-tuning-sim.ts) so that every
 * `CHECK_MS` of virtual time the wrapper assesses each job with a deadline through the same
 * DeadlineRisk the engine uses (src/learn/deadline): remaining critical path = the largest
 * bottom level (estimated ms to the job's end, from the stage means) over its queued tasks, and
 * over its running ones minus their elapsed time. A `boost` decision re-enqueues the job's queued
 * tasks with the boosted priority (remove, change, enqueue: the task keeps its `seq`); tasks the
 * job releases later are enqueued boosted too. Nothing in src/sim changed.
 *
 * Workload (synthetic, per seed): 24 one-core workers; Poisson arrivals at 90% load over 6
 * simulated hours; each job a chain of 2-4 stages of 1-8 tasks, stage mean runtime
 * exponential(10 s), actual task runtimes exponential around the stage mean. 30% of the jobs
 * have a deadline of U(1.5, 4) x their estimated critical path after arrival; all have the same
 * declared priority (50). Means over seeds.
 */
import { SeededRng, type Rng } from '../../src/core/clock.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import type { RoundResult, SchedulerApi, SchedulerConfig, SchedTask } from '../../src/sched/types.js';
import { DeadlineRisk, type DeadlineRiskOptions } from '../../src/learn/deadline/deadline-risk.js';
import { WaitEstimate } from '../../src/learn/deadline/wait-estimate.js';
import { compileExperiment, runExperiment, type JobSpec, type Workload } from '../../src/sim/index.js';
import { mean } from '../../src/sim/stats.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SEEDS = arg('seeds', 5);
const HOURS = arg('hours', 6);
const LOAD = arg('load', 0.9);
const trace = args.includes('--trace');
const WORKERS = 24;
const CHECK_MS = 10_000;
const BASE_PRIORITY = 50;

function workload(seed: number): Workload {
  const rng = new SeededRng(seed * 104729 + 7);
  const jobs: JobSpec[] = [];
  const drawn: { stages: JobSpec['stages']; work: number; cp: number }[] = [];
  // Draw job shapes first to know the mean work per job, then space arrivals for the load.
  for (let i = 0; i < 5000; i++) {
    const n = 2 + rng.int(3);
    const stages: JobSpec['stages'][number][] = [];
    let work = 0, cp = 0;
    for (let s = 0; s < n; s++) {
      const numTasks = 1 + rng.int(8);
      const estimateMs = Math.max(500, rng.exponential(10_000));
      const sampler = { sample: (_i: number, _n: number, r: Rng): number => -Math.log(1 - r.next()) * estimateMs };
      stages.push({ id: `s${s}`, parents: s === 0 ? [] : [s - 1], numTasks, estimateMs, resources: { cpu: 1 }, sampler });
      work += numTasks * estimateMs;
      cp += estimateMs;
    }
    drawn.push({ stages, work, cp });
  }
  const meanWork = mean(drawn.map((d) => d.work));
  const gap = meanWork / (LOAD * WORKERS);
  let t = 0;
  for (const d of drawn) {
    t += rng.exponential(gap);
    if (t > HOURS * 3600_000) break;
    const hasDeadline = rng.next() < 0.3;
    jobs.push({
      name: `j${jobs.length}`, namespace: 'default', arrivalMs: Math.round(t), priority: BASE_PRIORITY,
      relativeDeadlineMs: hasDeadline ? Math.round(d.cp * (1.5 + 2.5 * rng.next())) : null, stages: d.stages,
    });
  }
  return { name: 'deadline-mix', jobs, cluster: [{ count: WORKERS, capacity: { cpu: 1 }, speed: 1 }], workerShape: { cpu: 1 }, defaultArrivals: 'trace', draw: false, defaultJobs: jobs.length };
}

/** Stages from this task's to the end of its job, itself included (the workload's jobs are chains). */
function depthOf(t: SchedTask): number {
  const s = t as SchedTask & { sj: { spec: JobSpec }; stage: number };
  return s.sj.spec.stages.length - s.stage;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class DeadlineScheduler implements SchedulerApi {
  readonly inner: Scheduler;
  readonly queued = new Map<string, SchedTask>();
  readonly running = new Map<string, { task: SchedTask; at: number }>();
  readonly byJob = new Map<string, Set<string>>();
  readonly jobs = new Map<string, SchedTask['job']>();
  boosts = 0;
  readonly wait = new WaitEstimate();
  #next = CHECK_MS;
  constructor(config: SchedulerConfig, rng: Rng, readonly risk: DeadlineRisk | null, readonly queueAware: boolean) {
    this.inner = new Scheduler(config, { rng });
  }
  get config(): Readonly<SchedulerConfig> { return this.inner.config; }
  configure(c: SchedulerConfig): void { this.inner.configure(c); }
  addWorker(w: Parameters<SchedulerApi['addWorker']>[0]): void { this.inner.addWorker(w); }
  removeWorker(id: string): void { this.inner.removeWorker(id); }
  workers(): ReturnType<SchedulerApi['workers']> { return this.inner.workers(); }
  allocated(id: string): ReturnType<SchedulerApi['allocated']> { return this.inner.allocated(id); }
  waiting(): ReturnType<SchedulerApi['waiting']> { return this.inner.waiting(); }
  reasonOf(key: string): ReturnType<SchedulerApi['reasonOf']> { return this.inner.reasonOf(key); }
  get queuedCount(): number { return this.inner.queuedCount; }
  get runningCount(): number { return this.inner.runningCount; }

  enqueue(t: SchedTask): void {
    const boost = this.risk?.boostOf(t.job.id) ?? 0;
    if (boost > 0) (t as Mutable<SchedTask>).priority = Math.min(this.risk!.options.maxPriority, t.priority + boost);
    this.queued.set(t.key, t);
    this.jobs.set(t.job.id, t.job);
    let s = this.byJob.get(t.job.id);
    if (s === undefined) this.byJob.set(t.job.id, (s = new Set()));
    s.add(t.key);
    this.inner.enqueue(t);
  }
  remove(key: string): void {
    const t = this.queued.get(key);
    if (t !== undefined) (this.queued.delete(key), this.byJob.get(t.job.id)?.delete(key));
    this.inner.remove(key);
  }
  release(key: string): void {
    const r = this.running.get(key);
    if (r !== undefined) {
      this.running.delete(key);
      const s = this.byJob.get(r.task.job.id);
      s?.delete(key);
      if (s?.size === 0) (this.byJob.delete(r.task.job.id), this.jobs.delete(r.task.job.id));
    }
    this.inner.release(key);
  }

  schedule(now: number): RoundResult {
    if (this.risk !== null && now >= this.#next) {
      this.#next = now + CHECK_MS;
      this.#check(now);
    }
    const r = this.inner.schedule(now);
    for (const p of r.placements) {
      this.queued.delete(p.task.key);
      this.running.set(p.task.key, { task: p.task, at: now });
      this.wait.observe(now - p.task.readyAt);
    }
    return r;
  }

  #check(now: number): void {
    for (const [jobId, keys] of this.byJob) {
      const job = this.jobs.get(jobId)!;
      if (job.deadline === null) continue;
      let remaining = 0;
      for (const k of keys) {
        const q = this.queued.get(k);
        // Chains: a task of stage s still has (stages - s) queue waits ahead of it, itself included.
        const waits = (t: SchedTask, self: number) => (this.queueAware ? this.wait.valueMs * (depthOf(t) - 1 + self) : 0);
        if (q !== undefined) remaining = Math.max(remaining, q.bottomLevelMs + waits(q, 1));
        const r = this.running.get(k);
        if (r !== undefined) remaining = Math.max(remaining, r.task.bottomLevelMs - (now - r.at) + waits(r.task, 0));
      }
      for (const d of this.risk!.assess({ runId: jobId, deadlineAt: job.deadline, remainingMs: remaining, basePriority: BASE_PRIORITY }, now)) {
        if (trace && this.risk!.decisions.length <= 8) console.log(`  ${(now / 60_000).toFixed(1)} min ${jobId} ${d.action}: ${d.reason}`);
        if (d.action !== 'boost') continue;
        for (const k of keys) {
          const q = this.queued.get(k);
          if (q === undefined) continue;
          this.inner.remove(k);
          (q as Mutable<SchedTask>).priority = d.priority!;
          this.inner.enqueue(q);
          this.boosts++;
        }
      }
    }
    this.risk!.forgetExcept(this.byJob);
  }
}

interface Outcome { missRate: number; deadlineJct: number; otherJct: number; allJct: number; boosts: number; jobs: number }

function runOnce(seed: number, risk: Partial<DeadlineRiskOptions> | null, queueAware: boolean, policy = 'priority'): Outcome {
  const exp = compileExperiment({ workload: workload(seed), seed, arrivals: 'trace', durations: 'sampled' });
  let sched: DeadlineScheduler | null = null;
  const { result } = runExperiment(exp, { policy }, {
    makeScheduler: (config, rng) => (sched = new DeadlineScheduler(config, rng, risk === null ? null : new DeadlineRisk(risk), queueAware)),
  });
  const jobs = result.jobs.filter((j) => j.failed === null);
  const withD = jobs.filter((j) => j.info.deadline !== null);
  const without = jobs.filter((j) => j.info.deadline === null);
  const jct = (js: typeof jobs) => mean(js.map((j) => j.finishedAt - j.arrivalMs)) / 1000;
  return {
    missRate: withD.filter((j) => j.finishedAt > j.info.deadline!).length / withD.length,
    deadlineJct: jct(withD), otherJct: jct(without), allJct: jct(jobs), boosts: (sched! as DeadlineScheduler).boosts, jobs: jobs.length,
  };
}

const variants: { name: string; risk: Partial<DeadlineRiskOptions> | null; queueAware: boolean; policy?: string }[] = [
  { name: 'untuned (no boost)', risk: null, queueAware: true },
  { name: 'boost, critical path only (margin 10% of time left)', risk: { boostEveryMs: CHECK_MS }, queueAware: false },
  { name: 'boost, critical path only, margin 60%', risk: { boostEveryMs: CHECK_MS, marginFraction: 0.6 }, queueAware: false },
  { name: 'boost, queue-aware (defaults: margin 10%, +20 per 10 s, max +50)', risk: { boostEveryMs: CHECK_MS }, queueAware: true },
  { name: 'boost, queue-aware, margin 30%', risk: { boostEveryMs: CHECK_MS, marginFraction: 0.3 }, queueAware: true },
  { name: 'reference: policy edf, no tuner', risk: null, queueAware: false, policy: 'edf' },
];
console.log(`# ${SEEDS} seeds, ${HOURS} h, load ${LOAD}, ${WORKERS} workers, check every ${CHECK_MS / 1000} s`);
console.log('| setting | jobs | deadline misses [min-max] | mean JCT, deadline jobs (s) | mean JCT, other jobs (s) | mean JCT, all (s) | tasks boosted |');
console.log('|---|---|---|---|---|---|---|');
for (const v of variants) {
  if (trace && v.risk !== null && v.risk.marginFraction === undefined && v.risk.boost !== false) console.log('# seed 1 decisions');
  const outs = Array.from({ length: SEEDS }, (_, i) => runOnce(i + 1, v.risk, v.queueAware, v.policy));
  const m = (f: (o: Outcome) => number) => mean(outs.map(f));
  const rng = `[${(Math.min(...outs.map((o) => o.missRate)) * 100).toFixed(1)}-${(Math.max(...outs.map((o) => o.missRate)) * 100).toFixed(1)}]`;
  console.log(`| ${v.name} | ${m((o) => o.jobs).toFixed(0)} | ${(m((o) => o.missRate) * 100).toFixed(1)}% ${rng} | ${m((o) => o.deadlineJct).toFixed(1)} | ${m((o) => o.otherJct).toFixed(1)} | ${m((o) => o.allJct).toFixed(1)} | ${m((o) => o.boosts).toFixed(0)} |`);
}
