/**
 * DAG algorithms over nodes indexed 0..n-1 with `parents[i]` listing the nodes i needs.
 * Everything is O(n + edges) and iterative (no recursion: workflows may be 100,000 tasks deep).
 */

export interface Dag {
  readonly n: number;
  readonly parents: readonly (readonly number[])[];
}

export function childrenOf(dag: Dag): number[][] {
  const children: number[][] = Array.from({ length: dag.n }, () => []);
  for (let i = 0; i < dag.n; i++) for (const p of dag.parents[i]!) children[p]!.push(i);
  return children;
}

/** A topological order (parents before children), or the nodes of one cycle when there is one. */
export function topoOrder(dag: Dag): { ok: true; order: number[] } | { ok: false; cycle: number[] } {
  const indeg = new Int32Array(dag.n);
  const children = childrenOf(dag);
  for (let i = 0; i < dag.n; i++) indeg[i] = dag.parents[i]!.length;
  const order: number[] = [];
  for (let i = 0; i < dag.n; i++) if (indeg[i] === 0) order.push(i);
  for (let h = 0; h < order.length; h++) {
    for (const c of children[order[h]!]!) if (--indeg[c]! === 0) order.push(c);
  }
  if (order.length === dag.n) return { ok: true, order };
  return { ok: false, cycle: findCycle(dag, indeg) };
}

/** Walks parent edges among nodes left with in-degree > 0 until a node repeats: that loop is a cycle. */
function findCycle(dag: Dag, indeg: Int32Array): number[] {
  let start = -1;
  for (let i = 0; i < dag.n; i++) if (indeg[i]! > 0) { start = i; break; }
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  let v = start;
  while (!seenAt.has(v)) {
    seenAt.set(v, path.length);
    path.push(v);
    // Some parent of v is also stuck (otherwise v's in-degree would have reached 0).
    v = dag.parents[v]!.find((p) => indeg[p]! > 0)!;
  }
  // path runs child -> parent; reverse so the cycle reads in dependency order.
  return path.slice(seenAt.get(v)!).reverse();
}

/**
 * Longest path from each node to any sink, counting node weights (the "upward rank" of HEFT and
 * the remaining critical path of a job). Requires a valid topological order.
 */
export function bottomLevels(dag: Dag, weight: (i: number) => number, order: readonly number[]): Float64Array {
  const children = childrenOf(dag);
  const level = new Float64Array(dag.n);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    let best = 0;
    for (const c of children[i]!) if (level[c]! > best) best = level[c]!;
    level[i] = weight(i) + best;
  }
  return level;
}

/** Length of the critical path: the longest weighted path through the DAG. */
export function criticalPathLength(dag: Dag, weight: (i: number) => number): number {
  const t = topoOrder(dag);
  if (!t.ok) throw new Error('criticalPathLength: graph has a cycle');
  let best = 0;
  for (const v of bottomLevels(dag, weight, t.order)) if (v > best) best = v;
  return best;
}

/** Number of distinct descendants of every node (bitset-free: exact for n <= ~20k, via sets). */
export function descendantCounts(dag: Dag, order: readonly number[]): Int32Array {
  const children = childrenOf(dag);
  const counts = new Int32Array(dag.n);
  const sets: (Set<number> | undefined)[] = new Array(dag.n);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    const s = new Set<number>();
    for (const c of children[i]!) {
      s.add(c);
      for (const d of sets[c]!) s.add(d);
    }
    sets[i] = s;
    counts[i] = s.size;
  }
  return counts;
}

/**
 * Per-node sums over all strict descendants: how many tasks and how much estimated work
 * (estimate x cpu, ms) wait on a node, a node reachable along two paths counted once. Both
 * drivers call this (the simulator per stage, sim/descendants.ts; the engine per task,
 * engine/build-run.ts) so the SchedTask facts `descendantTasks`/`descendantWorkMs` share one
 * definition.
 */
export interface DescendantSums {
  readonly tasks: Float64Array;
  readonly workMs: Float64Array;
}

/**
 * Exact sums for any DAG: descendant sets as bitsets built in reverse topological order (a
 * node's set = union of its children's sets and the children themselves), summed afterwards.
 * O(n^2 / 32) words of memory and O(n^2) time: for small graphs only (simulator stages: tens).
 */
export function descendantSums(
  children: readonly (readonly number[])[],
  order: readonly number[],
  tasksOf: (node: number) => number,
  workOf: (node: number) => number,
): DescendantSums {
  const n = children.length;
  const words = (n + 31) >>> 5;
  const sets = new Uint32Array(n * words);
  for (let k = order.length - 1; k >= 0; k--) {
    const s = order[k]!;
    const so = s * words;
    for (const c of children[s]!) {
      sets[so + (c >>> 5)]! |= 1 << (c & 31);
      const co = c * words;
      for (let w = 0; w < words; w++) sets[so + w]! |= sets[co + w]!;
    }
  }
  const tasks = new Float64Array(n);
  const workMs = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const so = s * words;
    let t = 0;
    let w = 0;
    for (let d = 0; d < n; d++) {
      if ((sets[so + (d >>> 5)]! & (1 << (d & 31))) === 0) continue;
      t += tasksOf(d);
      w += workOf(d);
    }
    tasks[s] = t;
    workMs[s] = w;
  }
  return { tasks, workMs };
}

/**
 * The same sums in O(n + edges) when they can be computed exactly that cheaply, else null:
 * - a forest (every node has at most one parent): a node's descendants are its children's
 *   subtrees, disjoint, so plain sums in reverse topological order are exact (a 250,000-deep
 *   chain gives n-1-i for node i; wide parent + children fan-outs likewise);
 * - any other DAG of at most `maxBitsetNodes` nodes: the bitset sets above;
 * - otherwise null: a large DAG with joins would need O(n^2) reachability, and an upper bound
 *   (sums that count a shared descendant twice) would not be the simulator's definition.
 */
export function descendantSumsIfCheap(
  dag: Dag,
  order: readonly number[],
  tasksOf: (node: number) => number,
  workOf: (node: number) => number,
  maxBitsetNodes: number,
): DescendantSums | null {
  let forest = true;
  for (let i = 0; i < dag.n; i++) if (dag.parents[i]!.length > 1) { forest = false; break; }
  if (!forest) return dag.n <= maxBitsetNodes ? descendantSums(childrenOf(dag), order, tasksOf, workOf) : null;
  const tasks = new Float64Array(dag.n);
  const workMs = new Float64Array(dag.n);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    const ps = dag.parents[i]!;
    if (ps.length === 0) continue;
    const p = ps[0]!;
    tasks[p]! += tasks[i]! + tasksOf(i);
    workMs[p]! += workMs[i]! + workOf(i);
  }
  return { tasks, workMs };
}
