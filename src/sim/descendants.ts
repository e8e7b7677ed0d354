/**
 * Per-stage summaries over all strict descendants in a job's DAG: how many task instances and how
 * much estimated work (estimate x cpu, ms) still depend on a stage. They feed the learned policy's
 * Decima-style "aggregated over descendants" features (SchedTask.descendantTasks/WorkMs).
 *
 * A DAG is not a tree: a stage reachable along two paths must count once, so the sets are built
 * as bitsets in reverse topological order (a stage's set = union of its children's sets and the
 * children themselves) and summed afterwards. O(n^2 / 32) words per job, once per JobSpec
 * (sim-job.ts caches the StaticJob): Alibaba's largest jobs have tens of stages.
 */
export interface DescendantSums {
  readonly tasks: Float64Array;
  readonly workMs: Float64Array;
}

export function descendantSums(
  children: readonly (readonly number[])[],
  order: readonly number[],
  tasksOf: (stage: number) => number,
  workOf: (stage: number) => number,
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
