/**
 * Experiment: the per-worker circuit breaker against a "black hole" worker, in simulation.
 *
 *   node --import tsx bench/learn/breaker-sim.ts            # the table in docs/self-tuning.md (~10 s)
 *   node --import tsx bench/learn/breaker-sim.ts --trace    # seed 1's breaker transitions
 *
 * Its own small discrete-event loop driving the real Scheduler (src/sim's simulator has a
 * failure probability shared by all workers, not a per-worker one). 10 workers x 4 cores (4
 * slots); single-task jobs (1 core, 1 slot), exponential runtimes (mean 20 s), Poisson arrivals
 * at 70% of capacity for 4 simulated hours. Worker w0 is broken for the first 2 hours: every
 * attempt placed there fails after 2% of its runtime — a black hole, which the scheduler keeps
 * feeding because it always has free room. It then heals. A failed attempt is retried after 1 s,
 * up to 3 retries (4 attempts), then its job fails.
 *
 * Tuned: the breaker (src/learn/breaker, defaults: window 60 s, >= 5 results and >= 50% failed,
 * or 5 failures in a row; cool-down 30 s doubling to 10 min on failed probes; 2 probes) fed each
 * attempt's outcome by worker id, applied with the engine's own WorkerFences (capacity 0 while
 * open, running + 2 slots while half-open). Means over seeds.
 */
import { SeededRng } from '../../src/core/clock.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import type { SchedTask, WorkerInfo } from '../../src/sched/types.js';
import { BreakerSet, type BreakerTransition } from '../../src/learn/breaker/circuit-breaker.js';
import { WorkerFences } from '../../src/engine/tuners-fences.js';
import { WorkerCapacity } from '../../src/engine/worker-capacity.js';
import { EventQueue, poppedEvent } from '../../src/sim/event-queue.js';
import { mean, quantileSorted, sorted } from '../../src/sim/stats.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SEEDS = arg('seeds', 5);
const HOURS = arg('hours', 4);
const BROKEN_UNTIL = arg('broken-hours', 2) * 3600_000;
const trace = args.includes('--trace');

const WORKERS = 10;
const CORES = 4;
const MEAN_MS = 20_000;
const LOAD = 0.7;
const MAX_ATTEMPTS = 4;
const RETRY_DELAY_MS = 1000;
const FAIL_AT = 0.02;

const ARRIVE = 0, END = 1, RETRY = 2, TICK = 3;

interface Task extends SchedTask {
  readonly job: SchedTask['job'] & { failed: boolean; doneAt: number };
  attempt: number;
  readonly trueMs: number;
  worker: string;
  startedAt: number;
}

interface Outcome {
  failedJobs: number; failedAttempts: number; meanJctS: number; p95JctS: number;
  badShareBroken: number; badShareHealed: number; transitions: number; jobs: number;
}

function runOnce(seed: number, tuned: boolean): Outcome {
  const rng = new SeededRng(seed);
  const sched = new Scheduler({ policy: 'fifo' }, { rng: rng.fork() });
  const workers: WorkerInfo[] = Array.from({ length: WORKERS }, (_, i) => ({ id: `w${i}`, pool: 'default', capacity: { cpu: CORES, slots: CORES }, speed: 1, labels: {} }));
  const capacity = new WorkerCapacity(sched);
  for (const w of workers) capacity.set(w);
  const breakers = tuned ? new BreakerSet() : null;
  const fences = tuned ? new WorkerFences(sched, capacity, breakers!.options.probes) : null;
  const moved = (t: BreakerTransition) => {
    fences!.set(t.key, t.to);
    if (trace && seed === 1) console.log(`  ${(t.at / 60_000).toFixed(1)} min ${t.key} ${t.from} -> ${t.to}: ${t.reason}`);
  };
  const q = new EventQueue<Task>(1024);
  const horizon = HOURS * 3600_000;
  const gap = MEAN_MS / (LOAD * WORKERS * CORES);
  const jobs: Task['job'][] = [];
  let seq = 0;
  for (let t = rng.exponential(gap); t < horizon; t += rng.exponential(gap)) {
    const job = { id: `j${jobs.length}`, namespace: 'default', arrivalAt: t, deadline: null, remainingWorkMs: 0, running: 0, totalTasks: 1, doneTasks: 0, failed: false, doneAt: -1 };
    jobs.push(job);
    const task: Task = { key: job.id, job, priority: 50, resources: { cpu: 1, slots: 1 }, readyAt: t, seq: seq++, deadline: null, estimateMs: MEAN_MS, bottomLevelMs: MEAN_MS, pool: null, selector: null, attempt: 0, trueMs: rng.exponential(MEAN_MS), worker: '', startedAt: 0 };
    q.push(t, ARRIVE, task);
  }
  for (let t = 1000; t < horizon * 3; t += 1000) q.push(t, TICK, undefined);
  const ev = poppedEvent<Task>();
  let failedAttempts = 0, transitions = 0, left = jobs.length;
  const onBad = { broken: 0, healed: 0 }, all = { broken: 0, healed: 0 };
  while (left > 0 && q.size > 0) {
    const now = q.peekTime();
    while (q.size > 0 && q.peekTime() === now) {
      q.pop(ev);
      const task = ev.ref!;
      switch (ev.kind) {
        case ARRIVE:
        case RETRY:
          sched.enqueue(ev.kind === RETRY ? { ...task, readyAt: now, seq: seq++ } as Task : task);
          break;
        case TICK:
          if (breakers !== null) for (const t of breakers.tick(now)) (moved(t), transitions++);
          break;
        case END: {
          sched.release(task.key);
          const ok = !(task.worker === 'w0' && task.startedAt < BROKEN_UNTIL);
          if (breakers !== null) {
            const t = breakers.record(task.worker, ok, now);
            if (t !== null) (moved(t), transitions++);
          }
          if (ok) {
            task.job.doneAt = now;
            left--;
          } else {
            failedAttempts++;
            if (task.attempt + 1 >= MAX_ATTEMPTS) (task.job.failed = true), left--;
            else q.push(now + RETRY_DELAY_MS, RETRY, { ...task, attempt: task.attempt + 1 });
          }
          break;
        }
      }
    }
    for (const p of sched.schedule(now).placements) {
      const task = p.task as Task;
      task.worker = p.workerId;
      task.startedAt = now;
      const phase = now < BROKEN_UNTIL ? 'broken' : 'healed';
      all[phase]++;
      if (p.workerId === 'w0') onBad[phase]++;
      const broken = p.workerId === 'w0' && now < BROKEN_UNTIL;
      q.push(now + (broken ? task.trueMs * FAIL_AT : task.trueMs), END, task);
    }
  }
  const jct = sorted(jobs.filter((j) => !j.failed).map((j) => j.doneAt - j.arrivalAt));
  return {
    failedJobs: jobs.filter((j) => j.failed).length / jobs.length, failedAttempts, meanJctS: mean(jct) / 1000, p95JctS: quantileSorted(jct, 0.95) / 1000,
    badShareBroken: onBad.broken / Math.max(1, all.broken), badShareHealed: onBad.healed / Math.max(1, all.healed), transitions, jobs: jobs.length,
  };
}

const rows: string[] = [];
for (const tuned of [false, true]) {
  if (trace && tuned) console.log('# seed 1 breaker transitions');
  const outs = Array.from({ length: SEEDS }, (_, i) => runOnce(i + 1, tuned));
  const m = (f: (o: Outcome) => number) => mean(outs.map(f));
  const range = (f: (o: Outcome) => number, d = 2) => `[${Math.min(...outs.map(f)).toFixed(d)}-${Math.max(...outs.map(f)).toFixed(d)}]`;
  rows.push(`| ${tuned ? 'breaker (defaults)' : 'no breaker'} | ${m((o) => o.jobs).toFixed(0)} | ${(m((o) => o.failedJobs) * 100).toFixed(2)}% ${range((o) => o.failedJobs * 100)} | ${m((o) => o.failedAttempts).toFixed(0)} | ${m((o) => o.meanJctS).toFixed(1)} | ${m((o) => o.p95JctS).toFixed(1)} | ${(m((o) => o.badShareBroken) * 100).toFixed(1)}% | ${(m((o) => o.badShareHealed) * 100).toFixed(1)}% | ${m((o) => o.transitions).toFixed(1)} |`);
}
console.log(`# ${SEEDS} seeds, ${HOURS} h, w0 broken for ${BROKEN_UNTIL / 3600_000} h`);
console.log('| setting | jobs | jobs failed [min-max] | failed attempts | mean JCT (s) | p95 JCT (s) | attempts on w0 while broken | attempts on w0 after healing | breaker transitions |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
