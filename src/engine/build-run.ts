/**
 * Builds the live model of a run from its rows: wires parents and children, restores foreach
 * groups and instances, computes the bottom levels the scheduler ranks by, and the counters.
 * Used for a new run (rows just created) and for a resumed one (rows read from the store).
 */
import { bottomLevels, descendantSumsIfCheap, topoOrder } from '../core/dag.js';
import { isSettled } from '../core/task-machine.js';
import type { JobInfo } from '../sched/types.js';
import type { RunRow, TaskRow } from '../store/types.js';
import { DEFAULT_ESTIMATE_MS, expectedInstances, taskWorkMs } from './job-facts.js';
import { LiveRun, LiveTask } from './live-run.js';

export { taskWorkMs };
/**
 * Largest run whose descendant facts are computed with bitsets when its DAG has joins (a forest of
 * any size is linear: ~0.07 µs/task, 72 ms CPU for a 1M-task fan, 18 ms for a 250,000-deep chain).
 * The bitsets cost O(n) per task: measured 5-6 µs/task at 1,024-2,048 tasks, 10-13 at 4,096
 * (fork-join and ladder DAGs, once per run build; a micro-benchmark of descendantSumsIfCheap), against
 * ~50 µs/task of engine CPU (bench/engine/diagnose.ts --store null). Larger DAGs with joins get
 * no descendant facts (policies treat absence as unknown) rather than an over-count.
 */
const MAX_BITSET_TASKS = 2048;

export function buildRun(row: RunRow, taskRows: readonly TaskRow[]): LiveRun {
  const spec = row.spec;
  // A foreach group counts as its expected instances (job-facts.ts): the simulator counts a
  // stage's numTasks from the job's arrival. Groups only in the map; every other task counts 1.
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
    remainingWorkMs: 0, running: 0, totalTasks, doneTasks: 0,
    // Counted from 0 when the run is loaded (a resumed run's earlier failures are not in its task
    // rows); task-flow.ts increments it as the simulator does (simulator.ts #fail).
    failedAttempts: 0,
  };
  const run = new LiveRun(row, job);
  const byId = new Map(taskRows.map((t) => [t.taskId, t]));
  const specIndex = new Map(spec.tasks.map((t, i) => [t.id, i]));
  for (const ts of spec.tasks) {
    const tr = byId.get(ts.id);
    if (!tr) throw new Error(`run ${row.id}: task row ${ts.id} is missing from the store`);
    run.tasks.set(ts.id, new LiveTask(run, ts, tr));
  }
  // Exact-size arrays, and one shared empty array: an array grown by push reserves ~17 slots
  // (~150 B), which for 1,000,000 tasks is 300 MB of parents/children capacity never used.
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
  // Bottom levels over the spec DAG (validated acyclic at parse time).
  const dag = { n: spec.tasks.length, parents: spec.tasks.map((t) => t.needs.map((p) => specIndex.get(p)!)) };
  const order = topoOrder(dag);
  if (order.ok) {
    const levels = bottomLevels(dag, (i) => spec.tasks[i]!.estimateMs ?? DEFAULT_ESTIMATE_MS, order.order);
    // Descendant facts, computed once per run: the spec DAG is static except foreach groups,
    // which count as their expected instances (as the simulator counts a stage's numTasks; a
    // list that depends on upstream outputs counts 1, job-facts.ts). Ancestors' sums are not
    // revised when a group expands: they have all settled by then.
    const tasksOf = width.size === 0 ? () => 1 : (i: number) => width.get(i) ?? 1;
    const desc = descendantSumsIfCheap(dag, order.order, tasksOf, (i) => tasksOf(i) * taskWorkMs(spec.tasks[i]!), MAX_BITSET_TASKS);
    spec.tasks.forEach((ts, i) => {
      const t = run.tasks.get(ts.id)!;
      t.bottomLevelMs = levels[i]!;
      if (desc !== null) {
        t.descendantTasks = desc.tasks[i]!;
        t.descendantWorkMs = desc.workMs[i]!;
      }
    });
  }
  // foreach instances: rows whose spec_id names their group.
  for (const tr of taskRows) {
    if (tr.specId === null) continue;
    const group = run.tasks.get(tr.specId)!;
    const inst = new LiveTask(run, group.spec, tr);
    inst.joinGroup(group);
    run.tasks.set(tr.taskId, inst);
  }
  // Instances of a group that has not expanded (yet, or again after a retry) wait to be reused
  // by the expansion; they count for nothing until then (the group counts its expected ones).
  const dormant = new Set<LiveTask>();
  for (const t of run.tasks.values()) {
    if (t.group === null) continue;
    if (t.group.row.state === 'pending') {
      dormant.add(t);
      continue;
    }
    if (t.group.instances === undefined || t.group.instances === null) {
      t.group.instances = [];
      job.totalTasks -= width.get(specIndex.get(t.group.id)!)!; // an expanded group counts as its instances
    }
    t.group.instances.push(t);
    job.totalTasks++;
  }
  for (const g of run.tasks.values()) g.instances?.sort((a, b) => a.row.itemIndex! - b.row.itemIndex!);
  for (const t of run.tasks.values()) {
    if (dormant.has(t)) continue;
    // An unexpanded group (no instances) counts its expected instances; an expanded one nothing.
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

export function newTaskRows(runId: string, row: RunRow): TaskRow[] {
  return row.spec.tasks.map((t) => ({
    runId, taskId: t.id, specId: null, itemIndex: null, item: null, state: 'pending', attempt: 0, readyAt: null,
    startedAt: null, finishedAt: null, retryAt: null, worker: null, outputs: null, error: null, reason: null, doneSeq: null,
  }));
}
