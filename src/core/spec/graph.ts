/**
 * Checks the `needs` graph: every dependency names a task, no task needs itself, no cycle. A
 * cycle is reported with its tasks in order, `a -> b -> c -> a`, where each arrow reads "is
 * needed by" (b needs a, c needs b, a needs c), so the user sees exactly which edges to cut.
 */
import type { TaskSpec } from '../model.js';
import { topoOrder } from '../dag.js';
import { suggestion } from './did-you-mean.js';
import type { Reporter } from './reporter.js';

/** Parents of each task as indexes (unknown dependencies left out), for later checks. */
export interface TaskGraph {
  readonly index: ReadonlyMap<string, number>;
  readonly parents: readonly (readonly number[])[];
  /** False when a cycle was found: ancestor queries then stay within what is known. */
  readonly acyclic: boolean;
}

export function checkGraph(tasks: readonly TaskSpec[], r: Reporter): TaskGraph {
  const index = new Map<string, number>();
  tasks.forEach((t, i) => index.set(t.id, i));
  const parents: number[][] = tasks.map((t) => {
    const ps: number[] = [];
    t.needs.forEach((need, k) => {
      const p = index.get(need);
      if (p === undefined) {
        const hint = r.full ? '' : suggestion(need, index.keys());
        r.issue('UNKNOWN_DEPENDENCY', ['tasks', t.id, 'needs', k], `unknown task \`${need}\`${hint}`);
      } else if (p === index.get(t.id)) {
        r.issue('CYCLE', ['tasks', t.id, 'needs', k], `task \`${t.id}\` needs itself`);
      } else ps.push(p);
    });
    return ps;
  });
  const order = topoOrder({ n: tasks.length, parents });
  if (!order.ok) {
    // Rotated to start at the task declared first: stable, and where a reader looks first.
    const start = order.cycle.indexOf(order.cycle.reduce((a, b) => Math.min(a, b)));
    const ids = [...order.cycle.slice(start), ...order.cycle.slice(0, start)].map((i) => tasks[i]!.id);
    const first = ids[0]!;
    const closing = tasks[index.get(first)!]!.needs.indexOf(ids[ids.length - 1]!);
    r.issue(
      'CYCLE',
      ['tasks', first, 'needs', ...(closing >= 0 ? [closing] : [])],
      `dependency cycle: ${[...ids, first].join(' -> ')} (each task needs the one before it); remove one of these needs`,
    );
  }
  return { index, parents, acyclic: order.ok };
}

/**
 * True when `ancestor` is reachable from `task` through parent edges. Breadth-first with an
 * early exit; the visited set makes it terminate even on a cyclic graph.
 */
export function isAncestor(g: TaskGraph, task: number, ancestor: number): boolean {
  const seen = new Uint8Array(g.parents.length);
  const queue = [...g.parents[task]!];
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h]!;
    if (v === ancestor) return true;
    if (seen[v]) continue;
    seen[v] = 1;
    for (const p of g.parents[v]!) if (!seen[p]) queue.push(p);
  }
  return false;
}
