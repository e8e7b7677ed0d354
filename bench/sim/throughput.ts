/**
 * Simulator throughput: `node --import tsx bench/sim/throughput.ts [policy] [jobs]`.
 *
 * 1. The event queue alone: push/pop pairs per second at a steady depth of 1,000 events.
 * 2. The Decima continuous experiment (TPC-H, Poisson at 85% load, 50 executors, default 1,000
 *    jobs) under the real src/sched Scheduler: wall time and events per second end to end.
 * 3. The same run with every SchedulerApi call timed (a pass-through wrapper, no policy code), to
 *    split the wall time between the scheduler and the simulator's own work; the wrapper's clock
 *    reads (~3 M calls) add a little to the scheduler side.
 * Numbers go to docs/simulator.md; the machine and Node version are printed with them.
 */
import { cpus } from 'node:os';
import { SeededRng } from '../../src/core/clock.js';
import type { SchedulerApi, SchedulerConfig } from '../../src/sched/types.js';
import { EventQueue, poppedEvent } from '../../src/sim/event-queue.js';
import { compileExperiment, defaultSchedulerFactory, runExperiment } from '../../src/sim/experiment.js';

const policy = process.argv[2] ?? 'fifo';
const jobs = Number(process.argv[3] ?? 1000);

function queueRate(): number {
  const q = new EventQueue<null>(2048);
  const rng = new SeededRng(1);
  let t = 0;
  for (let i = 0; i < 1000; i++) q.push(rng.next() * 1000, 0, null);
  const ev = poppedEvent<null>();
  const n = 5_000_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    q.pop(ev);
    t = ev.time;
    q.push(t + rng.next() * 1000, 0, null);
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Forwards every call and adds its duration to `spent.ms`. */
function timed(inner: SchedulerApi, spent: { ms: number }): SchedulerApi {
  const wrap = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
    const t0 = performance.now();
    try {
      return f(...a);
    } finally {
      spent.ms += performance.now() - t0;
    }
  };
  return {
    configure: wrap((c: SchedulerConfig) => inner.configure(c)),
    get config() {
      return inner.config;
    },
    addWorker: wrap((w) => inner.addWorker(w)),
    removeWorker: wrap((id) => inner.removeWorker(id)),
    workers: () => inner.workers(),
    allocated: (id) => inner.allocated(id),
    enqueue: wrap((t) => inner.enqueue(t)),
    ...(inner.enqueueFresh ? { enqueueFresh: wrap((t) => inner.enqueueFresh!(t)) } : {}),
    remove: wrap((k) => inner.remove(k)),
    release: wrap((k) => inner.release(k)),
    ...(inner.releaseHandle ? { releaseHandle: wrap((h: unknown, t) => inner.releaseHandle!(h, t)) } : {}),
    schedule: wrap((now: number) => inner.schedule(now)),
    waiting: () => inner.waiting(),
    reasonOf: (k) => inner.reasonOf(k),
    get queuedCount() {
      return inner.queuedCount;
    },
    get runningCount() {
      return inner.runningCount;
    },
  };
}

console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}`);
console.log(`event queue: ${(queueRate() / 1e6).toFixed(1)} M push+pop pairs/s at depth 1,000`);

const exp = compileExperiment({ workload: 'tpch', arrivals: 'poisson', load: 0.85, jobs, executors: 50, seed: 1 });
const plain = runExperiment(exp, { policy }).metrics;
console.log(
  `decima-continuous, ${jobs} jobs, ${policy}: ${plain.events.toLocaleString('en-US')} events, ${plain.rounds.toLocaleString('en-US')} scheduling rounds, ` +
    `${(plain.wallMs / 1000).toFixed(2)} s wall = ${Math.round(plain.eventsPerSec).toLocaleString('en-US')} events/s (avg JCT ${(plain.avgJctMs / 1000).toFixed(1)} s)`,
);

const spent = { ms: 0 };
const split = runExperiment(exp, { policy }, { makeScheduler: (c, rng) => timed(defaultSchedulerFactory(c, rng), spent) }).metrics;
const simMs = split.wallMs - spent.ms;
console.log(
  `split: scheduler calls ${(spent.ms / 1000).toFixed(2)} s, simulator ${(simMs / 1000).toFixed(2)} s ` +
    `=> simulator alone ${Math.round(split.events / (simMs / 1000)).toLocaleString('en-US')} events/s`,
);
