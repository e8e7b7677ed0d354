/**
 * buildRun (build-run.ts + run-graph.ts, index-based since 2026-11-24 session 4) against the
 * Map-based build it replaced, kept here as the reference: on random runs — DAGs with and without
 * joins, foreach groups of literal, params and upstream lists, fractional estimates and cpus (so
 * float sums must be added in the same order), new and resumed rows in spec, shuffled and
 * instance-interleaved order — every task's wiring, bottom level, descendant facts and
 * unsettledParents, every group's instances, and the run's and job's counters are the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bottomLevels, descendantSumsIfCheap, topoOrder } from '../../src/core/dag.js';
import { isSettled } from '../../src/core/task-machine.js';
import type { TaskSpec, TaskState, WorkflowSpec } from '../../src/core/model.js';
import { SeededRng } from '../../src/core/clock.js';
import type { JobInfo } from '../../src/sched/types.js';
import type { RunRow, TaskRow } from '../../src/store/types.js';
import { buildRun } from '../../src/engine/build-run.js';
import { newRun } from '../../src/engine/new-run.js';
import { DEFAULT_ESTIMATE_MS, expectedInstances, taskWorkMs } from '../../src/engine/job-facts.js';
import { LiveRun, LiveTask } from '../../src/engine/live-run.js';

/** The build before session 4 (build-run.ts at 8edbe28), verbatim but for the bitset limit argument. */
function referenceBuild(row: RunRow, taskRows: readonly TaskRow[], maxBitset = 2048): LiveRun {
  const spec = row.spec;
  const width = new Map<number, number>();
  let totalTasks = spec.tasks.length;
  spec.tasks.forEach((ts, i) => {
    if (ts.foreach === undefined) return;
    const w = expectedInstances(ts, row);
    width.set(i, w);
    totalTasks += w - 1;
  });
  const job: JobInfo = {
    id: row.id, namespace: row.namespace, arrivalAt: row.startedAt ?? row.createdAt, deadline: row.deadlineAt,
    remainingWorkMs: 0, running: 0, totalTasks, doneTasks: 0, failedAttempts: 0,
  };
  const run = new LiveRun(row, job);
  const byId = new Map(taskRows.map((t) => [t.taskId, t]));
  const specIndex = new Map(spec.tasks.map((t, i) => [t.id, i]));
  for (const ts of spec.tasks) {
    const tr = byId.get(ts.id);
    if (!tr) throw new Error(`run ${row.id}: task row ${ts.id} is missing from the store`);
    run.tasks.add(new LiveTask(run, ts, tr));
  }
  const childCount = new Map<LiveTask, number>();
  for (const ts of spec.tasks) {
    const t = run.tasks.get(ts.id)!;
    if (ts.needs.length > 0) t.parents = ts.needs.map((p) => run.tasks.get(p)!);
    for (const parent of t.parents) childCount.set(parent, (childCount.get(parent) ?? 0) + 1);
  }
  for (const [parent, n] of childCount) parent.children = new Array<LiveTask>(n);
  const filled = new Map<LiveTask, number>();
  for (const t of run.tasks.values()) {
    for (const parent of t.parents) {
      const i = filled.get(parent) ?? 0;
      (parent.children as LiveTask[])[i] = t;
      filled.set(parent, i + 1);
    }
  }
  const dag = { n: spec.tasks.length, parents: spec.tasks.map((t) => t.needs.map((p) => specIndex.get(p)!)) };
  const order = topoOrder(dag);
  if (order.ok) {
    const levels = bottomLevels(dag, (i) => spec.tasks[i]!.estimateMs ?? DEFAULT_ESTIMATE_MS, order.order);
    const tasksOf = width.size === 0 ? () => 1 : (i: number) => width.get(i) ?? 1;
    const desc = descendantSumsIfCheap(dag, order.order, tasksOf, (i) => tasksOf(i) * taskWorkMs(spec.tasks[i]!), maxBitset);
    spec.tasks.forEach((ts, i) => {
      const t = run.tasks.get(ts.id)!;
      t.bottomLevelMs = levels[i]!;
      if (desc !== null) {
        t.descendantTasks = desc.tasks[i]!;
        t.descendantWorkMs = desc.workMs[i]!;
      }
    });
  }
  for (const tr of taskRows) {
    if (tr.specId === null) continue;
    const group = run.tasks.get(tr.specId)!;
    const inst = new LiveTask(run, group.spec, tr);
    inst.joinGroup(group);
    run.tasks.add(inst);
  }
  const dormant = new Set<LiveTask>();
  for (const t of run.tasks.values()) {
    if (t.group === null) continue;
    if (t.group.row.state === 'pending') {
      dormant.add(t);
      continue;
    }
    if (t.group.instances === undefined || t.group.instances === null) {
      t.group.instances = [];
      job.totalTasks -= width.get(specIndex.get(t.group.id)!)!;
    }
    t.group.instances.push(t);
    job.totalTasks++;
  }
  for (const g of run.tasks.values()) g.instances?.sort((a, b) => a.row.itemIndex! - b.row.itemIndex!);
  for (const t of run.tasks.values()) {
    if (dormant.has(t)) continue;
    const counts = !t.isGroup ? 1 : t.instances === null ? width.get(specIndex.get(t.id)!)! : 0;
    if (!isSettled(t.row.state)) {
      run.unsettled++;
      job.remainingWorkMs += counts * taskWorkMs(t.spec);
    } else {
      job.doneTasks += counts;
      if (t.row.doneSeq !== null && t.row.doneSeq >= run.nextDoneSeq) run.nextDoneSeq = t.row.doneSeq + 1;
    }
    if (t.group === null) {
      t.unsettledParents = t.parents.filter((p) => !isSettled(p.row.state)).length;
    }
  }
  return run;
}

/** Everything buildRun derives, in run.tasks order; numbers compared with Object.is (-0, NaN). */
function snapshot(run: LiveRun): unknown {
  const ids = (ts: readonly LiveTask[] | null) => (ts === null ? null : ts.map((t) => t.id));
  return {
    keys: [...run.tasks.keys()],
    tasks: [...run.tasks.values()].map((t) => ({
      id: t.id, row: t.row, spec: t.spec.id, parents: ids(t.parents), children: ids(t.children), group: t.group?.id ?? null, instances: ids(t.instances),
      unsettledParents: t.unsettledParents, bottomLevelMs: t.bottomLevelMs, descendantTasks: t.descendantTasks, descendantWorkMs: t.descendantWorkMs,
    })),
    job: run.job, unsettled: run.unsettled, nextDoneSeq: run.nextDoneSeq,
  };
}

function sameBuild(row: RunRow, rows: readonly TaskRow[], label: string): void {
  // Each build gets its own row objects: nothing may be shared or mutated between the two.
  const copy = () => rows.map((r) => ({ ...r }));
  const a = snapshot(buildRun(row, copy()));
  const b = snapshot(referenceBuild(row, copy()));
  assert.deepStrictEqual(a, b, label);
}

const NO_RETRIES = { max: 0, backoff: 'fixed', initialMs: 0, maxMs: 0, jitter: 0 } as const;
const STATES: TaskState[] = ['pending', 'queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'];

function task(id: string, needs: string[], rng: SeededRng, foreach?: string): TaskSpec {
  const cpu = [0, 0.25, 1, 1.5, 3][Math.floor(rng.next() * 5)]!;
  const estimateMs = rng.next() < 0.2 ? null : Math.round(rng.next() * 5000) / 7;
  return {
    id, needs, action: { kind: 'fn', fn: 'noop', args: null }, env: {}, secretEnv: [], timeoutMs: null, retries: NO_RETRIES,
    resources: { cpu }, priority: 50, deadlineMs: null, outputs: { stdout: false }, estimateMs, ...(foreach === undefined ? {} : { foreach }),
  };
}

const FOREACH = ['[1, 2, 3]', 'params.files', 'tasks.t0.outputs.items', '[]', '"no list"'];

/** A random workflow of n tasks: each needs up to `maxParents` earlier ones (1 = a forest). */
function workflow(n: number, maxParents: number, rng: SeededRng, groups: number): WorkflowSpec {
  const tasks: TaskSpec[] = [];
  for (let i = 0; i < n; i++) {
    const needs = new Set<string>();
    if (i > 0) {
      const k = Math.floor(rng.next() * (maxParents + 1));
      for (let j = 0; j < k; j++) needs.add(`t${Math.floor(rng.next() * i)}`);
    }
    const foreach = i > 0 && rng.next() < groups ? FOREACH[Math.floor(rng.next() * FOREACH.length)] : undefined;
    // Sometimes the previous task's own needs array, as an SDK loop shares one (wire shares its parents).
    const shared = i > 1 && rng.next() < 0.25 ? (tasks[i - 1]!.needs as string[]) : [...needs];
    tasks.push(task(`t${i}`, shared, rng, foreach));
  }
  return { name: 'eq', namespace: 'default', priority: 50, deadline: null, params: [{ name: 'files', required: false, default: ['a', 'b'] }], labels: {}, tasks };
}

/** Rows of a run resumed part-way: random states, done sequence numbers, instances of some groups. */
function resumedRows(tasks: TaskRow[], wf: WorkflowSpec, rng: SeededRng): TaskRow[] {
  let seq = 1;
  const out: TaskRow[] = [];
  for (const r of tasks) {
    const state = STATES[Math.floor(rng.next() * STATES.length)]!;
    out.push({ ...r, state, doneSeq: isSettled(state) && rng.next() < 0.8 ? seq++ * 3 : null });
  }
  for (const ts of wf.tasks) {
    if (ts.foreach === undefined || rng.next() < 0.3) continue;
    const base = out.find((r) => r.taskId === ts.id)!;
    const k = Math.floor(rng.next() * 4);
    for (let i = k - 1; i >= 0; i--) {
      const state = STATES[Math.floor(rng.next() * STATES.length)]!;
      out.push({ ...base, taskId: `${ts.id}[${i}]`, specId: ts.id, itemIndex: i, item: i, state, doneSeq: isSettled(state) ? seq++ * 3 : null });
    }
  }
  return out;
}

function shuffle<T>(xs: T[], rng: SeededRng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

test('buildRun derives the same run as the Map-based build on random new and resumed runs', () => {
  const rng = new SeededRng(7);
  let cases = 0;
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(rng.next() * 40);
    const wf = workflow(n, round % 3 === 0 ? 1 : 3, rng, round % 2 === 0 ? 0 : 0.3);
    const { row, tasks } = newRun(wf, {}, {}, 1000 + round, rng, null);
    sameBuild(row, tasks, `new run ${round}`);
    const resumed = resumedRows(tasks, wf, rng);
    sameBuild(row, resumed, `resumed run ${round}`);
    sameBuild(row, shuffle([...resumed], rng), `resumed run ${round}, rows shuffled`);
    cases += 3;
  }
  assert.equal(cases, 900);
});

test('large runs: a forest of any size gets descendant facts, a DAG with joins over the bitset limit gets none, as before', () => {
  const rng = new SeededRng(11);
  for (const [n, maxParents] of [[5000, 1], [2048, 3], [2049, 3], [3000, 2]] as const) {
    const wf = workflow(n, maxParents, rng, 0.01);
    const { row, tasks } = newRun(wf, {}, {}, 5, rng, null);
    sameBuild(row, tasks, `${n} tasks, up to ${maxParents} parents`);
    const run = buildRun(row, tasks);
    const hasFacts = (run.tasks.get('t0')!.descendantTasks ?? -1) >= 0;
    assert.equal(hasFacts, maxParents === 1 || n <= 2048, `${n} tasks: descendant facts computed`);
  }
});

test('a missing task row is an error naming the task', () => {
  const rng = new SeededRng(3);
  const wf = workflow(5, 2, rng, 0);
  const { row, tasks } = newRun(wf, {}, {}, 5, rng, null);
  assert.throws(() => buildRun(row, tasks.filter((r) => r.taskId !== 't3')), /task row t3 is missing/);
});
