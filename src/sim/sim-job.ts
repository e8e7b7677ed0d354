/**
 * One job inside a simulation run: its JobInfo (the object policies read, updated in place), the
 * per-stage progress counters, and the SchedTasks created when a stage becomes ready.
 *
 * Static facts of a JobSpec (children, topological order, estimated bottom levels, critical path)
 * are computed once per spec and shared: the Decima experiment draws 1,000 jobs from 154 specs.
 */
import { SeededRng, type Rng } from '../core/clock.js';
import { bottomLevels, childrenOf, topoOrder } from '../core/dag.js';
import type { JobInfo, SchedTask } from '../sched/types.js';
import { descendantSums } from './descendants.js';
import { cpuOf, type JobSpec, type StageSpec } from './workload.js';

export interface StaticJob {
  readonly children: readonly (readonly number[])[];
  readonly order: readonly number[];
  /** Estimated bottom level of each stage (ms at speed 1). */
  readonly bottom: Float64Array;
  readonly estimatedWorkMs: number;
  readonly totalTasks: number;
  readonly roots: readonly number[];
  /** Instances and estimated work (cpu x ms) of each stage's strict descendants (descendants.ts). */
  readonly descTasks: Float64Array;
  readonly descWorkMs: Float64Array;
}

const statics = new WeakMap<JobSpec, StaticJob>();

export function staticOf(spec: JobSpec): StaticJob {
  let s = statics.get(spec);
  if (s !== undefined) return s;
  const dag = { n: spec.stages.length, parents: spec.stages.map((st) => st.parents) };
  const t = topoOrder(dag);
  if (!t.ok) throw new Error(`job ${spec.name}: stages form a cycle`); // loaders reject cycles first
  let work = 0;
  let tasks = 0;
  for (const st of spec.stages) {
    work += st.numTasks * st.estimateMs * cpuOf(st.resources);
    tasks += st.numTasks;
  }
  const children = childrenOf(dag);
  const desc = descendantSums(children, t.order, (i) => spec.stages[i]!.numTasks, (i) => spec.stages[i]!.numTasks * spec.stages[i]!.estimateMs * cpuOf(spec.stages[i]!.resources));
  s = {
    children,
    order: t.order,
    bottom: bottomLevels(dag, (i) => spec.stages[i]!.estimateMs, t.order),
    estimatedWorkMs: work,
    totalTasks: tasks,
    roots: spec.stages.flatMap((st, i) => (st.parents.length === 0 ? [i] : [])),
    descTasks: desc.tasks,
    descWorkMs: desc.workMs,
  };
  statics.set(spec, s);
  return s;
}

/** Task lifecycle inside the simulator (one SimTask object per attempt). */
export const enum TaskState {
  Queued = 0,
  /** Placed by the scheduler; running, or stalled on a crashed worker until its lease expires. */
  Placed = 1,
  Done = 2,
  /** Failed, lost or cancelled: a later event for this attempt is ignored (the fencing rule). */
  Dead = 3,
  /** Placed on a worker that has crashed: makes no progress, still allocated until the lease expires. */
  Stalled = 4,
}

/**
 * A SchedTask with the simulator's bookkeeping attached. The scheduler sees only the SchedTask
 * fields; a Placement hands the same object back, so no lookup by key is needed.
 */
export interface SimTask extends SchedTask {
  readonly sj: SimJob;
  readonly stage: number;
  readonly index: number;
  readonly attempt: number;
  /** True duration on a speed-1 worker (the estimate unless durations are sampled). */
  readonly trueMs: number;
  state: TaskState;
  workerIdx: number;
  startedAt: number;
  /** The scheduler's Placement handle while placed (for `releaseHandle`), else null. */
  handle: unknown;
}

export class SimJob {
  readonly idx: number;
  readonly spec: JobSpec;
  readonly st: StaticJob;
  readonly info: JobInfo;
  readonly arrivalMs: number;
  /** Unfinished parent stages per stage; a stage is released when it reaches 0. */
  readonly #waitingParents: Int32Array;
  /** Unfinished instances per stage. */
  readonly #left: Int32Array;
  /** Which instances completed: the exactly-once invariant is checked against it. */
  readonly #done: Uint8Array[];
  /** Longest true instance duration per stage, for the job's true critical path. */
  readonly stageMaxMs: Float64Array;
  /** True work per stage (cores x ms), summed in stage order so the total is schedule-independent. */
  readonly #stageWork: Float64Array;
  /** Spread (stdev / mean) of each released stage's duration model: 0 for exact estimates. */
  readonly #cv: Float64Array;
  finishedAt = -1;
  failed: string | null = null;
  #stagesLeft: number;

  constructor(idx: number, spec: JobSpec, arrivalMs: number, namespace: string) {
    this.idx = idx;
    this.spec = spec;
    this.st = staticOf(spec);
    this.arrivalMs = arrivalMs;
    this.info = {
      id: `j${idx}`,
      namespace,
      arrivalAt: arrivalMs,
      deadline: spec.relativeDeadlineMs === null ? null : arrivalMs + spec.relativeDeadlineMs,
      remainingWorkMs: this.st.estimatedWorkMs,
      running: 0,
      totalTasks: this.st.totalTasks,
      doneTasks: 0,
      failedAttempts: 0,
    };
    const n = spec.stages.length;
    this.#waitingParents = new Int32Array(n);
    this.#left = new Int32Array(n);
    this.#done = new Array(n);
    this.stageMaxMs = new Float64Array(n);
    this.#stageWork = new Float64Array(n);
    this.#cv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.#waitingParents[i] = spec.stages[i]!.parents.length;
      this.#left[i] = spec.stages[i]!.numTasks;
    }
    this.#stagesLeft = n;
  }

  get finished(): boolean {
    return this.#stagesLeft === 0;
  }

  /**
   * Creates the first attempts of every instance of `stage`, ready at `now`. Sampled durations
   * draw from a stream seeded by (run seed, job, stage), not from a shared stream, so a stage gets
   * the same durations whatever the policy and whenever it is released.
   */
  releaseStage(stage: number, now: number, nextSeq: () => number, seed: number, executors: number, out: SimTask[]): void {
    const s: StageSpec = this.spec.stages[stage]!;
    const rng: Rng | null = s.sampler === undefined ? null : new SeededRng(mixSeed(seed, this.idx, stage));
    this.#done[stage] = new Uint8Array(s.numTasks);
    this.#cv[stage] = s.sampler?.cv?.(executors) ?? 0;
    const cpu = cpuOf(s.resources);
    let max = 0;
    let work = 0;
    const prefix = `${this.info.id}/${s.id}/`; // once per stage, not two concatenations per task
    for (let i = 0; i < s.numTasks; i++) {
      const trueMs = rng === null ? s.estimateMs : s.sampler!.sample(i, s.numTasks, rng, executors);
      if (trueMs > max) max = trueMs;
      work += trueMs * cpu;
      out.push(this.#task(stage, i, 0, trueMs, now, nextSeq(), prefix + i));
    }
    this.stageMaxMs[stage] = max;
    this.#stageWork[stage] = work;
  }

  /** A new attempt of a failed or lost task: same instance and true duration, new seq. */
  retry(t: SimTask, now: number, seq: number, countsAsAttempt: boolean): SimTask {
    return this.#task(t.stage, t.index, countsAsAttempt ? t.attempt + 1 : t.attempt, t.trueMs, now, seq);
  }

  #task(stage: number, index: number, attempt: number, trueMs: number, now: number, seq: number, key?: string): SimTask {
    const s = this.spec.stages[stage]!;
    return {
      key: key ?? `${this.info.id}/${s.id}/${index}`,
      job: this.info,
      priority: this.spec.priority,
      resources: s.resources,
      readyAt: now,
      seq,
      deadline: this.info.deadline,
      estimateMs: s.estimateMs,
      bottomLevelMs: this.st.bottom[stage]!,
      estimateCv: this.#cv[stage]!,
      descendantTasks: this.st.descTasks[stage]!,
      descendantWorkMs: this.st.descWorkMs[stage]!,
      pool: null,
      selector: null,
      sj: this,
      stage,
      index,
      attempt,
      trueMs,
      state: TaskState.Queued,
      workerIdx: -1,
      startedAt: -1,
      handle: null,
    };
  }

  /**
   * Records the completion of instance `t`; returns the stages released by it (empty unless it
   * was the last instance of its stage). Throws on a second completion of one instance: the
   * simulator's fencing must make that impossible.
   */
  complete(t: SimTask): readonly number[] {
    const done = this.#done[t.stage]!;
    if (done[t.index] === 1) throw new Error(`invariant: task ${t.key} completed twice`);
    done[t.index] = 1;
    const info = this.info;
    info.doneTasks++;
    info.remainingWorkMs -= this.spec.stages[t.stage]!.estimateMs * cpuOf(t.resources);
    if (--this.#left[t.stage]! > 0) return NONE;
    this.#stagesLeft--;
    if (this.#stagesLeft === 0) info.remainingWorkMs = 0; // clear float drift
    const released: number[] = [];
    const children = this.st.children[t.stage]!;
    for (let i = 0; i < children.length; i++) if (--this.#waitingParents[children[i]!]! === 0) released.push(children[i]!);
    return released;
  }

  /** Stages whose instances are created (released) but not all done: for cancelling a failed job. */
  isReleased(stage: number): boolean {
    return this.#done[stage] !== undefined;
  }

  isDone(stage: number, index: number): boolean {
    return this.#done[stage]?.[index] === 1;
  }

  /** True work of the released stages (cores x ms): the whole job's once it finished. */
  get trueWorkMs(): number {
    let w = 0;
    for (let i = 0; i < this.#stageWork.length; i++) w += this.#stageWork[i]!;
    return w;
  }

  /** The true critical path (ms at speed 1): longest path with each stage at its slowest instance. */
  trueCriticalPathMs(): number {
    const { order, children } = this.st;
    const level = new Float64Array(order.length);
    let best = 0;
    for (let k = order.length - 1; k >= 0; k--) {
      const i = order[k]!;
      let m = 0;
      for (const c of children[i]!) if (level[c]! > m) m = level[c]!;
      level[i] = this.stageMaxMs[i]! + m;
      if (level[i]! > best) best = level[i]!;
    }
    return best;
  }
}

const NONE: readonly number[] = Object.freeze([]);

/** A 32-bit seed from three integers (murmur3's finaliser over a running mix). */
export function mixSeed(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35) ^ c;
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}
