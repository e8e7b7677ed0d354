/**
 * weighted-fair: the tuned baseline of Decima (Mao et al., SIGCOMM 2019). Each job's target
 * share of the cluster is proportional to remainingWorkMs^alpha; the next task comes from the
 * job furthest below its target, i.e. with the smallest running / remainingWorkMs^alpha (the
 * normalising sum cancels out of the comparison). Inside a job: longest remaining path
 * (`bottomLevelMs`) first, then FIFO. Ties: earlier job arrival.
 *
 * Settings: `alpha` (default 1: share proportional to remaining work). alpha = 0 is plain
 * per-job fair share; alpha < 0 favours small jobs (SJF-like); Decima tunes alpha per workload,
 * which `kairos bench` can sweep. Remaining work below 1 ms counts as 1 ms.
 * A job's key is refreshed on every enqueue, placement and release of its tasks — the events on
 * which the driver updates `remainingWorkMs` — so the job heap never needs a full re-sort.
 */
import type { WaitReason } from '../../core/wait-reason.js';
import { GroupedQueues, type Group } from '../grouped-queues.js';
import { numberSetting, type Policy, type PolicyFactory } from '../policy.js';
import type { JobInfo, SchedTask } from '../types.js';
import type { KeyFn } from '../ordered-queue.js';
import type { EntryOps } from '../entry-policy.js';

export const weightedFair: PolicyFactory = (settings) => {
  const alpha = numberSetting(settings, 'alpha', 1);
  return new JobQueuesPolicy('weighted-fair', (running, job) => running / Math.max(job.remainingWorkMs, 1) ** alpha,
    (running, score) => `job holds ${running} tasks, ${score.toExponential(2)} per unit of remaining work^${alpha}`);
};

/**
 * How a job ranks (lowest first), from the tasks it holds now, its facts and its head task (the
 * one its queue offers next; the task being enqueued when the queue is empty).
 */
export type JobScore = (running: number, job: JobInfo, head: SchedTask) => number;

/** Inside a job: the longest remaining path first, then FIFO. */
const LONGEST_PATH_FIRST: KeyFn = (t, k) => ((k.a = -t.bottomLevelMs), (k.b = 0));

/**
 * Waiting tasks in one queue per job, the job with the lowest score first (weighted-fair, srpt,
 * srpt-dag); inside a job by `inJob` (default the longest remaining path), then FIFO; ties
 * between jobs by arrival.
 */
export class JobQueuesPolicy implements Policy {
  readonly #groups: GroupedQueues;
  /** Tasks placed per job, counted here (not JobInfo.running, which the driver updates later). */
  readonly #running = new Map<string, number>();
  /** The entry protocol (entry-policy.ts): the same queues, keyed by the Scheduler's records. */
  readonly entryOps: EntryOps = {
    plain: JobQueuesPolicy.prototype,
    enqueue: (e) => {
      const t = e.task;
      const g = this.#groups.enqueueEntry(e, t.job.id, this.#score(undefined, t), t.job.arrivalAt);
      this.#groups.rescore(g, this.#score(g, t));
    },
    remove: (e) => this.#groups.removeEntry(e),
    next: () => this.#groups.nextEntry(),
    placed: (e) => this.#groups.placedEntry(e),
  };

  constructor(
    readonly name: string,
    readonly score: JobScore,
    readonly describe: (running: number, score: number) => string,
    inJob: KeyFn = LONGEST_PATH_FIRST,
  ) {
    this.#groups = new GroupedQueues(inJob);
  }

  get size(): number {
    return this.#groups.size;
  }

  queueOf(t: SchedTask): string {
    return t.job.id;
  }

  /** The job's score from its group's head (`t` when the group is empty or absent). */
  #score(g: Group | undefined, t: SchedTask): number {
    return this.score(this.#running.get(t.job.id) ?? 0, t.job, g?.q.peek() ?? t);
  }

  enqueue(t: SchedTask): void {
    const g = this.#groups.enqueue(t, t.job.id, this.#score(undefined, t), t.job.arrivalAt);
    this.#groups.rescore(g, this.#score(g, t));
  }

  remove(key: string): void {
    this.#groups.remove(key);
  }

  beginRound(): void {}

  next(): SchedTask | undefined {
    return this.#groups.next();
  }

  placed(t: SchedTask): void {
    this.#groups.placed(t);
  }

  blockQueue(q: string): void {
    this.#groups.block(q);
  }

  endRound(): void {
    this.#groups.endRound();
  }

  heads(): SchedTask[] {
    return this.#groups.heads();
  }

  allocated(t: SchedTask, sign: 1 | -1): void {
    const id = t.job.id;
    const n = (this.#running.get(id) ?? 0) + sign;
    if (n > 0) this.#running.set(id, n);
    else this.#running.delete(id);
    const g: Group | undefined = this.#groups.group(id);
    if (g) this.#groups.rescore(g, this.#score(g, t));
    if (n <= 0 && (!g || g.q.size === 0)) this.#groups.forget(id);
  }

  explain(t: SchedTask): WaitReason | null {
    const g = this.#groups.group(t.job.id);
    if (!g) return null;
    return { kind: 'share', queue: t.job.id, detail: this.describe(this.#running.get(t.job.id) ?? 0, g.score) };
  }
}
