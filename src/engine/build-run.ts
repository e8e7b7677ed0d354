/**
 * Builds the live model of a run from its rows: wires parents and children, restores foreach
 * groups and instances, computes the bottom levels the scheduler ranks by, and the counters.
 * Used for a new run (rows just created) and for a resumed one (rows read from the store).
 */
import { isSettled } from '../core/task-machine.js';
import type { JobInfo } from '../sched/types.js';
import type { RunRow, TaskRow } from '../store/types.js';
import { expectedInstances, taskWorkMs } from './job-facts.js';
import { LiveRun, LiveTask } from './live-run.js';
import { rank, wire } from './run-graph.js';

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
  const specs = row.spec.tasks;
  const n = specs.length;
  const job: JobInfo = {
    id: row.id, namespace: row.namespace, arrivalAt: row.startedAt ?? row.createdAt, deadline: row.deadlineAt,
    remainingWorkMs: 0, running: 0, totalTasks: n, doneTasks: 0,
    // Counted from 0 when the run is loaded (a resumed run's earlier failures are not in its task
    // rows); task-flow.ts increments it as the simulator does (simulator.ts #fail).
    failedAttempts: 0,
  };
  const run = new LiveRun(row, job);
  // By index, no temporary Map per task: a new run's rows are in spec order (newTaskRows), and so
  // are a resumed run's (the stores read them in insertion order); any other order falls back to a
  // Map of the rows by id. A foreach group counts as its expected instances (job-facts.ts: the
  // simulator counts a stage's numTasks from the job's arrival); only groups are in `width`.
  const tasks = new Array<LiveTask>(n);
  let rowsById: Map<string, TaskRow> | null = null;
  let width: Map<LiveTask, number> | null = null;
  for (let i = 0; i < n; i++) {
    const ts = specs[i]!;
    let tr: TaskRow | undefined = taskRows[i];
    if (tr === undefined || tr.taskId !== ts.id) {
      rowsById ??= byTaskId(taskRows);
      tr = rowsById.get(ts.id);
      if (!tr) throw new Error(`run ${row.id}: task row ${ts.id} is missing from the store`);
    }
    const t = new LiveTask(run, ts, tr);
    tasks[i] = t;
    if (ts.foreach !== undefined) {
      const w = expectedInstances(ts, row);
      (width ??= new Map()).set(t, w);
      job.totalTasks += w - 1;
    }
  }
  // The spec tasks are the run's map, in spec order (no copy); instances are added after them.
  run.tasks.adopt(tasks);
  wire(tasks, run.tasks);
  // Bottom levels and descendant facts, computed once per run (run-graph.ts): the spec DAG is
  // static except foreach groups, which count as their expected instances (as the simulator
  // counts a stage's numTasks; a list that depends on upstream outputs counts 1, job-facts.ts).
  // Ancestors' sums are not revised when a group expands: they have all settled by then.
  const groups = width;
  rank(tasks, groups === null ? one : (t) => groups.get(t) ?? 1, MAX_BITSET_TASKS);
  // foreach instances: rows whose spec_id names their group. Instances of a group that has not
  // expanded (yet, or again after a retry) wait, dormant, to be reused by the expansion; they count
  // for nothing until then (the group counts its expected ones).
  let live: LiveTask[] | null = null;
  for (let i = 0; i < taskRows.length; i++) {
    const tr = taskRows[i]!;
    if (tr.specId === null) continue;
    const group = run.tasks.get(tr.specId)!;
    const inst = new LiveTask(run, group.spec, tr);
    inst.joinGroup(group);
    run.tasks.add(inst);
    if (group.row.state === 'pending') continue;
    if (group.instances === null) {
      group.instances = [];
      job.totalTasks -= groups?.get(group) as number; // an expanded group counts as its instances
    }
    group.instances.push(inst);
    job.totalTasks++;
    (live ??= []).push(inst);
  }
  if (live !== null) for (let i = 0; i < n; i++) tasks[i]!.instances?.sort((a, b) => a.row.itemIndex! - b.row.itemIndex!);
  // Counters in the order of run.tasks (spec tasks, then instances): the float sums come out the same.
  for (let i = 0; i < n; i++) {
    const t = tasks[i]!;
    // An unexpanded group (no instances) counts its expected instances; an expanded one nothing.
    count(run, t, !t.isGroup ? 1 : t.instances === null ? groups!.get(t)! : 0);
    let unsettled = 0;
    const parents = t.parents;
    for (let j = 0; j < parents.length; j++) if (!isSettled(parents[j]!.row.state)) unsettled++;
    t.unsettledParents = unsettled;
  }
  if (live !== null) for (const t of live) count(run, t, 1);
  return run;
}

const one = (): number => 1;

function byTaskId(taskRows: readonly TaskRow[]): Map<string, TaskRow> {
  const m = new Map<string, TaskRow>();
  for (let i = 0; i < taskRows.length; i++) m.set(taskRows[i]!.taskId, taskRows[i]!);
  return m;
}

/** Adds a task that counts for `counts` tasks to the run's unsettled or done counters. */
function count(run: LiveRun, t: LiveTask, counts: number): void {
  if (!isSettled(t.row.state)) {
    run.unsettled++;
    run.job.remainingWorkMs += counts * taskWorkMs(t.spec);
  } else {
    run.job.doneTasks += counts;
    if (t.row.doneSeq !== null && t.row.doneSeq >= run.nextDoneSeq) run.nextDoneSeq = t.row.doneSeq + 1;
  }
}

export function newTaskRows(runId: string, row: RunRow): TaskRow[] {
  return row.spec.tasks.map((t) => ({
    runId, taskId: t.id, specId: null, itemIndex: null, item: null, state: 'pending', attempt: 0, readyAt: null,
    startedAt: null, finishedAt: null, retryAt: null, worker: null, outputs: null, error: null, reason: null, doneSeq: null,
  }));
}
