/**
 * The contract between the engine and whatever runs a task: a local process, an HTTP call, a
 * registered function, or (later) a remote worker reached through Redis Streams.
 */
import type { Action, AttemptOutcome } from '../core/model.js';

export interface ExecRequest {
  /** Unique id of this attempt (`${runId}/${taskId}#${attempt}`); the fencing token travels with it. */
  readonly attemptId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  /** The action with every template already resolved (values as data, never as code: see `env`). */
  readonly action: Action;
  /** Environment added to the process; templated values are passed here, not spliced into the command. */
  readonly env: Readonly<Record<string, string>>;
  /** Names in `env` whose values must never be written to logs or events. */
  readonly secretEnv: readonly string[];
  readonly cwd: string | undefined;
  /** Wall-clock limit; null = none. On expiry: SIGTERM to the process group, SIGKILL after `killGraceMs`. */
  readonly timeoutMs: number | null;
  readonly killGraceMs: number;
  /** File that receives stdout and stderr (bounded by `maxLogBytes`; the tail is kept). */
  readonly logPath: string | null;
  readonly maxLogBytes: number;
  /** Read outputs from `::kairos-output {json}` stdout lines; `outputFile` read after exit. */
  readonly outputsFromStdout: boolean;
  readonly outputFile: string | undefined;
  /** Input values for fn handlers: params, upstream outputs, foreach item. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /**
   * Memory limit of the attempt (bytes), enforced where the executor measures memory (shell:
   * the process tree is killed when its sampled RSS exceeds it; the result then carries
   * `usage.memoryExceeded`). Absent: no limit.
   */
  readonly memoryLimitBytes?: number;
  /** Called with the attempt's resource use at each sample while it runs (shell on Linux). */
  readonly onUsage?: (u: LiveUsage) => void;
}

/** One sample of a running attempt's use: RSS of its process tree now, cpu time so far. */
export interface LiveUsage {
  readonly rssBytes: number;
  readonly cpuMs: number;
}

/** Observed resource use of an attempt (lower bounds: sampled). */
export interface AttemptUsage {
  /** Peak RSS of the process tree (bytes). */
  readonly maxRssBytes?: number;
  /** User + system cpu time of the process tree (ms), as of the last sample. */
  readonly cpuMs?: number;
  /** Wall time from the start to that sample (ms): average cores = cpuMs / cpuWindowMs. */
  readonly cpuWindowMs?: number;
  /** Set when the attempt was killed for exceeding `memoryLimitBytes` (the limit, bytes). */
  readonly memoryExceeded?: number;
}

export interface ExecResult {
  readonly outcome: AttemptOutcome;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The task's published outputs (a JSON object), {} when none. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Human-readable failure reason (last stderr line, HTTP status, thrown message). */
  readonly error: string | null;
  /** Observed resource use, when the executor can measure it. */
  readonly usage?: AttemptUsage;
}

/** Runs one attempt. `signal` aborts it (cancel): the executor kills and resolves `cancelled`. */
export interface Executor {
  readonly kind: Action['kind'];
  execute(req: ExecRequest, signal: AbortSignal): Promise<ExecResult>;
  /**
   * Optional: `execute` with the abort as a source whose signal is made only if read
   * (lazy-abort.ts). The engine calls this when present, so an attempt that is never cancelled
   * and whose handler never reads `ctx.signal` builds no AbortController (the fn executor).
   */
  executeLazy?(req: ExecRequest, abort: AbortSource): Promise<ExecResult>;
  /**
   * Optional: `executeLazy`, but a result known at once (a synchronous fn handler) is returned
   * as is rather than in a promise, so the caller skips a promise, its reactions and a microtask
   * per attempt (the engine's no-op benchmark). Never throws: failures are results.
   */
  start?(req: ExecRequest, abort: AbortSource): ExecResult | Promise<ExecResult>;
}

/**
 * Where an executor hears about a cancel without necessarily making an AbortSignal:
 * `signal` is made on first read; `onAbort` runs `fn` once on abort (at once if already aborted).
 */
export interface AbortSource {
  readonly aborted: boolean;
  readonly reason: unknown;
  readonly signal: AbortSignal;
  onAbort(fn: () => void): void;
  offAbort(fn: () => void): void;
}

/** A function task handler, registered by name (`fn:` in the spec, `registerFunction` in the SDK). */
export type FnHandler = (ctx: FnContext) => unknown | Promise<unknown>;

export interface FnContext {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly args: unknown;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly signal: AbortSignal;
  /** Appends a line to the task's log. */
  log(line: string): void;
}
