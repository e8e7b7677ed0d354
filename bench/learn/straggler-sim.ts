/**
 * Experiment: anomaly restarts (and the breaker fed by them) against a slow worker, in simulation.
 *
 *   node --import tsx bench/learn/straggler-sim.ts           # the table in docs/self-tuning.md (~15 s)
 *
 * The same small event loop as breaker-sim.ts (the real Scheduler, policy `fifo`; 10 workers x 4
 * cores; single-task jobs of 1 core, exponential runtimes with mean 20 s; Poisson arrivals at 60%
 * load; 4 simulated hours), but worker w0 does not fail: it is degraded, every attempt there
 * taking 20x longer (a throttled or swapping node). Nothing fails, so a failure breaker alone
 * never opens.
 *
 * Tuned: the runtime predictor (src/learn, fed every finished attempt's runtime under one
 * signature) and the AnomalyDetector (src/learn/anomaly, engine defaults: flag past 2 x the
 * predicted p99 once 5 runs are known, and past 5 s), checked every second over the running
 * attempts, with the `restart` action: the attempt is killed and its task queued again (as the
 * engine does, rescheduled as lost), at most once per task (the engine's `maxRestarts` default:
 * a task that is simply long must not be killed forever). With "+ breaker", each restart also counts as a failure of
 * its worker (as in the engine), so the breaker (defaults) fences the slow worker. Means over seeds.
 */
import { SeededRng } from '../../src/core/clock.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import type { SchedTask, WorkerInfo } from '../../src/sched/types.js';
import { RuntimePredictor } from '../../src/learn/runtime-predictor.js';
import { AnomalyDetector } from '../../src/learn/anomaly/anomaly-detector.js';
import { BreakerSet } from '../../src/learn/breaker/circuit-breaker.js';
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
const SLOWDOWN = arg('slowdown', 10);
const SLOW = arg('slow-workers', 3);
const WORKERS = 10;
const CORES = 4;
const MEAN_MS = 20_000;
const LOAD = arg('load', 0.6);
const ARRIVE = 0, END = 1, TICK = 2;
const SIG = 'sim/job/task';
const MAX_RESTARTS = 1;

interface Task extends SchedTask {
  readonly job: SchedTask['job'] & { doneAt: number };
  readonly trueMs: number;
  attempt: number;
  worker: string;
  startedAt: number;
}

interface Outcome { meanS: number; p95S: number; p99S: number; p999S: number; maxS: number; restarts: number; onSlow: number; opens: number }

function runOnce(seed: number, restart: boolean, breaker: boolean, runtimeFactor: number): Outcome {
  const rng = new SeededRng(seed);
  const sched = new Scheduler({ policy: 'fifo' }, { rng: rng.fork() });
  const workers: WorkerInfo[] = Array.from({ length: WORKERS }, (_, i) => ({ id: `w${i}`, pool: 'default', capacity: { cpu: CORES, slots: CORES }, speed: 1, labels: {} }));
  const capacity = new WorkerCapacity(sched);
  for (const w of workers) capacity.set(w);
  const predictor = new RuntimePredictor();
  const detector = new AnomalyDetector({ runtimeFactor });
  const breakers = breaker ? new BreakerSet({ windowMs: 600_000, minRequests: 4 }) : null;
  const fences = breaker ? new WorkerFences(sched, capacity, breakers!.options.probes) : null;
  const q = new EventQueue<Task>(1024);
  const horizon = HOURS * 3600_000;
  const gap = MEAN_MS / (LOAD * WORKERS * CORES);
  const jobs: Task['job'][] = [];
  let seq = 0;
  for (let t = rng.exponential(gap); t < horizon; t += rng.exponential(gap)) {
    const job = { id: `j${jobs.length}`, namespace: 'default', arrivalAt: t, deadline: null, remainingWorkMs: 0, running: 0, totalTasks: 1, doneTasks: 0, doneAt: -1 };
    jobs.push(job);
    q.push(t, ARRIVE, { key: job.id, job, priority: 50, resources: { cpu: 1, slots: 1 }, readyAt: t, seq: seq++, deadline: null, estimateMs: MEAN_MS, bottomLevelMs: MEAN_MS, pool: null, selector: null, trueMs: rng.exponential(MEAN_MS), attempt: 0, worker: '', startedAt: 0 });
  }
  const running = new Map<string, Task>();
  const ev = poppedEvent<Task>();
  let left = jobs.length, restarts = 0, onSlow = 0, placed = 0, opens = 0;
  let nextTick = 1000;
  const record = (worker: string, ok: boolean, now: number) => {
    const t = breakers?.record(worker, ok, now);
    if (t) (fences!.set(t.key, t.to), (opens += t.to === 'open' ? 1 : 0));
  };
  while (left > 0 && q.size > 0) {
    const now = Math.min(q.peekTime(), nextTick);
    if (now === nextTick) {
      nextTick += 1000;
      if (breakers !== null) for (const t of breakers.tick(now)) (fences!.set(t.key, t.to), (opens += t.to === 'open' ? 1 : 0));
      if (restart) {
        const p = predictor.predict(SIG);
        for (const task of [...running.values()]) {
          if (p === null || p.source !== 'signature') break;
          const a = detector.checkRuntime({ key: `${task.key}#${task.attempt}`, startedAt: task.startedAt, p99Ms: p.p99Ms, samples: p.count }, now);
          if (a === null || task.attempt >= MAX_RESTARTS) continue; // engine default: 1 restart per task
          // Kill: release, fence the END event by the attempt number, queue the task again.
          running.delete(task.key);
          sched.release(task.key);
          detector.forget(`${task.key}#${task.attempt}`);
          record(task.worker, false, now);
          restarts++;
          sched.enqueue({ ...task, attempt: task.attempt + 1, readyAt: now, seq: seq++ } as Task);
        }
      }
    }
    while (q.size > 0 && q.peekTime() === now) {
      q.pop(ev);
      const task = ev.ref!;
      if (ev.kind === ARRIVE) sched.enqueue(task);
      else if (ev.kind === END) {
        if (running.get(task.key) !== task) continue; // a killed attempt's end
        running.delete(task.key);
        sched.release(task.key);
        detector.forget(`${task.key}#${task.attempt}`);
        predictor.observe(SIG, now - task.startedAt, now);
        record(task.worker, true, now);
        task.job.doneAt = now;
        left--;
      }
    }
    for (const p of sched.schedule(now).placements) {
      const task = p.task as Task;
      task.worker = p.workerId;
      task.startedAt = now;
      running.set(task.key, task);
      placed++;
      const slow = Number(p.workerId.slice(1)) < SLOW;
      if (slow) onSlow++;
      q.push(now + task.trueMs * (slow ? SLOWDOWN : 1), END, task);
    }
    if (q.size === 0 && running.size === 0 && left > 0) break;
  }
  const jct = sorted(jobs.map((j) => j.doneAt - j.arrivalAt));
  return { meanS: mean(jct) / 1000, p95S: quantileSorted(jct, 0.95) / 1000, p99S: quantileSorted(jct, 0.99) / 1000, p999S: quantileSorted(jct, 0.999) / 1000, maxS: jct[jct.length - 1]! / 1000, restarts, onSlow: onSlow / placed, opens };
}

console.log(`# ${SEEDS} seeds, ${HOURS} h, load ${LOAD}, ${SLOW} of ${WORKERS} workers ${SLOWDOWN}x slower`);
console.log('| setting | mean JCT (s) | p95 JCT (s) | p99 JCT (s) | p99.9 JCT (s) | max JCT (s) | restarts | attempts on slow workers | breaker opens |');
console.log('|---|---|---|---|---|---|---|---|---|');
const variants = [
  ['no tuner', false, false, 2], ['anomaly restart (defaults: 2 x p99)', true, false, 2],
  ['anomaly restart + breaker (window 10 min, >= 4 results)', true, true, 2],
  ['anomaly restart at 1 x p99', true, false, 1], ['anomaly restart at 1 x p99 + breaker', true, true, 1],
] as const;
for (const [name, restart, breaker, factor] of variants) {
  const outs = Array.from({ length: SEEDS }, (_, i) => runOnce(i + 1, restart, breaker, factor));
  const m = (f: (o: Outcome) => number, d = 1) => mean(outs.map(f)).toFixed(d);
  console.log(`| ${name} | ${m((o) => o.meanS)} | ${m((o) => o.p95S)} | ${m((o) => o.p99S)} | ${m((o) => o.p999S)} | ${m((o) => o.maxS, 0)} | ${m((o) => o.restarts, 0)} | ${(mean(outs.map((o) => o.onSlow)) * 100).toFixed(1)}% | ${m((o) => o.opens)} |`);
}
