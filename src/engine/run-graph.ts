/**
 * The DAG part of building a run (build-run.ts), over the run's LiveTasks themselves: wires
 * parents and children, then computes the bottom levels and descendant facts the scheduler
 * ranks by. The same answers as core/dag.ts (topoOrder, bottomLevels, descendantSumsIfCheap):
 * the same topological order (Kahn's, roots in spec order, children in spec order), the same
 * sums added in the same order.
 *
 * Why not core/dag.ts on an index graph: building one cost a Map of id -> index, a `needs` array
 * mapped per task and two `children` arrays of arrays (childrenOf, once per algorithm) — with the
 * Maps of rows and the for-of iterators around it ~550 B allocated and ~2 µs of CPU per task at
 * submit (bench/engine/alloc-profile.ts, a 20,000-task run). Here the per-node numbers live in the
 * tasks' own fields and the only per-task allocations are the exact-size parents/children arrays
 * and one order array of n slots. While this runs, `unsettledParents` is scratch (child counts,
 * then in-degrees); build-run.ts sets its real value afterwards.
 */
import { descendantSums } from '../core/dag.js';
import { DEFAULT_ESTIMATE_MS, taskWorkMs } from './job-facts.js';
import type { LiveTask } from './live-run.js';

/**
 * Sets `parents` and `children` of `tasks` (the run's spec tasks in spec order; `byId` resolves
 * `needs`). Exact-size arrays and the shared empty one: an array grown by push reserves ~17 slots
 * (~150 B), which for 1,000,000 tasks is 300 MB of capacity never used.
 *
 * A need is looked for first among the few tasks just before (a parent is usually declared just
 * before its children), then by id: `byId` builds its index on the first lookup (live-run.ts
 * TaskMap), which a DAG declared in that order never makes. Ids are unique (model.ts), so the
 * nearest match is the only one. Tasks with the same `needs` array (an SDK loop's children)
 * share one `parents` array: nothing writes it after this.
 */
export function wire(tasks: readonly LiveTask[], byId: { get(id: string): LiveTask | undefined }): void {
  const n = tasks.length;
  let lastNeeds: readonly string[] | null = null;
  let lastParents: LiveTask[] = [];
  for (let i = 0; i < n; i++) {
    const t = tasks[i]!;
    const needs = t.spec.needs;
    if (needs.length === 0) continue;
    let parents = lastParents;
    if (needs !== lastNeeds) {
      parents = new Array<LiveTask>(needs.length);
      for (let j = 0; j < needs.length; j++) parents[j] = nearest(tasks, i, needs[j]!) ?? byId.get(needs[j]!)!;
      lastNeeds = needs;
      lastParents = parents;
    }
    for (let j = 0; j < parents.length; j++) parents[j]!.unsettledParents++; // scratch: children counted
    t.parents = parents;
  }
  for (let i = 0; i < n; i++) {
    const t = tasks[i]!;
    if (t.unsettledParents > 0) t.children = new Array<LiveTask>(t.unsettledParents);
    t.unsettledParents = 0; // scratch: children filled
  }
  for (let i = 0; i < n; i++) {
    const t = tasks[i]!;
    const parents = t.parents;
    for (let j = 0; j < parents.length; j++) {
      const p = parents[j]!;
      (p.children as LiveTask[])[p.unsettledParents++] = t;
    }
  }
}

/** How far back `nearest` looks before the lookup by id. */
const NEAR = 8;

/** The task among the NEAR before `tasks[i]` whose id is `id`, if any. */
function nearest(tasks: readonly LiveTask[], i: number, id: string): LiveTask | undefined {
  for (let k = i - 1, end = Math.max(0, i - NEAR); k >= end; k--) if (tasks[k]!.spec.id === id) return tasks[k];
  return undefined;
}

/** Kahn's order of `tasks` (parents before children), or null when they hold a cycle (core/dag.ts topoOrder). */
function topoOrder(tasks: readonly LiveTask[]): LiveTask[] | null {
  const n = tasks.length;
  const order = new Array<LiveTask>(n);
  let len = 0;
  for (let i = 0; i < n; i++) {
    const t = tasks[i]!;
    t.unsettledParents = t.parents.length; // scratch: in-degree
    if (t.unsettledParents === 0) order[len++] = t;
  }
  for (let h = 0; h < len; h++) {
    const children = order[h]!.children;
    for (let j = 0; j < children.length; j++) {
      const c = children[j]!;
      if (--c.unsettledParents === 0) order[len++] = c;
    }
  }
  return len === n ? order : null;
}

/**
 * Sets `bottomLevelMs` and, when cheap, `descendantTasks` / `descendantWorkMs` of every task of a
 * wired run (see build-run.ts for the limit and foreach groups: `tasksOf` counts a group as its
 * expected instances). Leaves the defaults (0, undefined) when the graph has a cycle, as before.
 */
export function rank(tasks: readonly LiveTask[], tasksOf: (t: LiveTask) => number, maxBitsetTasks: number): void {
  const order = topoOrder(tasks);
  if (order === null) return;
  const n = order.length;
  let forest = true;
  for (let k = n - 1; k >= 0; k--) {
    const t = order[k]!;
    const children = t.children;
    let best = 0;
    for (let j = 0; j < children.length; j++) {
      const l = children[j]!.bottomLevelMs;
      if (l > best) best = l;
    }
    t.bottomLevelMs = (t.spec.estimateMs ?? DEFAULT_ESTIMATE_MS) + best;
    if (t.parents.length > 1) forest = false;
  }
  if (forest) {
    // A node's descendants are its children's subtrees, disjoint: plain sums in reverse order.
    for (let i = 0; i < n; i++) {
      const t = tasks[i]!;
      t.descendantTasks = 0;
      t.descendantWorkMs = 0;
    }
    for (let k = n - 1; k >= 0; k--) {
      const t = order[k]!;
      if (t.parents.length === 0) continue;
      const p = t.parents[0]!;
      const count = tasksOf(t);
      p.descendantTasks! += t.descendantTasks! + count;
      p.descendantWorkMs! += t.descendantWorkMs! + count * taskWorkMs(t.spec);
    }
    return;
  }
  if (n > maxBitsetTasks) return;
  // Joins in a small DAG: core/dag.ts's bitsets on an index graph (n is bounded, so its arrays are too).
  for (let i = 0; i < n; i++) tasks[i]!.unsettledParents = i; // scratch: index
  const children = tasks.map((t) => t.children.map((c) => c.unsettledParents));
  const orderIdx = order.map((t) => t.unsettledParents);
  const desc = descendantSums(children, orderIdx, (i) => tasksOf(tasks[i]!), (i) => tasksOf(tasks[i]!) * taskWorkMs(tasks[i]!.spec));
  for (let i = 0; i < n; i++) {
    const t = tasks[i]!;
    t.descendantTasks = desc.tasks[i]!;
    t.descendantWorkMs = desc.workMs[i]!;
  }
}
