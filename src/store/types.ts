/**
 * The Store interface: durable state of workflows, runs, tasks and attempts. One interface, one
 * conformance suite (test/store/conformance.ts) run against every adapter: SQLite (embedded
 * default) now, PostgreSQL for production.
 *
 * Write path: the engine collects the rows one scheduling tick changed into a `WriteBatch` and
 * commits it in one transaction (group commit) BEFORE it carries out the tick's effects
 * (write-ahead). Rows are written whole: the batch carries the final row of each task changed in
 * the tick, so intermediate states within a tick never cost a write.
 */
import type { RunState, TaskState, WorkflowSpec } from '../core/model.js';
import type { WaitReason } from '../core/wait-reason.js';

export interface RunRow {
  readonly id: string;
  readonly workflow: string;
  readonly namespace: string;
  readonly priority: number;
  state: RunState;
  readonly params: Readonly<Record<string, unknown>>;
  readonly spec: WorkflowSpec;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  readonly deadlineAt: number | null;
  error: string | null;
  /** Process that drives the run now (`host:pid`), so two engines never drive one run. */
  owner: string | null;
  /** Heartbeat of the owner (ms); an owner silent for long is presumed dead. */
  ownerSeenAt: number | null;
  paused: boolean;
}

export interface TaskRow {
  readonly runId: string;
  readonly taskId: string;
  /** For a foreach instance: the id of the task spec it was expanded from; otherwise null. */
  readonly specId: string | null;
  /** For a foreach instance: its index and item. */
  readonly itemIndex: number | null;
  readonly item: unknown;
  state: TaskState;
  /** Attempts started so far (the current one when running). */
  attempt: number;
  readyAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  retryAt: number | null;
  worker: string | null;
  outputs: Record<string, unknown> | null;
  error: string | null;
  reason: WaitReason | null;
  /** Completion order within the run (compensation runs in reverse); null until succeeded. */
  doneSeq: number | null;
}

export type AttemptStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'lost';

export interface AttemptRow {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  status: AttemptStatus;
  readonly worker: string | null;
  readonly startedAt: number;
  finishedAt: number | null;
  exitCode: number | null;
  error: string | null;
  /** Compensation attempts are recorded too, with kind 'compensate'. */
  readonly kind: 'run' | 'compensate';
}

export interface EventRow {
  readonly runId: string;
  readonly taskId: string | null;
  readonly at: number;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>> | null;
}

export interface WorkflowRow {
  readonly name: string;
  readonly version: number;
  readonly namespace: string;
  readonly spec: WorkflowSpec;
  readonly source: string;
  readonly createdAt: number;
}

export interface WriteBatch {
  /** Runs to insert (whole row, spec included). */
  newRuns: RunRow[];
  /** Known runs whose state, times, error, owner or pause changed (spec and params are immutable). */
  runs: RunRow[];
  newTasks: TaskRow[];
  tasks: TaskRow[];
  /** Finished attempts (and attempts found lost): each attempt is written once, when it ends. */
  attempts: AttemptRow[];
  /**
   * For each of `attempts`, the live row of its task where the engine has it (parallel array;
   * absent or undefined: none). A store may then keep a succeeded attempt that the row says all
   * of in the row itself instead of a row of its own (SQLite: migration 3), as long as its reads
   * return it like any other attempt.
   */
  attemptTasks?: (TaskRow | undefined)[];
  events: EventRow[];
}

export function emptyBatch(): WriteBatch {
  return { newRuns: [], runs: [], newTasks: [], tasks: [], attempts: [], events: [] };
}

export interface RunFilter {
  readonly state?: RunState;
  readonly namespace?: string;
  readonly workflow?: string;
  /** Exact run priority. */
  readonly priority?: number;
  /** Partial match on run id, workflow name and label values. */
  readonly search?: string;
  readonly since?: number;
  readonly limit?: number;
}

/** Who may do what through the API (see docs/api.md "Auth"). */
export type TokenRole = 'admin' | 'operator' | 'viewer';

/**
 * An API bearer token. Only the SHA-256 of the token is stored (hex): the plain token is shown
 * once, when created, and cannot be recovered from the store.
 */
export interface TokenRow {
  /** Public id (to list and revoke); not secret, not usable as a token. */
  readonly id: string;
  /** Hex SHA-256 of the token; unique. */
  readonly hash: string;
  readonly role: TokenRole;
  /** Namespace the token is limited to, or null for every namespace. */
  readonly namespace: string | null;
  /** Free-text label ("ci", "alice"). */
  readonly name: string | null;
  readonly createdAt: number;
  /** When it was revoked (ms), or null while valid. */
  readonly revokedAt: number | null;
}

export interface Store {
  /**
   * True when `commit` copies the batch before it returns (later changes to the rows it was given
   * do not reach the store) and commits resolve in the order they were called: the engine may
   * then run its next tick while a commit is in flight (pipelined group commit; the effects of a
   * tick still wait for their own commit). Absent or false: the engine awaits each commit first.
   */
  readonly pipelinedCommit?: boolean;
  /** Applies every migration not yet applied; safe to call on every start. */
  migrate(): Promise<void>;
  /** Writes the whole batch in one transaction, or nothing. */
  commit(batch: WriteBatch): Promise<void>;
  getRun(id: string): Promise<RunRow | null>;
  listRuns(filter?: RunFilter): Promise<RunRow[]>;
  getTasks(runId: string): Promise<TaskRow[]>;
  getAttempts(runId: string, taskId?: string): Promise<AttemptRow[]>;
  getEvents(runId: string): Promise<EventRow[]>;
  /**
   * History retention: deletes up to `limit` runs that ended (succeeded, failed, cancelled) before
   * `finishedBefore` (epoch ms), oldest first, each with everything stored under it (tasks,
   * attempts, events, spec parts, task log), one transaction per call; returns their ids. A run
   * that has not ended is never deleted.
   */
  deleteFinishedRuns(finishedBefore: number, limit: number): Promise<string[]>;
  /** Runs in a non-terminal state (to resume after a restart). */
  unfinishedRuns(): Promise<RunRow[]>;
  /** Atomically takes ownership of a run if it has no live owner; false if another owner holds it. */
  claimRun(runId: string, owner: string, now: number, staleAfterMs: number): Promise<boolean>;
  /** Refreshes the heartbeat of every run this owner holds. */
  heartbeat(owner: string, now: number): Promise<void>;
  /** Asks the engine that owns a run to cancel it (it polls `cancelRequests`). */
  requestCancel(runId: string): Promise<void>;
  /** Runs owned by `owner` whose cancellation was requested; clears the requests it returns. */
  takeCancelRequests(owner: string): Promise<string[]>;
  saveWorkflow(row: Omit<WorkflowRow, 'version'>): Promise<WorkflowRow>;
  getWorkflow(name: string, version?: number): Promise<WorkflowRow | null>;
  listWorkflows(): Promise<WorkflowRow[]>;
  /** Stores a new API token (hash only). Fails if the id or hash exists. */
  createToken(row: TokenRow): Promise<void>;
  /** The token with this hash, revoked or not; null when none. */
  findToken(hash: string): Promise<TokenRow | null>;
  /** Every token, revoked ones included, oldest first. */
  listTokens(): Promise<TokenRow[]>;
  /** Marks a token revoked at `at`; false when no unrevoked token has this id. */
  revokeToken(id: string, at: number): Promise<boolean>;
  /**
   * The scheduler lease of several server replicas on one database (docs/operations.md "Several
   * servers"); absent on stores that serve one process (SQLite), whose server is always leader.
   */
  leaderLease?(): LeaderLease;
  close(): Promise<void>;
}

/**
 * At most one holder at a time across processes. Held by a database session: it is released
 * when the holder calls `release`, or when its session ends (process killed, connection lost),
 * which the holder notices on its next `check`.
 */
export interface LeaderLease {
  /** Takes the lease if it is free; true while this process holds it. Never waits. */
  acquire(): Promise<boolean>;
  /** True while still held; false once lost (the session broke). A lost lease is not retaken. */
  check(): Promise<boolean>;
  /** Wakes the current holder (new work was written); any process may call it. */
  wake(): Promise<void>;
  /** Called on the holder whenever some process calls `wake`. */
  onWake(listener: () => void): void;
  /** Gives the lease up and closes its session. */
  release(): Promise<void>;
}
