/**
 * Equivalence of the two drivers of the one scheduler (DESIGN.md, "The one idea"; issue 3,
 * Tests): a small workload run in the simulator and in the live engine — real SQLite store, real
 * `fn` tasks sleeping their duration scaled down to MS_PER_SIM_SECOND real ms per simulated
 * second — with the same policy and the same capacity starts its tasks in the same order.
 * (Not necessarily in the same rounds: two tasks ending at the same simulated instant are one
 * sim round but may be two engine ticks; the workload is chosen so the order does not care.)
 *
 * Why this is not a timing race (no timing assertion anywhere):
 *   - all runs are submitted before the engine's first tick, under a clock frozen at 0, so the
 *     first round sees every root at once, as the sim's arrivals at t = 0 do;
 *   - after t = 0 the engine schedules on completions only; the workload was chosen (seeded
 *     search, then frozen below) so that its start order, for every policy tested, does not
 *     change when every task is delayed by up to JITTER_MS simulated ms, delays accumulating
 *     along dependency chains exactly as the engine's dispatch latency does. The first test
 *     checks that in the sim over 100 jittered runs per policy, so an edit that makes the
 *     workload timing-sensitive fails there, not as a flaky engine comparison. JITTER_MS = 300
 *     simulated ms = 24 real ms of latency per dispatch; measured here: 2-5 ms per dispatch with
 *     nine engines running at once (at 50 ms per simulated second and without the re-run below,
 *     one run in 9 failed with four busy loops pinning the two cores; now 6 of 6 pass under that
 *     load, in 19-28 s instead of 9 s).
 *   - an engine run whose process stalled longer than that margin (event-loop delay, which also
 *     shows the process being descheduled on an overloaded machine) proves nothing either way:
 *     if its order differs it is run again, up to ATTEMPTS runs. A run without such a stall
 *     that differs fails at once: that is a real divergence, never retried away.
 *   - the comparison's failure message lists both drivers' rounds side by side with their times
 *     (the engine's in simulated ms), so a drift larger than the jitter margin is told apart
 *     from a different decision.
 *
 * Divergences found, both fixed and pinned below: remaining work not cpu-weighted in the engine
 * (c653b63), and remaining work of unexpanded foreach groups left out (the engine now counts a
 * group as its expected instances from submit, src/engine/job-facts.ts).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { JobSpec, StageSpec } from '../../src/sim/workload.js';
import { describeRounds, orderSensitivity, runEngine, runSim, type Cluster, type FanOut } from './harness.js';

const Mi = 2 ** 20;
const MS_PER_SIM_SECOND = 80;
const JITTER_MS = 300;
/** Engine runs per case at most: a run that differs after a stall beyond the jitter margin is inconclusive. */
const ATTEMPTS = 3;
const POLICIES = ['fifo', 'priority', 'sjf', 'critical-path', 'edf', 'least-slack'] as const;

/** One local worker: 4 cores, 4 GiB, 3 slots (the engine's concurrency). Cpu, memory and slots all bind. */
const CLUSTER: Cluster = { capacity: { cpu: 4, memory: 4096 * Mi }, concurrency: 3 };

function stage(id: string, parents: number[], numTasks: number, seconds: number, cpu: number, memoryMi: number): StageSpec {
  return { id, parents, numTasks, estimateMs: seconds * 1000, resources: { cpu, memory: memoryMi * Mi } };
}

function job(name: string, priority: number, deadlineS: number, stages: StageSpec[]): JobSpec {
  return { name, namespace: 'default', arrivalMs: null, priority, relativeDeadlineMs: deadlineS * 1000, stages };
}

/**
 * 4 jobs, 27 tasks: a chain with a fan-out tail, two fork-joins (fan-out 3) and a two-root
 * layered DAG; priorities high/normal/low; estimates 2-12 s; deadlines 49-72 s; memory is the
 * tightest resource (2 GiB tasks go two at a time), then slots, then cpu (2-core tasks).
 * From a seeded search (synthetic shapes, integer-second durations) for a workload whose six
 * policies all give different orders and all tolerate the jitter above.
 */
const WORKLOAD: readonly JobSpec[] = [
  job('chain', 100, 72, [
    stage('s0', [], 1, 3, 1, 2048),
    stage('s1', [0], 1, 5, 1, 1024),
    stage('s2', [1], 2, 10, 1, 2048),
  ]),
  job('fork-join-a', 50, 56, [
    stage('s0', [], 1, 8, 1, 2048),
    stage('s1', [0], 1, 8, 1, 1024),
    stage('s2', [0], 1, 12, 2, 2048),
    stage('s3', [0], 2, 4, 1, 2048),
    stage('s4', [1, 2, 3], 2, 6, 2, 2048),
  ]),
  job('fork-join-b', 100, 35, [
    stage('s0', [], 1, 7, 1, 1024),
    stage('s1', [0], 3, 4, 2, 2048),
    stage('s2', [0], 1, 4, 1, 1024),
    stage('s3', [0], 3, 12, 1, 1024),
    stage('s4', [1, 2, 3], 1, 6, 2, 512),
  ]),
  job('layered', 10, 49, [
    stage('s0', [], 1, 10, 1, 512),
    stage('s1', [], 2, 6, 1, 2048),
    stage('s2', [0], 2, 2, 1, 2048),
    stage('s3', [0, 1], 1, 8, 1, 2048),
    stage('s4', [2, 3], 1, 2, 1, 2048),
  ]),
];

test('the workload is contended, tells the policies apart, and its start order is timing-insensitive (sim)', () => {
  const orders = new Map<string, string>();
  for (const policy of POLICIES) {
    const run = runSim(WORKLOAD, CLUSTER, { policy });
    assert.equal(run.order.length, 27);
    assert.ok(run.rounds.some((r) => r.waiting >= 5), `${policy}: some round must leave >= 5 tasks waiting`);
    const other = orders.get(run.order.join());
    assert.equal(other, undefined, `${policy} starts tasks in the same order as ${other}: the workload does not tell them apart`);
    orders.set(run.order.join(), policy);
    assert.equal(orderSensitivity(WORKLOAD, CLUSTER, { policy }, JITTER_MS, 100), null, `${policy}: the start order is a timing race`);
  }
  // The remaining-work tie-break is pinned by its own test (below); this workload's
  // critical-path order must not hinge on it, so that a failure there points at one cause.
  assert.deepEqual(
    runSim(WORKLOAD, CLUSTER, { policy: 'critical-path' }, { remainingWork: 'unweighted' }).order,
    runSim(WORKLOAD, CLUSTER, { policy: 'critical-path' }).order,
  );
});

/**
 * Regression (found here; was a `todo`): with a stage written as one `foreach` task, the engine's
 * job.remainingWorkMs counted that stage's work only once the group expanded, while the simulator
 * counts every stage of the job from its arrival (src/sim/sim-job.ts, `remainingWorkMs:
 * this.st.estimatedWorkMs`). critical-path breaks bottom-level ties by that number, so the two
 * drivers started tasks in different orders: the engine followed the sim's `released` order
 * (harness.ts), named in the failure message if it comes back. The engine now counts an
 * unexpanded group as its expected instances (the list's length when it reads only params, as
 * the literal lists here do: src/engine/job-facts.ts).
 */

/**
 * Runs the engine and compares its start order with the sim's. A run that differs after an
 * event-loop stall beyond LAG_LIMIT_MS is inconclusive and is run again (up to ATTEMPTS runs).
 * `alt`: the sim's order under another remaining-work rule, named in the message when it is the
 * one the engine followed.
 */
interface CompareOptions {
  readonly fanOut: FanOut;
  readonly msPerSimSecond: number;
  /** False: never re-run (a workload with no race at any scale, or a known divergence). */
  readonly raceProne?: boolean;
  readonly alt?: readonly string[];
}

async function assertSameOrder(t: TestContext, jobs: readonly JobSpec[], cluster: Cluster, policy: string, o: CompareOptions): Promise<void> {
  const { fanOut, msPerSimSecond, alt } = o;
  const sim = runSim(jobs, cluster, { policy });
  for (let attempt = 1; ; attempt++) {
    const engine = await runEngine(jobs, cluster, { policy }, msPerSimSecond, fanOut);
    const same = engine.order.join() === sim.order.join();
    const stalled = (o.raceProne ?? true) && engine.maxLagMs > (JITTER_MS * msPerSimSecond) / 1000;
    if (!same && stalled && attempt < ATTEMPTS) {
      t.diagnostic(`${policy} (${fanOut}): event loop stalled ${engine.maxLagMs.toFixed(0)} ms: inconclusive, run again`);
      continue;
    }
    let why = stalled ? `\n(the event loop stalled ${engine.maxLagMs.toFixed(0)} ms, beyond what the workload tolerates, on all ${ATTEMPTS} runs: machine overloaded?)` : '';
    if (alt !== undefined && engine.order.join() === alt.join()) why += '\n(the engine followed the order the sim gives with the engine\'s remaining-work rule)';
    assert.deepEqual(engine.order, sim.order, `${policy} (${fanOut}): sim vs engine rounds (* = differ)\n${describeRounds(sim, engine)}${why}`);
    return;
  }
}

test('the simulator and the live engine start tasks in the same order', { concurrency: true }, async (t) => {
  // Every policy with one engine task per stage instance; some with each stage as one `foreach`
  // task (the engine's own fan-out: instances created and queued when the group is decided; the
  // group counts its expected instances in the job's facts before that), critical-path among
  // them since it reads the job's remaining work. (All six passed with `foreach` too, but with
  // twelve engines at once under four busy loops, load 12, one case needed all 3 runs: kept to nine.)
  // The engines run at once (their tasks only sleep): the whole comparison takes one makespan
  // of real time (~75 simulated s = ~6 s).
  const foreach: readonly string[] = ['fifo', 'sjf', 'critical-path'];
  const cases: [string, FanOut][] = [...POLICIES.map((p): [string, FanOut] => [p, 'tasks']), ...foreach.map((p): [string, FanOut] => [p, 'foreach'])];
  const released = runSim(WORKLOAD, CLUSTER, { policy: 'critical-path' }, { remainingWork: 'released' }).order;
  await Promise.all(cases.map(([policy, fanOut]) => t.test(`${policy} (${fanOut})`, (t) =>
    assertSameOrder(t, WORKLOAD, CLUSTER, policy, { fanOut, msPerSimSecond: MS_PER_SIM_SECOND, ...(policy === 'critical-path' && fanOut === 'foreach' ? { alt: released } : {}) }))));
});

/**
 * Regression for a divergence found while writing this file: the engine summed remaining work
 * without the cpu factor (build-run.ts, task-flow.ts #settled at d2dfb93), and left foreach
 * instances out of it; fixed in c653b63 (`taskWorkMs`, estimate x cores, instances added on
 * expansion). Two jobs whose roots tie on bottom level (15 s). critical-path breaks the tie by the job's
 * remaining work, which JobInfo defines as estimate x (cpu or 1) summed over unfinished tasks:
 * `wide` has 10 + 2 x 5 s x 4 cpu = 50 s of it, `long` 10 + 4 x 5 s x 1 cpu = 30 s, so `wide`
 * goes first. One slot: only one root starts at 0.
 */
const TIE: readonly JobSpec[] = [
  job('long', 50, 100, [stage('s0', [], 1, 10, 1, 512), stage('s1', [0], 4, 5, 1, 512)]),
  job('wide', 50, 100, [stage('s0', [], 1, 10, 1, 512), stage('s1', [0], 2, 5, 4, 512)]),
];
const TIE_CLUSTER: Cluster = { capacity: { cpu: 4, memory: 4096 * Mi }, concurrency: 1 };

test('critical-path breaks bottom-level ties by cpu-weighted remaining work in both drivers', async (t) => {
  const sim = runSim(TIE, TIE_CLUSTER, { policy: 'critical-path' }).order;
  const unweighted = runSim(TIE, TIE_CLUSTER, { policy: 'critical-path' }, { remainingWork: 'unweighted' }).order;
  const released = runSim(TIE, TIE_CLUSTER, { policy: 'critical-path' }, { remainingWork: 'released' }).order;
  assert.equal(sim[0], 'j1/s0/0', 'the job with more cpu-weighted remaining work first');
  assert.equal(unweighted[0], 'j0/s0/0', 'the workload must tell weighted from unweighted remaining work');
  assert.equal(released[0], 'j0/s0/0', 'the workload must tell all stages from released ones');
  // One slot: one task at a time, every decision follows one completion: no race at any scale.
  await t.test('one task per instance', (t) => assertSameOrder(t, TIE, TIE_CLUSTER, 'critical-path', { fanOut: 'tasks', msPerSimSecond: 10, raceProne: false, alt: unweighted }));
  await t.test('foreach', (t) => assertSameOrder(t, TIE, TIE_CLUSTER, 'critical-path', { fanOut: 'foreach', msPerSimSecond: 10, raceProne: false, alt: released }));
});
