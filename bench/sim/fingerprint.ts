/**
 * Behaviour fingerprint of the scheduler as the simulator drives it: the safety net for
 * performance work that must not change a single decision.
 *
 *   node --import tsx bench/sim/fingerprint.ts --write bench/sim/fingerprint.json
 *   node --import tsx bench/sim/fingerprint.ts --check bench/sim/fingerprint.json
 *   node --import tsx bench/sim/fingerprint.ts --dump 'tpch-continuous-60 fifo greedy'   # hashed text, to diff
 *
 * Runs seeded workloads x every registered policy x every admission mode (plus a quota and a
 * first-fit variant) and hashes, per run: every placement (round time, task key, worker), every
 * expiry (task key, reason, detail), the wait reasons of every waiting task in a sample of rounds
 * (in `waiting()` order; `reasonOf` of the first one too), the reservation in those rounds, and the
 * run's summary (events, rounds, attempts, end time, per-job finish times and failures).
 * `--check` exits 1 and names the runs that differ. The wrapper only observes: it forwards every
 * SchedulerApi call unchanged (the simulator still drives the real Scheduler).
 */
import { createHash, type Hash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { policyNames } from '../../src/sched/registry.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import type { AdmissionMode, SchedulerApi, SchedulerConfig } from '../../src/sched/types.js';
import { compileExperiment, runExperiment, type Experiment, type ExperimentOptions } from '../../src/sim/experiment.js';

/** Every `SAMPLE`-th round (and the first few) has its wait reasons hashed. */
const SAMPLE = 53;

interface Workload {
  readonly name: string;
  readonly options: ExperimentOptions;
  readonly extra?: Partial<SchedulerConfig>;
}

const WORKLOADS: readonly Workload[] = [
  { name: 'tpch-continuous-60', options: { workload: 'tpch', arrivals: 'poisson', load: 0.85, jobs: 60, executors: 20, seed: 1 } },
  { name: 'tpch-batched-15-speeds', options: { workload: 'tpch', arrivals: 'batch', jobs: 15, executors: 12, speeds: [1, 1, 2, 0.5], seed: 2 } },
  { name: 'synthetic-mixed', options: { workload: 'synthetic:mixed', jobs: 60, seed: 3 } },
  { name: 'synthetic-layered-speeds', options: { workload: 'synthetic:layered', jobs: 50, seed: 4, speeds: [1, 2] } },
  {
    name: 'synthetic-mixed-failures-crashes',
    options: {
      workload: 'synthetic:mixed',
      jobs: 50,
      seed: 5,
      failures: { probability: 0.05, maxAttempts: 3 },
      crashes: { mtbfMs: 600_000, leaseMs: 30_000, repairMs: 120_000 },
    },
  },
  {
    name: 'synthetic-fork-join-quotas-firstfit',
    options: { workload: 'synthetic:fork-join', jobs: 50, seed: 6 },
    extra: { placement: 'first-fit', quotas: { 'team-a': { cpu: 12 }, 'team-b': { running: 5 }, 'team-c': { memory: 40 * 1024 ** 3 } } },
  },
  { name: 'synthetic-chain-short-timeout', options: { workload: 'synthetic:chain', jobs: 40, seed: 7 }, extra: { headTimeoutMs: 60_000, headRetries: 1 } },
];

const ADMISSIONS: readonly AdmissionMode[] = ['greedy', 'strict', 'backfill'];

/** The hash, or (with `--dump`) a sink that prints the hashed text. */
type Sink = Pick<Hash, 'update'>;

function observed(inner: Scheduler, h: Sink): SchedulerApi {
  let rounds = 0;
  return {
    configure: (c) => inner.configure(c),
    get config() {
      return inner.config;
    },
    addWorker: (w) => inner.addWorker(w),
    removeWorker: (id) => inner.removeWorker(id),
    workers: () => inner.workers(),
    allocated: (id) => inner.allocated(id),
    enqueue: (t) => inner.enqueue(t),
    // The fast paths the simulator uses when the scheduler has them (hashed runs take them too).
    enqueueFresh: (t) => inner.enqueueFresh(t),
    remove: (k) => inner.remove(k),
    release: (k) => inner.release(k),
    releaseHandle: (h, t) => inner.releaseHandle(h, t),
    schedule: (now) => {
      const r = inner.schedule(now);
      rounds++;
      let s = `R${now}:`;
      for (const p of r.placements) s += `${p.task.key}@${p.workerId};`;
      for (const e of r.expired) s += `X${e.task.key}|${JSON.stringify(e.reason)}|${e.detail};`;
      if (rounds <= 20 || rounds % SAMPLE === 0) {
        const w = inner.waiting();
        s += `W${w.length}:`;
        for (const x of w) s += `${x.task.key}=${JSON.stringify(x.reason)}@${x.since};`;
        if (w.length > 0) s += `r=${JSON.stringify(inner.reasonOf(w[0]!.task.key))};`;
        s += `res=${JSON.stringify(inner.reservation())};q=${inner.queuedCount};n=${inner.runningCount}`;
      }
      h.update(s + '\n');
      return r;
    },
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

function runOne(exp: Experiment, config: SchedulerConfig, dump = false): string {
  const hash = createHash('sha256');
  const h: Sink = dump ? { update: (s: string) => (process.stdout.write(s), hash) } : hash;
  const { result } = runExperiment(exp, config, { makeScheduler: (c, rng) => observed(new Scheduler(c, { rng }), h) });
  h.update(`end ${result.endMs} ev ${result.events} rounds ${result.rounds} st ${result.attemptsStarted} f ${result.attemptsFailed} l ${result.attemptsLost} busy ${result.busyCoreMs}\n`);
  for (const j of result.jobs) h.update(`${j.info.id}:${j.finishedAt}:${j.failed ?? ''}\n`);
  return hash.digest('hex').slice(0, 16);
}

function main(): void {
  const args = process.argv.slice(2);
  const mode = args[0];
  const file = args[1];
  if (mode === '--dump' && file) {
    for (const w of WORKLOADS) {
      for (const policy of policyNames()) {
        for (const admission of ADMISSIONS) {
          // Every run before it too (as --check does), so state leaking between runs shows.
          const exp = compileExperiment(w.options);
          if (`${w.name} ${policy} ${admission}` === file) return void runOne(exp, { policy, admission, ...w.extra }, true);
          runOne(exp, { policy, admission, ...w.extra });
        }
      }
    }
    console.error(`no run named '${file}'`);
    process.exit(2);
  }
  if ((mode !== '--write' && mode !== '--check') || !file) {
    console.error('usage: fingerprint.ts --write FILE | --check FILE');
    process.exit(2);
  }
  const t0 = performance.now();
  const runs: Record<string, string> = {};
  for (const w of WORKLOADS) {
    const exp = compileExperiment(w.options);
    for (const policy of policyNames()) {
      for (const admission of ADMISSIONS) {
        runs[`${w.name} ${policy} ${admission}`] = runOne(exp, { policy, admission, ...w.extra });
      }
    }
  }
  const all = createHash('sha256').update(JSON.stringify(runs)).digest('hex').slice(0, 16);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (mode === '--write') {
    writeFileSync(file, JSON.stringify({ all, runs }, null, 1) + '\n');
    console.log(`wrote ${Object.keys(runs).length} runs to ${file}: ${all} (${secs} s)`);
    return;
  }
  const want = JSON.parse(readFileSync(file, 'utf8')) as { all: string; runs: Record<string, string> };
  const diff = Object.keys({ ...want.runs, ...runs }).filter((k) => want.runs[k] !== runs[k]);
  if (diff.length === 0) {
    console.log(`fingerprint OK: ${Object.keys(runs).length} runs, ${all} (${secs} s)`);
    return;
  }
  console.error(`fingerprint MISMATCH in ${diff.length} of ${Object.keys(runs).length} runs:\n  ${diff.slice(0, 30).join('\n  ')}`);
  process.exit(1);
}

main();
