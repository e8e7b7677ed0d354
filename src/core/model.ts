/**
 * The compiled model: what a workflow spec becomes once parsed and validated. Every option is
 * resolved here (defaults applied, durations in ms, sizes in bytes), so inner code never checks
 * for a missing field (the Temporal SDK's "options compiled once" rule).
 */
import type { Resources } from './resources.js';

/** Numeric priority; larger runs first. `high` = 100, `normal` = 50, `low` = 10. */
export type Priority = number;
export const PRIORITY_LEVELS = { high: 100, normal: 50, low: 10 } as const;
export type PriorityName = keyof typeof PRIORITY_LEVELS;

/** What a task does. Strings may hold `${{ ... }}` templates, resolved just before dispatch. */
export type Action =
  | { readonly kind: 'shell'; readonly run: string; readonly shell: string }
  | {
      readonly kind: 'http';
      readonly method: string;
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly body?: string;
      /** Status codes that count as success; default 200-299. */
      readonly expectStatus: readonly number[] | null;
    }
  | { readonly kind: 'fn'; readonly fn: string; readonly args: unknown };

export interface RetryPolicy {
  /** Retries after the first attempt; 0 = run once. */
  readonly max: number;
  readonly backoff: 'exponential' | 'fixed';
  readonly initialMs: number;
  readonly maxMs: number;
  /** Fraction of the delay randomised (0..1): delay * (1 - jitter * U[0,1)). "Full jitter" at 1. */
  readonly jitter: number;
}

/** Where a task's outputs come from: a stdout line `::kairos-output <json>` and/or a JSON file. */
export interface OutputSpec {
  /** Read outputs from stdout lines starting with `::kairos-output ` (each a JSON object, merged). */
  readonly stdout: boolean;
  /** A JSON file the task writes; `$KAIROS_OUTPUT` also points at a file read after exit. */
  readonly file?: string;
}

export interface TaskSpec {
  readonly id: string;
  readonly needs: readonly string[];
  /** A condition (expression) over `params`, `tasks.<id>.outputs` and `tasks.<id>.state`. */
  readonly when?: string;
  readonly action: Action;
  readonly env: Readonly<Record<string, string>>;
  /** Env names whose values are secret: never logged or shown. */
  readonly secretEnv: readonly string[];
  readonly cwd?: string;
  /** Wall-clock limit of one attempt; null = none. */
  readonly timeoutMs: number | null;
  readonly retries: RetryPolicy;
  readonly resources: Resources;
  readonly priority: Priority;
  /** Relative (ms from run start) deadline of this task; null = none. */
  readonly deadlineMs: number | null;
  readonly outputs: OutputSpec;
  /** A shell command run when the run fails for good and this task had succeeded. */
  readonly compensate?: Action;
  /** Expression yielding a list; one task instance per item (item in `item`, index in `index`). */
  readonly foreach?: string;
  /** Declared mean runtime, a hint for SJF before history exists. */
  readonly estimateMs: number | null;
  /** Worker pool the task must run in (remote workers, `kairos worker --pool`); absent = any. */
  readonly pool?: string;
  /** Worker labels the task requires, all of them (`kairos worker --labels`); absent = none. */
  readonly selector?: Readonly<Record<string, string>>;
  /** Source line of the task in the spec document (1-based), for messages. */
  readonly line?: number;
}

export interface ParamSpec {
  readonly name: string;
  readonly default?: unknown;
  readonly description?: string;
  readonly required: boolean;
}

export interface WorkflowSpec {
  readonly name: string;
  readonly namespace: string;
  readonly description?: string;
  readonly priority: Priority;
  /** A run-level deadline: ms after start (relative) or an absolute epoch ms; null = none. */
  readonly deadline: { readonly kind: 'relative'; readonly ms: number } | { readonly kind: 'absolute'; readonly at: number } | null;
  readonly params: readonly ParamSpec[];
  readonly labels: Readonly<Record<string, string>>;
  /** In declaration order; ids are unique and `needs` form a DAG (validated). */
  readonly tasks: readonly TaskSpec[];
}

/** Lifecycle of a task (DESIGN.md, "Task lifecycle"). */
export type TaskState =
  | 'pending'
  | 'ready'
  | 'queued'
  | 'dispatched'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'retry_wait'
  | 'timed_out'
  | 'lost'
  | 'skipped'
  | 'cancelled'
  | 'compensating'
  | 'compensated';

export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'succeeded',
  'failed',
  'timed_out',
  'skipped',
  'cancelled',
  'compensated',
]);

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'compensating';
export const TERMINAL_RUN_STATES: ReadonlySet<RunState> = new Set<RunState>(['succeeded', 'failed', 'cancelled']);

/** How one attempt ended, as reported by an executor. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'lost';
