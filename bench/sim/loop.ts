/**
 * The simulation loop alone, repeated: `node --import tsx bench/sim/loop.ts [policy] [jobs] [runs]`
 * (defaults fifo, 1000, 1). Runs the Decima continuous experiment (TPC-H, Poisson at 85% load,
 * 50 executors, seed 1) and prints per run the events, the loop's wall time and events/s (what
 * `kairos simulate --json` reports as eventsPerSec) and the process CPU time of the run (user +
 * sys, metrics included): on a shared machine the CPU time moves much less with the load than
 * the wall time does, so before/after comparisons quote both. Copy it into an extracted old tree
 * (`git archive`) to measure the old code the same way.
 */
import { compileExperiment, runExperiment } from '../../src/sim/experiment.js';

const policy = process.argv[2] ?? 'fifo';
const jobs = Number(process.argv[3] ?? 1000);
const runs = Number(process.argv[4] ?? 1);
const exp = compileExperiment({ workload: 'tpch', arrivals: 'poisson', load: 0.85, jobs, executors: 50, seed: 1 });
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const m = runExperiment(exp, { policy }).metrics;
  const c = process.cpuUsage(c0);
  console.log(
    `${policy} ${jobs} jobs: ${m.events} events, loop ${(m.wallMs / 1000).toFixed(3)} s = ${Math.round(m.eventsPerSec)} events/s; ` +
      `cpu ${((c.user + c.system) / 1e6).toFixed(3)} s; avg JCT ${(m.avgJctMs / 1000).toFixed(3)} s`,
  );
}
