/**
 * The learned policy's waiting tasks, grouped into candidates: tasks of one job with identical
 * scheduling facts (stage estimate, bottom level, demand, priority, deadline, pool) have
 * identical features, so they form one candidate (Decima scores stages, not their tasks). A TPC-H
 * stage of 200 tasks is one row to score, not 200. Inside a group tasks leave in FIFO order.
 */
import type { SchedTask } from '../../sched/types.js';

export interface Group {
  readonly key: string;
  readonly jobId: string;
  /** FIFO; tasks[head..] are waiting. */
  readonly tasks: SchedTask[];
  head: number;
  /** Position in Candidates.groups (swap-removed). */
  idx: number;
  /** Round in which an offered task of this group did not fit: skip it for that round. */
  skipRound: number;
}

function groupKey(t: SchedTask): string {
  const r = t.resources;
  let res = '';
  for (const k in r) res += `${k}=${r[k]},`;
  const sel = t.selector === null ? '' : JSON.stringify(t.selector);
  return `${t.job.id}\u0000${t.estimateMs}\u0000${t.bottomLevelMs}\u0000${t.priority}\u0000${t.deadline}\u0000${t.pool}\u0000${sel}\u0000${res}`;
}

export class Candidates {
  readonly groups: Group[] = [];
  readonly #byKey = new Map<string, Group>();
  readonly #taskGroup = new Map<string, Group>();
  /** Non-empty groups per job id. */
  readonly jobGroups = new Map<string, number>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(key: string): boolean {
    return this.#taskGroup.has(key);
  }

  add(t: SchedTask): void {
    if (this.#taskGroup.has(t.key)) return;
    const k = groupKey(t);
    let g = this.#byKey.get(k);
    if (g === undefined) {
      g = { key: k, jobId: t.job.id, tasks: [], head: 0, idx: this.groups.length, skipRound: -1 };
      this.#byKey.set(k, g);
      this.groups.push(g);
      this.jobGroups.set(g.jobId, (this.jobGroups.get(g.jobId) ?? 0) + 1);
    }
    g.tasks.push(t);
    this.#taskGroup.set(t.key, g);
    this.#size++;
  }

  /** Removes a waiting task wherever it is in its group; false when absent. */
  remove(key: string): boolean {
    const g = this.#taskGroup.get(key);
    if (g === undefined) return false;
    this.#taskGroup.delete(key);
    this.#size--;
    const ts = g.tasks;
    if (ts[g.head]?.key === key) g.head++;
    else {
      const i = ts.findIndex((t, j) => j >= g.head && t.key === key);
      if (i >= 0) ts.splice(i, 1);
    }
    if (g.head === ts.length) this.#drop(g);
    else if (g.head > 64 && g.head * 2 > ts.length) {
      ts.splice(0, g.head);
      g.head = 0;
    }
    return true;
  }

  countOf(g: Group): number {
    return g.tasks.length - g.head;
  }

  headOf(g: Group): SchedTask {
    return g.tasks[g.head]!;
  }

  #drop(g: Group): void {
    this.#byKey.delete(g.key);
    const last = this.groups.pop()!;
    if (last !== g) {
      this.groups[g.idx] = last;
      last.idx = g.idx;
    }
    const n = (this.jobGroups.get(g.jobId) ?? 1) - 1;
    if (n > 0) this.jobGroups.set(g.jobId, n);
    else this.jobGroups.delete(g.jobId);
  }
}
