/**
 * srpt-dag: `srpt` with Decima's one DAG signal added — prefer the stage that unlocks the most
 * work. Found by the diagnosis of issue 4 (docs/learned-policy.md, "Where the room is"): among
 * fixed scoring rules tried on TRAINING workloads only, adding the share of the job's remaining
 * work that waits on a stage (SchedTask.descendantWorkMs / the job's remainingWorkMs) to the SRPT
 * order was the only change that helped: -1.3% average JCT on continuous TPC-H (4 training seeds,
 * each better), -0.1% / -0.6% on two Alibaba training slices. Nearly all of it comes from the
 * order inside a job (dagWeight 0 gives -1.2% on those TPC-H seeds, 0.3 -1.2%, the linear-rule
 * version -1.3%). On the evaluation sets: -1.1% to -1.7% on
 * every continuous-TPC-H seed, but +0.2% on the Alibaba evaluation jobs.
 *
 * Job order (lowest first): ln(1 + remaining work in cpu-seconds) - dagWeight x min(1, descendant
 * work of the job's head task / remaining work); ties by arrival. Inside a job: most descendant
 * work first, then the longest remaining path, then FIFO. Without descendant facts the order is
 * exactly srpt's: both drivers fill them (core/dag.ts), but the live engine leaves them out of
 * runs over 2,048 tasks whose DAG has shared descendants (the exact count would be too costly).
 * Settings: `dagWeight` (default 0.3, as the learned policy's teacher, teacher.ts).
 */
import type { WaitReason } from '../../core/wait-reason.js';
import { GroupedQueues, type Group } from '../grouped-queues.js';
import { numberSetting, type Policy, type PolicyFactory } from '../policy.js';
import type { SchedTask } from '../types.js';

export const srptDag: PolicyFactory = (settings) => new SrptDagPolicy(numberSetting(settings, 'dagWeight', 0.3));

class SrptDagPolicy implements Policy {
  readonly name = 'srpt-dag';
  readonly #groups = new GroupedQueues((t, k) => ((k.a = -(t.descendantWorkMs ?? 0)), (k.b = -t.bottomLevelMs)));
  readonly #running = new Map<string, number>();

  constructor(readonly weight: number) {}

  get size(): number {
    return this.#groups.size;
  }

  queueOf(t: SchedTask): string {
    return t.job.id;
  }

  /** The job's key from its current head task (any waiting task of the job when none is given). */
  #score(g: Group | undefined, fallback: SchedTask): number {
    const head = g?.q.peek() ?? fallback;
    const rem = Math.max(0, head.job.remainingWorkMs);
    const share = rem > 0 ? Math.min(1, (head.descendantWorkMs ?? 0) / rem) : 0;
    return Math.log1p(rem / 1000) - this.weight * share;
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
    const g = this.#groups.group(id);
    if (g) this.#groups.rescore(g, this.#score(g, t));
    if (n <= 0 && (!g || g.q.size === 0)) this.#groups.forget(id);
  }

  explain(t: SchedTask): WaitReason | null {
    const g = this.#groups.group(t.job.id);
    if (!g) return null;
    return { kind: 'share', queue: t.job.id, detail: `job key ${g.score.toFixed(3)}: ln(1 + remaining cpu-s) minus ${this.weight} x the share of its work that waits on its next stage` };
  }
}
