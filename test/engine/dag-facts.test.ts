/**
 * The live engine fills the SchedTask DAG facts the simulator fills, with the simulator's
 * definitions (DESIGN.md: two drivers of one scheduler): descendantTasks / descendantWorkMs per
 * task (sim: per stage, sim-job.ts staticOf), the job's failedAttempts (sim: simulator.ts #fail),
 * and the job's remaining work and task counts with foreach groups before and after they expand
 * (src/engine/job-facts.ts; sim: a stage's numTasks counted from arrival).
 * A tiny registered policy (fifo underneath) records what the scheduler is given at enqueue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descendantSumsIfCheap } from '../../src/core/dag.js';
import { fifo } from '../../src/sched/policies/fifo.js';
import { registerPolicy } from '../../src/sched/registry.js';
import type { JobInfo, SchedTask } from '../../src/sched/types.js';
import type { FnHandler } from '../../src/exec/types.js';
import type { JobSpec, StageSpec } from '../../src/sim/workload.js';
import { staticOf } from '../../src/sim/sim-job.js';
import { compileWorkflow, engineTaskId } from '../equivalence/harness.js';
import { spec, testEngine } from './helpers.js';
import { SeededRng } from '../../src/core/clock.js';
import { buildRun } from '../../src/engine/build-run.js';
import { newRun } from '../../src/engine/new-run.js';
import type { TaskRow } from '../../src/store/types.js';

interface Seen {
  readonly taskId: string;
  readonly descendantTasks: number | undefined;
  readonly descendantWorkMs: number | undefined;
  readonly failedAttempts: number | undefined;
  readonly bottomLevelMs: number;
  /** The job's facts at this enqueue (copied: the driver updates JobInfo in place). */
  readonly remainingWorkMs: number;
  readonly totalTasks: number;
  readonly doneTasks: number;
  readonly job: JobInfo;
}
const seen: Seen[] = [];
registerPolicy('test-record-dag-facts', (settings, ctx) => {
  const inner = fifo(settings, ctx);
  const enqueue = inner.enqueue.bind(inner);
  inner.enqueue = (t: SchedTask) => {
    const j = t.job;
    seen.push({
      taskId: t.key.slice(t.key.indexOf('/') + 1), descendantTasks: t.descendantTasks, descendantWorkMs: t.descendantWorkMs, failedAttempts: j.failedAttempts, bottomLevelMs: t.bottomLevelMs,
      remainingWorkMs: j.remainingWorkMs, totalTasks: j.totalTasks, doneTasks: j.doneTasks, job: j,
    });
    enqueue(t);
  };
  return inner;
});

const Mi = 2 ** 20;
function stage(id: string, parents: number[], numTasks: number, seconds: number, cpu: number): StageSpec {
  return { id, parents, numTasks, estimateMs: seconds * 1000, resources: { cpu, memory: 64 * Mi } };
}
function job(name: string, stages: StageSpec[]): JobSpec {
  return { name, namespace: 'default', arrivalMs: null, priority: 50, relativeDeadlineMs: null, stages };
}

// Every engine task of stage s needs every task of s's parent stages, so its strict descendants are
// exactly the tasks of s's descendant stages: the simulator's per-stage sums apply to each of them.
const JOBS: readonly JobSpec[] = [
  // Joins (s4 waits on three branches, s5 on s4 and s1): a shared descendant must count once.
  job('diamond', [
    stage('s0', [], 1, 2, 1),
    stage('s1', [0], 2, 3, 2),
    stage('s2', [0], 1, 4, 1),
    stage('s3', [0], 3, 1, 1),
    stage('s4', [1, 2, 3], 1, 5, 2),
    stage('s5', [4, 1], 2, 2, 1),
  ]),
  // A forest (every task has at most one parent): the linear path of core/dag.ts.
  job('chain', [stage('s0', [], 1, 1, 1), stage('s1', [0], 1, 2, 2), stage('s2', [1], 3, 3, 1)]),
];

const noop: FnHandler = async () => ({});

test('descendant and job facts seen by the policy equal the simulator definition: joins, forests, tasks or foreach', async () => {
  seen.length = 0;
  const t = testEngine({ functions: new Map([['sleep', noop]]), scheduler: { policy: 'test-record-dag-facts' } });
  try {
    // `foreach`: each stage is one group over a literal list, so before it expands it counts its
    // numTasks instances, as the simulator's stage does (src/engine/job-facts.ts).
    for (const fanOut of ['tasks', 'foreach'] as const) {
      for (const j of JOBS) {
        const run = await t.engine.submit(compileWorkflow(j, fanOut));
        assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
        const st = staticOf(j);
        const where = `${j.name} (${fanOut})`;
        // The first enqueue (the root) sees the whole job: every stage counted from arrival.
        assert.deepEqual([seen[0]!.remainingWorkMs, seen[0]!.totalTasks, seen[0]!.doneTasks], [st.estimatedWorkMs, st.totalTasks, 0], `${where}: job facts at arrival`);
        const job = seen[0]!.job;
        assert.deepEqual([job.remainingWorkMs, job.totalTasks, job.doneTasks], [0, st.totalTasks, st.totalTasks], `${where}: job facts at the end`);
        j.stages.forEach((s, i) => {
          for (let k = 0; k < s.numTasks; k++) {
            const id = fanOut === 'tasks' ? engineTaskId(s.id, k) : `${s.id}[${k}]`;
            const got = seen.filter((x) => x.taskId === id);
            assert.equal(got.length, 1, `${where}/${id} enqueued once`);
            assert.equal(got[0]!.descendantTasks, st.descTasks[i], `${where}/${id} descendantTasks`);
            assert.equal(got[0]!.descendantWorkMs, st.descWorkMs[i], `${where}/${id} descendantWorkMs`);
            assert.equal(got[0]!.totalTasks, st.totalTasks, `${where}/${id} totalTasks`);
            // Instances run side by side: a stage's bottom level is its estimate plus its children's, whatever its width.
            assert.equal(got[0]!.bottomLevelMs, st.bottom[i], `${where}/${id} bottomLevelMs`);
          }
        });
        seen.length = 0;
      }
    }
  } finally {
    await t.close();
  }
});

/**
 * Job facts of foreach groups before and after expansion (src/engine/job-facts.ts): a literal list
 * and a list param count their length from submit and expand into exactly that; a list from an
 * upstream output counts 1 until it expands, then its real length; a skipped group's expected
 * instances are done. Every instance of a, b, c is enqueued in the one drain after `a` settles,
 * so the numbers seen are the same whatever the timing.
 */
const WIDTHS = `
name: widths
params:
  files: [x, y, z, w]
tasks:
  a:
    fn: list
    estimate: 1s
  lit:
    needs: [a]
    foreach: "[1, 2]"
    fn: noop
    estimate: 4s
    resources: {cpu: 2}
  par:
    needs: [a]
    foreach: params.files
    fn: noop
    estimate: 2s
  dyn:
    needs: [a]
    foreach: tasks.a.outputs.items
    fn: noop
    estimate: 1s
  off:
    needs: [a]
    when: "false"
    foreach: "[1, 2, 3, 4, 5]"
    fn: noop
    estimate: 10s
  z:
    needs: [lit, par, dyn]
    fn: noop
    estimate: 3s
`;

test('foreach groups count their expected instances before expansion and their real ones after', async () => {
  seen.length = 0;
  const list: FnHandler = async () => ({ items: ['p', 'q', 'r'] });
  const t = testEngine({ functions: new Map([['list', list], ['noop', noop]]), scheduler: { policy: 'test-record-dag-facts' } });
  try {
    const run = await t.engine.submit(spec(WIDTHS));
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    const facts = (id: string) => seen.filter((x) => x.taskId === id).map((x) => [x.remainingWorkMs, x.totalTasks, x.doneTasks]);
    // At submit: a 1 s + lit 2 x 8 s + par 4 x 2 s + dyn 1 (unknown) x 1 s + off 5 x 10 s + z 3 s; 1 + 2 + 4 + 1 + 5 + 1 tasks.
    assert.deepEqual(facts('a'), [[1000 + 16000 + 8000 + 1000 + 50000 + 3000, 14, 0]]);
    assert.deepEqual(seen.find((x) => x.taskId === 'a')!.descendantTasks, 13);
    assert.deepEqual(seen.find((x) => x.taskId === 'a')!.descendantWorkMs, 16000 + 8000 + 1000 + 50000 + 3000);
    // a done; lit and par expand into what they counted: nothing moves.
    for (const id of ['lit[0]', 'lit[1]', 'par[0]', 'par[3]']) assert.deepEqual(facts(id), [[78000, 14, 1]], id);
    // dyn expands into 3 instances instead of the 1 counted: +2 tasks, +2 x 1 s.
    for (const id of ['dyn[0]', 'dyn[2]']) assert.deepEqual(facts(id), [[80000, 16, 1]], id);
    // Every instance done, off skipped (its 5 expected instances done, its 50 s gone): z alone is left.
    assert.deepEqual(facts('z'), [[3000, 16, 15]]);
    const job = seen[0]!.job;
    assert.deepEqual([job.remainingWorkMs, job.totalTasks, job.doneTasks], [0, 16, 16]);
  } finally {
    await t.close();
  }
});

test('a run rebuilt from its rows counts unexpanded groups by their expected instances and expanded ones by their instances', () => {
  const wf = spec(WIDTHS);
  const { row, tasks } = newRun(wf, {}, {}, 0, new SeededRng(1), null);
  const fresh = buildRun(row, tasks).job;
  assert.deepEqual([fresh.remainingWorkMs, fresh.totalTasks, fresh.doneTasks], [79000, 14, 0]);
  // Resumed after `a` succeeded, `dyn` expanded into 3 instances (one done) and `off` was skipped;
  // lit and par have not expanded yet.
  const set = (id: string, state: TaskRow['state']) => Object.assign(tasks.find((r) => r.taskId === id)!, { state });
  set('a', 'succeeded');
  set('dyn', 'running');
  set('off', 'skipped');
  const inst = (k: number, state: TaskRow['state']): TaskRow => ({ ...tasks.find((r) => r.taskId === 'dyn')!, taskId: `dyn[${k}]`, specId: 'dyn', itemIndex: k, item: k, state });
  const resumed = buildRun(row, [...tasks, inst(0, 'succeeded'), inst(1, 'queued'), inst(2, 'pending')]).job;
  // Left: lit 16 s + par 8 s + dyn 2 x 1 s + z 3 s. Tasks: a, lit 2, par 4, dyn 3, off 5, z. Done: a, dyn[0], off's 5.
  assert.deepEqual([resumed.remainingWorkMs, resumed.totalTasks, resumed.doneTasks], [16000 + 8000 + 2000 + 3000, 16, 7]);
});

test('a failed attempt increments the job failedAttempts; foreach instances take their group facts', async () => {
  seen.length = 0;
  let calls = 0;
  const flaky: FnHandler = async () => {
    if (++calls === 1) throw new Error('first attempt fails');
    return {};
  };
  const t = testEngine({ functions: new Map([['flaky', flaky], ['noop', noop]]), scheduler: { policy: 'test-record-dag-facts' } });
  try {
    // fan is a foreach group over a literal list: counted as its 2 instances of 4 s x 2 cpu in a's facts.
    const wf = spec(`
name: facts
tasks:
  a:
    fn: flaky
    estimate: 1s
    retries: {max: 1, initial: 10ms, jitter: 0}
  fan:
    needs: [a]
    foreach: "[1, 2]"
    fn: noop
    estimate: 4s
    resources: {cpu: 2}
  z:
    needs: [fan]
    fn: noop
    estimate: 3s
`);
    const run = await t.engine.submit(wf);
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    const of = (id: string) => seen.filter((x) => x.taskId === id);
    assert.deepEqual(of('a').map((x) => x.failedAttempts), [0, 1], 'the retry is enqueued after one failed attempt');
    assert.deepEqual(of('a').map((x) => [x.descendantTasks, x.descendantWorkMs]), [[3, 2 * 8000 + 3000], [3, 2 * 8000 + 3000]]);
    for (const id of ['fan[0]', 'fan[1]']) assert.deepEqual(of(id).map((x) => [x.descendantTasks, x.descendantWorkMs, x.failedAttempts]), [[1, 3000, 1]]);
    assert.deepEqual(of('z').map((x) => [x.descendantTasks, x.descendantWorkMs]), [[0, 0]]);
  } finally {
    await t.close();
  }
});

test('build-time descendant sums stay linear on the 1M-benchmark shapes and refuse large joins', () => {
  // A 250,000-deep chain (bench/engine/run.ts --memory-shape chain): task i has n-1-i descendants, no recursion.
  const n = 250_000;
  const chain = { n, parents: Array.from({ length: n }, (_, i) => (i === 0 ? [] : [i - 1])) };
  const order = Array.from({ length: n }, (_, i) => i);
  const c = descendantSumsIfCheap(chain, order, () => 1, () => 2, 4096)!;
  for (const i of [0, 1, 777, n - 2, n - 1]) assert.deepEqual([c.tasks[i], c.workMs[i]], [n - 1 - i, 2 * (n - 1 - i)]);
  // Wide fan: parent + 3 children, repeated.
  const fan = { n: 8, parents: [[], [0], [0], [0], [], [4], [4], [4]] };
  assert.deepEqual([...descendantSumsIfCheap(fan, [0, 1, 2, 3, 4, 5, 6, 7], () => 1, () => 1, 0)!.tasks], [3, 0, 0, 0, 3, 0, 0, 0]);
  // A join above the bitset bound: no facts rather than an over-count.
  const join = { n: 3, parents: [[], [], [0, 1]] };
  assert.equal(descendantSumsIfCheap(join, [0, 1, 2], () => 1, () => 1, 2), null);
  assert.deepEqual([...descendantSumsIfCheap(join, [0, 1, 2], () => 1, () => 1, 3)!.tasks], [1, 1, 0]);
});
