/**
 * The live engine fills the SchedTask DAG facts the simulator fills, with the simulator's
 * definitions (DESIGN.md: two drivers of one scheduler): descendantTasks / descendantWorkMs per
 * task (sim: per stage, sim-job.ts staticOf) and the job's failedAttempts (sim: simulator.ts #fail).
 * A tiny registered policy (fifo underneath) records what the scheduler is given at enqueue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descendantSumsIfCheap } from '../../src/core/dag.js';
import { fifo } from '../../src/sched/policies/fifo.js';
import { registerPolicy } from '../../src/sched/registry.js';
import type { SchedTask } from '../../src/sched/types.js';
import type { FnHandler } from '../../src/exec/types.js';
import type { JobSpec, StageSpec } from '../../src/sim/workload.js';
import { staticOf } from '../../src/sim/sim-job.js';
import { compileWorkflow, engineTaskId } from '../equivalence/harness.js';
import { spec, testEngine } from './helpers.js';

interface Seen {
  readonly taskId: string;
  readonly descendantTasks: number | undefined;
  readonly descendantWorkMs: number | undefined;
  readonly failedAttempts: number | undefined;
}
const seen: Seen[] = [];
registerPolicy('test-record-dag-facts', (settings, ctx) => {
  const inner = fifo(settings, ctx);
  const enqueue = inner.enqueue.bind(inner);
  inner.enqueue = (t: SchedTask) => {
    seen.push({ taskId: t.key.slice(t.key.indexOf('/') + 1), descendantTasks: t.descendantTasks, descendantWorkMs: t.descendantWorkMs, failedAttempts: t.job.failedAttempts });
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

test('descendant facts seen by the policy equal the simulator definition, joins and forests', async () => {
  seen.length = 0;
  const t = testEngine({ functions: new Map([['sleep', noop]]), scheduler: { policy: 'test-record-dag-facts' } });
  try {
    for (const j of JOBS) {
      const run = await t.engine.submit(compileWorkflow(j, 'tasks'));
      assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
      const st = staticOf(j);
      j.stages.forEach((s, i) => {
        for (let k = 0; k < s.numTasks; k++) {
          const id = engineTaskId(s.id, k);
          const got = seen.filter((x) => x.taskId === id);
          assert.equal(got.length, 1, `${j.name}/${id} enqueued once`);
          assert.equal(got[0]!.descendantTasks, st.descTasks[i], `${j.name}/${id} descendantTasks`);
          assert.equal(got[0]!.descendantWorkMs, st.descWorkMs[i], `${j.name}/${id} descendantWorkMs`);
        }
      });
      seen.length = 0;
    }
  } finally {
    await t.close();
  }
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
    // fan is a foreach group: counted as ONE task with its spec's work (4 s x 2 cpu) in a's facts.
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
    assert.deepEqual(of('a').map((x) => [x.descendantTasks, x.descendantWorkMs]), [[2, 8000 + 3000], [2, 8000 + 3000]]);
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
