/**
 * The engine's in-memory view of a run: its persisted rows (mutated in place, written back by
 * the tick that changed them) plus what is derived and never stored (the dependency graph,
 * counters, the scheduler's job info, abort handles).
 */
import type { TaskSpec, TaskState, WorkflowSpec } from '../core/model.js';
import { isSettled } from '../core/task-machine.js';
import type { JobInfo, SchedTask } from '../sched/types.js';
import type { Resources } from '../core/resources.js';

/** Key of the per-spec demand, kept on the spec object itself (not enumerable, not serialised). */
const DEMAND = Symbol('kairos.demand');
/** Key of the per-spec runtime signature (a task spec belongs to one workflow). */
const SIGNATURE = Symbol('kairos.signature');
type SpecWithDemand = TaskSpec & { [DEMAND]?: Resources; [SIGNATURE]?: string };
import type { AttemptRow, RunRow, TaskRow } from '../store/types.js';
import type { BoundAction } from './bind-task.js';

const NONE: readonly LiveTask[] = Object.freeze([]);

export class LiveTask {
  readonly run: LiveRun;
  readonly spec: TaskSpec;
  readonly row: TaskRow;
  /** Tasks named in `needs` (for an instance: none; its group waited for them). */
  parents: readonly LiveTask[] = NONE;
  children: readonly LiveTask[] = NONE;
  /** Parents not yet settled; the task is decided when this reaches 0. */
  unsettledParents = 0;
  /** For a foreach instance: its group. */
  group: LiveTask | null = null;
  /** For an expanded foreach group: its instances. */
  instances: LiveTask[] | null = null;
  /** Longest estimated path to the end of the run from here, including itself (ms). */
  bottomLevelMs = 0;
  /**
   * Tasks and estimated work (cpu x ms) of all strict descendants, each counted once, as the
   * simulator defines them (core/dag.ts descendantSums); -1 when not computed (a large DAG with
   * joins, build-run.ts). Fixed at build time: see build-run.ts for foreach groups.
   */
  descendantTasks = -1;
  descendantWorkMs = -1;
  /** Set while queued in the scheduler. */
  sched: SchedTask | null = null;
  /** Set while an attempt runs: aborting it kills the attempt. */
  abort: AbortController | null = null;
  /** The current attempt's row while one runs. */
  attemptRow: AttemptRow | null = null;
  /** True while the scheduler accounts resources to this task. */
  placed = false;
  /** The action with templates resolved (at ready time, from upstream outputs). */
  bound: BoundAction | null = null;

  constructor(run: LiveRun, spec: TaskSpec, row: TaskRow) {
    this.run = run;
    this.spec = spec;
    this.row = row;
  }

  /** Makes this task an instance of `group`: its place in the DAG (bottom level, descendants) is the group's. */
  joinGroup(group: LiveTask): void {
    this.group = group;
    this.bottomLevelMs = group.bottomLevelMs;
    this.descendantTasks = group.descendantTasks;
    this.descendantWorkMs = group.descendantWorkMs;
  }

  /** What one attempt takes: the declared resources plus one concurrency slot (shared per spec). */
  get demand(): Resources {
    let d = (this.spec as SpecWithDemand)[DEMAND];
    if (d === undefined) {
      d = { ...this.spec.resources, slots: 1 };
      if (Object.isExtensible(this.spec)) Object.defineProperty(this.spec, DEMAND, { value: d, enumerable: false });
    }
    return d;
  }

  get id(): string {
    return this.row.taskId;
  }
  /** What the runtime model learns under: `namespace/workflow/task` (instances share their group's). */
  get signature(): string {
    const spec = this.spec as SpecWithDemand;
    let sig = spec[SIGNATURE];
    if (sig === undefined) {
      sig = `${this.run.spec.namespace}/${this.run.spec.name}/${spec.id}`;
      if (Object.isExtensible(spec)) Object.defineProperty(spec, SIGNATURE, { value: sig, enumerable: false });
    }
    return sig;
  }
  get key(): string {
    return `${this.row.runId}/${this.row.taskId}`;
  }
  get state(): TaskState {
    return this.row.state;
  }
  get isGroup(): boolean {
    return this.spec.foreach !== undefined && this.group === null;
  }
}

export class LiveRun {
  readonly row: RunRow;
  readonly spec: WorkflowSpec;
  readonly tasks = new Map<string, LiveTask>();
  readonly job: JobInfo;
  /**
   * `tasks` in expression contexts: `{ id: { state, outputs } }` for every settled task, read
   * through to the live rows on access (a view, so settling a task allocates nothing for it).
   */
  readonly exprTasks: Readonly<Record<string, { state: TaskState; outputs: Record<string, unknown> }>>;
  /** Tasks not yet settled (instances included); the run ends when it reaches 0. */
  unsettled = 0;
  /** Next completion sequence number (compensation runs in reverse of it). */
  nextDoneSeq = 1;
  /** Set by cancel: the run ends cancelled, not failed, and is not compensated. */
  cancelling = false;
  /** Compensation steps still to run, in order (latest completion first). */
  compensationQueue: LiveTask[] | null = null;
  /** Queued tasks held out of the scheduler while the run is paused. */
  readonly held: LiveTask[] = [];
  /** Settles the promises of `Engine.wait`. */
  readonly waiters: ((row: RunRow) => void)[] = [];

  constructor(row: RunRow, job: JobInfo) {
    this.row = row;
    this.spec = row.spec;
    this.job = job;
    const tasks = this.tasks;
    const view = (id: string | symbol) => {
      const t = typeof id === 'string' ? tasks.get(id) : undefined;
      return t !== undefined && t.group === null && isSettled(t.row.state) ? t : undefined;
    };
    this.exprTasks = new Proxy({}, {
      get: (_, id) => {
        const t = view(id);
        return t === undefined ? undefined : { state: t.row.state, outputs: t.row.outputs ?? {} };
      },
      has: (_, id) => view(id) !== undefined,
    });
  }
}
