/**
 * Priority-share tuning in the simulator: a two-priority workload where WRR's default 90/10 shares
 * starve normal priority's p95 wait objective, run untuned and tuned. Usage:
 *
 *   node --import tsx bench/learn/share-tuning-sim.ts [--seeds 5] [--hours 6] [--window-min 5] [--json] [--trace]
 *
 * Workload: 20 one-core workers; single-task jobs with exponential runtimes (mean 10 s), Poisson
 * arrivals: high priority (100) at 72% of capacity, normal (50) at 22% (94% in all). Objectives:
 * p95 wait of high <= 30 s, of normal <= 45 s. Bounds: high share in [0.5, 0.95], normal in
 * [0.05, 0.5].
 *
 * How the tuner is driven: src/sim has no hook for changing settings mid-run, but the simulator
 * takes any SchedulerApi (RunOptions.makeScheduler), so a thin wrapper around the real Scheduler
 * closes a window every `window-min` simulated minutes at the start of a scheduling round, hands
 * the tuner the waits of the tasks placed in that window plus the current age of every task still
 * waiting (so a starving level shows up before its tasks are finally placed), and calls
 * `scheduler.configure` with the new shares. The simulator itself is unchanged.
 */
import { SeededRng, type Rng } from '../../src/core/clock.js';
import { ShareTuner, withShares, type Shares } from '../../src/learn/share-tuner.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import type { RoundResult, SchedulerApi, SchedulerConfig, SchedTask } from '../../src/sched/types.js';
import { compileExperiment, runExperiment, type Workload, type JobSpec } from '../../src/sim/index.js';
import { mean, quantileSorted, sorted } from '../../src/sim/stats.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SEEDS = arg('seeds', 5);
const HOURS = arg('hours', 6);
const WINDOW_MS = arg('window-min', 5) * 60_000;
const asJson = args.includes('--json');
const trace = args.includes('--trace');

const WORKERS = 20;
const MEAN_MS = 10_000;
const LOAD = { high: 0.72, normal: 0.22 };
const OBJECTIVES = { high: 30_000, normal: 45_000 };
const BOUNDS = { high: { min: 0.5, max: 0.95 }, normal: { min: 0.05, max: 0.5 } };
const DEFAULT: Shares = { high: 0.9, normal: 0.1 };

const levelOf = (t: SchedTask): 'high' | 'normal' | 'low' => (t.priority >= 100 ? 'high' : t.priority >= 50 ? 'normal' : 'low');

function workload(seed: number): Workload {
  const rng = new SeededRng(seed * 7919 + 1);
  const capacityPerMs = WORKERS / MEAN_MS;
  const jobs: JobSpec[] = [];
  const horizon = HOURS * 3600_000;
  const exp = { sample: (_i: number, _n: number, r: Rng): number => -Math.log(1 - r.next()) * MEAN_MS };
  for (const [level, load] of Object.entries(LOAD)) {
    const gap = 1 / (load * capacityPerMs);
    for (let t = rng.exponential(gap), i = 0; t < horizon; t += rng.exponential(gap), i++) {
      jobs.push({
        name: `${level}-${i}`, namespace: 'default', arrivalMs: Math.round(t), priority: level === 'high' ? 100 : 50, relativeDeadlineMs: null,
        stages: [{ id: 't', parents: [], numTasks: 1, estimateMs: MEAN_MS, resources: { cpu: 1 }, sampler: exp }],
      });
    }
  }
  jobs.sort((a, b) => a.arrivalMs! - b.arrivalMs!);
  return { name: 'two-priority', jobs, cluster: [{ count: WORKERS, capacity: { cpu: 1 }, speed: 1 }], workerShape: { cpu: 1 }, defaultArrivals: 'trace', draw: false, defaultJobs: jobs.length };
}

/** The real Scheduler, plus a window every WINDOW_MS that feeds the tuner and applies its shares. */
class TunedScheduler implements SchedulerApi {
  readonly inner: Scheduler;
  readonly waits = { high: [] as number[], normal: [] as number[] };
  /** Every placement's wait with its time, for the run's metrics. */
  readonly placed: { at: number; level: string; wait: number }[] = [];
  readonly trajectory: { at: number; shares: Shares; reason: string }[] = [];
  #windowEnd = WINDOW_MS;
  constructor(config: SchedulerConfig, rng: Rng, readonly tuner: ShareTuner | null) {
    this.inner = new Scheduler(config, { rng });
  }
  get config(): Readonly<SchedulerConfig> { return this.inner.config; }
  configure(c: SchedulerConfig): void { this.inner.configure(c); }
  addWorker(w: Parameters<SchedulerApi['addWorker']>[0]): void { this.inner.addWorker(w); }
  removeWorker(id: string): void { this.inner.removeWorker(id); }
  workers(): ReturnType<SchedulerApi['workers']> { return this.inner.workers(); }
  allocated(id: string): ReturnType<SchedulerApi['allocated']> { return this.inner.allocated(id); }
  enqueue(t: SchedTask): void { this.inner.enqueue(t); }
  remove(key: string): void { this.inner.remove(key); }
  release(key: string): void { this.inner.release(key); }
  waiting(): ReturnType<SchedulerApi['waiting']> { return this.inner.waiting(); }
  reasonOf(key: string): ReturnType<SchedulerApi['reasonOf']> { return this.inner.reasonOf(key); }
  get queuedCount(): number { return this.inner.queuedCount; }
  get runningCount(): number { return this.inner.runningCount; }

  schedule(now: number): RoundResult {
    while (now >= this.#windowEnd) this.#closeWindow(this.#windowEnd);
    const r = this.inner.schedule(now);
    for (const p of r.placements) {
      const level = levelOf(p.task);
      const wait = now - p.task.readyAt;
      if (level !== 'low') this.waits[level].push(wait);
      this.placed.push({ at: now, level, wait });
    }
    return r;
  }

  #closeWindow(at: number): void {
    this.#windowEnd += WINDOW_MS;
    const w = { high: this.waits.high.splice(0), normal: this.waits.normal.splice(0) };
    for (const q of this.inner.waiting()) {
      const l = levelOf(q.task);
      if (l !== 'low') w[l].push(at - q.task.readyAt);
    }
    if (this.tuner === null) return;
    const d = this.tuner.observe({ atMs: at, waits: w });
    if (d.changed) {
      this.inner.configure(withShares(this.inner.config, d.to));
      this.trajectory.push({ at, shares: d.to, reason: d.reason });
    }
  }
}

interface Outcome {
  highP95: number; normalP95: number; highP95Late: number; normalP95Late: number;
  normalMeets: number; highMeets: number; changes: number; final: Shares; reversals: number;
}

function runOnce(seed: number, initial: Shares, tune: boolean, hysteresis?: number): Outcome {
  const exp = compileExperiment({ workload: workload(seed), seed, arrivals: 'trace' });
  let sched: TunedScheduler | null = null;
  const tuner = tune ? new ShareTuner({ initial, objectives: OBJECTIVES, bounds: BOUNDS, ...(hysteresis !== undefined ? { hysteresis } : {}) }) : null;
  runExperiment(exp, { policy: 'wrr', settings: { shares: initial } }, {
    makeScheduler: (config, rng) => (sched = new TunedScheduler(config, rng, tuner)),
  });
  const s = sched! as TunedScheduler;
  const p95 = (level: string, from: number): number => quantileSorted(sorted(s.placed.filter((x) => x.level === level && x.at >= from).map((x) => x.wait)), 0.95);
  const horizon = HOURS * 3600_000;
  // Share of windows (by placement time) whose p95 met the objective.
  const meets = (level: 'high' | 'normal'): number => {
    let ok = 0, n = 0;
    for (let t = 0; t < horizon; t += WINDOW_MS) {
      const xs = s.placed.filter((x) => x.level === level && x.at >= t && x.at < t + WINDOW_MS).map((x) => x.wait);
      if (xs.length === 0) continue;
      n++;
      if (quantileSorted(sorted(xs), 0.95) <= OBJECTIVES[level]) ok++;
    }
    return n > 0 ? ok / n : 1;
  };
  let reversals = 0;
  for (let i = 1; i < s.trajectory.length; i++) {
    const a = s.trajectory[i - 1]!.shares.normal! - (i >= 2 ? s.trajectory[i - 2]!.shares.normal! : initial.normal!);
    const b = s.trajectory[i]!.shares.normal! - s.trajectory[i - 1]!.shares.normal!;
    if (a * b < 0) reversals++;
  }
  if (trace && tune && seed === 1 && hysteresis === undefined) {
    console.log('# seed 1 share changes');
    for (const t of s.trajectory) console.log(`  ${(t.at / 60_000).toFixed(0)} min: ${t.reason}`);
  }
  return {
    highP95: p95('high', 0), normalP95: p95('normal', 0),
    highP95Late: p95('high', horizon / 2), normalP95Late: p95('normal', horizon / 2),
    normalMeets: meets('normal'), highMeets: meets('high'),
    changes: s.trajectory.length, final: tuner?.shares ?? initial, reversals,
  };
}

const variants: { name: string; initial: Shares; tune: boolean; hysteresis?: number }[] = [
  { name: 'default 90/10, untuned', initial: DEFAULT, tune: false },
  { name: 'tuned from 90/10 (defaults: band 20%, step 0.05)', initial: DEFAULT, tune: true },
  { name: 'tuned from 90/10, band 10%', initial: DEFAULT, tune: true, hysteresis: 0.1 },
  { name: 'static 70/30 (about where tuning ends)', initial: { high: 0.7, normal: 0.3 }, tune: false },
  { name: 'static 50/50 (for contrast)', initial: { high: 0.5, normal: 0.5 }, tune: false },
];

const rows = variants.map((v) => {
  const outs: Outcome[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) outs.push(runOnce(seed, v.initial, v.tune, v.hysteresis));
  const m = (f: (o: Outcome) => number): number => mean(outs.map(f));
  return {
    name: v.name,
    highP95: m((o) => o.highP95), normalP95: m((o) => o.normalP95),
    highP95Late: m((o) => o.highP95Late), normalP95Late: m((o) => o.normalP95Late),
    highMeets: m((o) => o.highMeets), normalMeets: m((o) => o.normalMeets),
    changes: m((o) => o.changes), reversals: m((o) => o.reversals),
    finalNormal: m((o) => o.final.normal!), finalNormalMin: Math.min(...outs.map((o) => o.final.normal!)), finalNormalMax: Math.max(...outs.map((o) => o.final.normal!)),
  };
});

if (asJson) console.log(JSON.stringify({ seeds: SEEDS, hours: HOURS, windowMs: WINDOW_MS, objectives: OBJECTIVES, bounds: BOUNDS, rows }, null, 2));
else {
  console.log(`${WORKERS} workers, ${HOURS} h, load high ${LOAD.high} + normal ${LOAD.normal}, windows of ${WINDOW_MS / 60_000} min; objectives p95 wait high <= ${OBJECTIVES.high / 1000} s, normal <= ${OBJECTIVES.normal / 1000} s; means over ${SEEDS} seeds\n`);
  console.log('| shares | high p95 wait (s) | normal p95 wait (s) | 2nd half: high / normal p95 (s) | windows meeting objective: high / normal | share changes | reversals | final normal share [min-max] |');
  console.log('|---|---|---|---|---|---|---|---|');
  const s = (x: number): string => (x / 1000).toFixed(1);
  for (const r of rows) {
    console.log(`| ${r.name} | ${s(r.highP95)} | ${s(r.normalP95)} | ${s(r.highP95Late)} / ${s(r.normalP95Late)} | ${(100 * r.highMeets).toFixed(0)}% / ${(100 * r.normalMeets).toFixed(0)}% | ${r.changes.toFixed(1)} | ${r.reversals.toFixed(1)} | ${r.finalNormal.toFixed(3)} [${r.finalNormalMin.toFixed(3)}-${r.finalNormalMax.toFixed(3)}] |`);
  }
}
