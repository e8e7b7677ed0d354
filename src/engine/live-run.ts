/**
 * The engine's in-memory view of a run: its persisted rows (mutated in place, written back by
 * the tick that changed them) plus what is derived and never stored (the dependency graph,
 * counters, the scheduler's job info, abort handles).
 */
import type { TaskSpec, TaskState, WorkflowSpec } from '../core/model.js';
import { isSettled } from '../core/task-machine.js';
import type { JobInfo, SchedTask } from '../sched/types.js';
import { sameResources, type Resources } from '../core/resources.js';

/** Key of the per-spec demand, kept on the spec object itself (not enumerable, not serialised). */
const DEMAND = Symbol('kairos.demand');
type SpecWithDemand = TaskSpec & { [DEMAND]?: Resources };
import type { AttemptRow, RunRow, TaskRow } from '../store/types.js';
import type { BoundAction } from './bind-task.js';

const NONE: readonly LiveTask[] = Object.freeze([]);

/** The last demand made and what it was made from: specs with equal resources share one demand. */
let lastResources: Resources | null = null;
let lastDemand: Resources | null = null;

/**
 * A spec's resources plus one concurrency slot, shared with the previous spec when their
 * resources are equal (a generated workflow's tasks each have their own `resources` object): the
 * scheduler derives a task's shape per demand object (placement.ts shapeOf), so one object per
 * spec cost a shape key (sort, join, WeakMap entry) per task, ~3% of the no-op profile.
 */
function demandOf(resources: Resources): Resources {
  if (lastResources !== null && (resources === lastResources || sameResources(resources, lastResources))) return lastDemand!;
  lastResources = resources;
  lastDemand = { ...resources, slots: 1 };
  return lastDemand;
}

const NO_RESOURCES: Resources = Object.freeze({});

/**
 * A task of a live run. It is also the scheduler's view of itself (SchedTask, the fields under
 * "the scheduler's view" below, set by each enqueue: task-flow.ts #enqueue): a separate 17-field
 * object per enqueue was ~6 ms of a 20,000-task submit's decide and a long-lived object more per
 * queued task for the young GC to copy. A tuner that changes what the scheduler sees enqueues a
 * plain copy instead (`schedCopy`); `sched` is whichever went in.
 */
export class LiveTask implements SchedTask {
  readonly run: LiveRun;
  readonly spec: TaskSpec;
  readonly row: TaskRow;
  // ---- the scheduler's view, set at enqueue (unchanged while queued or placed) ----
  readonly job: JobInfo;
  priority = 0;
  resources: Resources = NO_RESOURCES;
  /** NaN until the first enqueue: a double field from the start (a time is not a small integer). */
  readyAt = NaN;
  seq = 0;
  deadline: number | null = null;
  estimateMs: number | null = null;
  estimateCv: number | undefined = undefined;
  pool: string | null = null;
  selector: Readonly<Record<string, string>> | null = null;
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
   * simulator defines them (core/dag.ts descendantSums); undefined when not computed (a large
   * DAG with joins, build-run.ts). Fixed at build time: see build-run.ts for foreach groups.
   */
  descendantTasks: number | undefined = undefined;
  descendantWorkMs: number | undefined = undefined;
  /** Set while queued in the scheduler. */
  sched: SchedTask | null = null;
  /** Set while an attempt runs: aborting it kills the attempt. */
  abort: AbortController | null = null;
  /** True while the scheduler accounts resources to this task. */
  placed = false;
  /** The scheduler's handle of the placement while placed (release without a lookup by key). */
  schedHandle: unknown = null;
  /**
   * `key`, made once: a key rebuilt per call is a new string the scheduler's and tuners' Maps
   * must hash again at every lookup (the scheduler's index was ~5% of the no-op profile).
   */
  #key: string | null = null;
  #signature: string | null = null;
  /** The PendingWrites batch its row was last given to (pending-writes.ts `task`). */
  writeGen = 0;
  /** The action with templates resolved (at ready time, from upstream outputs). */
  bound: BoundAction | null = null;

  constructor(run: LiveRun, spec: TaskSpec, row: TaskRow) {
    this.run = run;
    this.spec = spec;
    this.row = row;
    this.job = run.job;
  }

  /** SchedTask → its task (EngineSchedTask): the scheduler hands back what it was given. */
  get live(): LiveTask {
    return this;
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
    // Specs sharing one resources object (an SDK loop, the benchmark) need no per-spec property.
    if (this.spec.resources === lastResources) return lastDemand!;
    let d = (this.spec as SpecWithDemand)[DEMAND];
    if (d === undefined) {
      d = demandOf(this.spec.resources);
      if (Object.isExtensible(this.spec)) Object.defineProperty(this.spec, DEMAND, { value: d, enumerable: false });
    }
    return d;
  }

  get id(): string {
    return this.row.taskId;
  }
  /** What the runtime model learns under: `namespace/workflow/task` (instances share their group's). */
  get signature(): string {
    // Kept on the task, made once: a property defined on each spec cost a map transition and a
    // property store per spec (~150 B of garbage per task when every task has its own spec).
    return (this.#signature ??= this.run.signaturePrefix + this.spec.id);
  }
  get key(): string {
    return (this.#key ??= `${this.row.runId}/${this.row.taskId}`);
  }
  /**
   * The row of the attempt running now (status `running`), or null: made on each read (the API's
   * task view), from the task row that records it; the attempt's stored row is written when it ends.
   */
  get attemptRow(): AttemptRow | null {
    const row = this.row;
    if (!this.placed || row.state !== 'running' || row.startedAt === null) return null;
    return {
      runId: row.runId, taskId: row.taskId, attempt: row.attempt, kind: 'run', status: 'running', worker: row.worker,
      startedAt: row.startedAt, finishedAt: null, exitCode: null, error: null,
    };
  }
  get state(): TaskState {
    return this.row.state;
  }
  get isGroup(): boolean {
    return this.spec.foreach !== undefined && this.group === null;
  }
}

/**
 * A run's tasks by id, in insertion order (spec tasks in spec order, then foreach instances): the
 * Map operations the engine uses, with the index by id built on the first lookup by id. Why: the
 * Map was built at every submit, one insert per task, and most runs never look a task up by id
 * (decide, dispatch and results go through the LiveTasks themselves; lookups are the API's, the
 * fleet's messages, foreach expansions, `tasks.x` in expressions): 20,000 inserts into a
 * growing Map of young tasks were ~0.45 µs/task, a fifth of a submit and its first decide
 * (a probe of buildRun with and without the Map, not kept), and ~46 B/task retained. Ids are unique
 * (model.ts), and nothing is ever deleted, so iterating the list is iterating the Map.
 */
export class TaskMap {
  #list: LiveTask[] = [];
  #byId: Map<string, LiveTask> | null = null;

  /** Takes `tasks` (new ids, in order) as the whole map while it is empty: the array is the map's from now on. */
  adopt(tasks: LiveTask[]): void {
    if (this.#list.length > 0 || this.#byId !== null) throw new Error('TaskMap.adopt: the map is not empty');
    this.#list = tasks;
  }

  get size(): number {
    return this.#list.length;
  }
  get(id: string): LiveTask | undefined {
    return (this.#byId ?? this.#index()).get(id);
  }
  has(id: string): boolean {
    return (this.#byId ?? this.#index()).has(id);
  }
  /** Adds a task whose id the run does not have yet (a new spec task, row or foreach instance). */
  add(t: LiveTask): void {
    this.#list.push(t);
    if (this.#byId !== null) this.#byId.set(t.id, t);
  }
  /**
   * A copy of the tasks in insertion order (a slice: ~8 ns a task where spreading `values()`
   * took ~40, a micro-benchmark of 20,000 on this machine).
   */
  toArray(): LiveTask[] {
    return this.#list.slice();
  }
  /** The tasks in insertion order; like a Map's, the iterator sees tasks added while it runs. */
  values(): ArrayIterator<LiveTask> {
    return this.#list.values();
  }
  *keys(): Generator<string, void, undefined> {
    for (const t of this.#list) yield t.id;
  }
  /** Also sees tasks added by `fn` (as Map.prototype.forEach does). */
  forEach(fn: (t: LiveTask, id: string, map: TaskMap) => void): void {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) fn(list[i]!, list[i]!.id, this);
  }

  #index(): Map<string, LiveTask> {
    const m = new Map<string, LiveTask>();
    for (let i = 0; i < this.#list.length; i++) m.set(this.#list[i]!.id, this.#list[i]!);
    return (this.#byId = m);
  }
}

export class LiveRun {
  readonly row: RunRow;
  readonly spec: WorkflowSpec;
  readonly tasks = new TaskMap();
  readonly job: JobInfo;
  /** `namespace/workflow/` of its tasks' signatures (LiveTask.signature): one concatenation per task, not four. */
  readonly signaturePrefix: string;
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
    this.signaturePrefix = `${row.spec.namespace}/${row.spec.name}/`;
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

/**
 * A plain copy of a task's scheduler view with another priority and resources (the tuners:
 * right-sizing, OOM memory, deadline boosts). Field by field: a spread of a LiveTask would copy
 * the task, not the view (`key` and `live` are getters).
 */
export function schedCopy(s: EngineSchedTaskLike, priority: number, resources: Resources): EngineSchedTaskLike {
  return {
    live: s.live, key: s.key, job: s.job, priority, resources, readyAt: s.readyAt, seq: s.seq, deadline: s.deadline, estimateMs: s.estimateMs,
    bottomLevelMs: s.bottomLevelMs, estimateCv: s.estimateCv, descendantTasks: s.descendantTasks, descendantWorkMs: s.descendantWorkMs,
    pool: s.pool, selector: s.selector,
  };
}

/** flow-types.ts EngineSchedTask (not imported from there: it imports this file). */
export interface EngineSchedTaskLike extends SchedTask {
  readonly live: LiveTask;
}
