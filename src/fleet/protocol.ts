/**
 * The messages of the dispatch fabric (docs/workers.md, "Protocol"). Each stream entry has one
 * field `m` holding JSON: task and result entries hold an ARRAY of messages (everything the
 * engine placed on one worker in one tick; everything a worker finished in one event-loop turn),
 * log entries one message. Batching cut the Redis commands per task from 4 to a fraction. Decoding checks the shape and returns null for a
 * malformed entry (the reader acknowledges and drops it, with an error event): a bad message
 * must never stop the loop that reads the good ones behind it.
 */
import type { AttemptOutcome } from '../core/model.js';
import type { Resources } from '../core/resources.js';
import type { ExecRequest } from '../exec/types.js';

/** A worker as the registry holds it. */
export interface WorkerRecord {
  readonly id: string;
  /** New on every start and after a lost lease: the task stream and the fencing of a worker's life. */
  readonly incarnation: string;
  readonly pool: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Includes `slots`: how many attempts it runs at once. */
  readonly capacity: Resources;
  /** Heartbeat key TTL (ms): silent this long = dead. */
  readonly ttlMs: number;
  /** True once it drains (SIGTERM): it takes no new tasks and leaves when its running ones end. */
  readonly draining: boolean;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: number;
}

/**
 * Everything a worker needs to run one attempt: the engine's ExecRequest minus what cannot travel
 * (the engine's log path, the live-usage callback), with `undefined` written as null (JSON). The
 * attempt number is the fencing token: the engine ignores a result whose attempt is not the
 * task's current one. fn `inputs` (params, item, index, upstream outputs) travel by value.
 */
export type TaskMessage = Omit<ExecRequest, 'logPath' | 'onUsage' | 'cwd' | 'outputFile'> & {
  readonly cwd: string | null;
  readonly outputFile: string | null;
  /** When the engine dispatched it (epoch ms). */
  readonly dispatchedAt: number;
};

/**
 * Every field of an ExecRequest, and whether it travels: adding a field to ExecRequest fails to
 * compile here until it is listed, so `toTaskMessage` below (field by field) cannot drop it.
 */
const TRAVELS: { readonly [K in keyof Required<ExecRequest>]: K extends 'logPath' | 'onUsage' ? false : true } = {
  attemptId: true, runId: true, taskId: true, attempt: true, action: true, env: true, secretEnv: true, cwd: true,
  timeoutMs: true, killGraceMs: true, logPath: false, maxLogBytes: true, outputsFromStdout: true, outputFile: true,
  inputs: true, memoryLimitBytes: true, onUsage: false,
};
void TRAVELS;

/**
 * The message for `req` (JSON.stringify evaluates the lazy `inputs.upstream` getter). Field by
 * field, not `{ ...rest }` of a destructured request: the rest/spread pair was 3.7% of a fleet
 * engine's CPU (bench/fleet/commit-share.ts --prof). `memoryLimitBytes` stays absent when unset.
 */
export function toTaskMessage(req: ExecRequest, dispatchedAt: number): TaskMessage {
  const msg = {
    attemptId: req.attemptId, runId: req.runId, taskId: req.taskId, attempt: req.attempt, action: req.action, env: req.env,
    secretEnv: req.secretEnv, cwd: req.cwd ?? null, timeoutMs: req.timeoutMs, killGraceMs: req.killGraceMs, maxLogBytes: req.maxLogBytes,
    outputsFromStdout: req.outputsFromStdout, outputFile: req.outputFile ?? null, inputs: req.inputs, dispatchedAt,
  };
  return req.memoryLimitBytes === undefined ? msg : { ...msg, memoryLimitBytes: req.memoryLimitBytes };
}

/** The request a worker runs for `msg`, its log written to `logPath` (field by field, as above). */
export function fromTaskMessage(msg: TaskMessage, logPath: string): ExecRequest {
  const req: ExecRequest = {
    attemptId: msg.attemptId, runId: msg.runId, taskId: msg.taskId, attempt: msg.attempt, action: msg.action, env: msg.env,
    secretEnv: msg.secretEnv, cwd: msg.cwd ?? undefined, timeoutMs: msg.timeoutMs, killGraceMs: msg.killGraceMs, logPath,
    maxLogBytes: msg.maxLogBytes, outputsFromStdout: msg.outputsFromStdout, outputFile: msg.outputFile ?? undefined, inputs: msg.inputs,
  };
  return msg.memoryLimitBytes === undefined ? req : { ...req, memoryLimitBytes: msg.memoryLimitBytes };
}

export interface ResultMessage {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly workerId: string;
  readonly incarnation: string;
  readonly outcome: AttemptOutcome;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly error: string | null;
  readonly usage?: { readonly maxRssBytes?: number; readonly cpuMs?: number };
  /** When the worker started and finished the attempt (epoch ms, the worker's clock). */
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** A piece of an attempt's log, in order; appended to `<stateDir>/logs/<run>/<task>.<attempt>.log`. */
export interface LogMessage {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly chunk: string;
}

const OUTCOMES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'lost']);

function parse(raw: string | undefined): Record<string, unknown> | null {
  if (raw === undefined) return null;
  try {
    const v: unknown = JSON.parse(raw);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isAttempt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;
/** Ids become file names on the engine: no separators, no `..`. */
export const safeId = (v: unknown): v is string => isStr(v) && v.length > 0 && v.length <= 512 && !/[/\\\0]/.test(v) && v !== '.' && v !== '..';

function checkTask(m: Record<string, unknown>): TaskMessage | null {
  if (!isStr(m.attemptId) || !safeId(m.runId) || !safeId(m.taskId) || !isAttempt(m.attempt)) return null;
  const a = m.action as { kind?: unknown } | null;
  if (a === null || typeof a !== 'object' || !isStr(a.kind)) return null;
  if (m.env === null || typeof m.env !== 'object' || !Array.isArray(m.secretEnv)) return null;
  return m as unknown as TaskMessage;
}

function checkResult(m: Record<string, unknown>): ResultMessage | null {
  if (!safeId(m.runId) || !safeId(m.taskId) || !isAttempt(m.attempt) || !isStr(m.outcome) || !OUTCOMES.has(m.outcome)) return null;
  if (m.outputs === null || typeof m.outputs !== 'object' || Array.isArray(m.outputs)) return null;
  return m as unknown as ResultMessage;
}

/** The items of a batch entry (a JSON array); malformed items are counted in `bad`, not returned. */
function decodeBatch<T>(raw: string | undefined, check: (m: Record<string, unknown>) => T | null): { items: T[]; bad: number } {
  let v: unknown;
  try {
    v = raw === undefined ? null : JSON.parse(raw);
  } catch {
    return { items: [], bad: 1 };
  }
  if (!Array.isArray(v)) return { items: [], bad: 1 };
  const items: T[] = [];
  let bad = 0;
  for (const x of v) {
    const ok = x !== null && typeof x === 'object' && !Array.isArray(x) ? check(x as Record<string, unknown>) : null;
    if (ok === null) bad++;
    else items.push(ok);
  }
  return { items, bad };
}

/** A task stream entry: the attempts the engine placed on this worker in one tick. */
export const decodeTasks = (raw: string | undefined) => decodeBatch(raw, checkTask);
/** A results stream entry: the attempts one worker finished in one event-loop turn. */
export const decodeResults = (raw: string | undefined) => decodeBatch(raw, checkResult);

export function decodeLog(raw: string | undefined): LogMessage | null {
  const m = parse(raw);
  if (m === null || !safeId(m.runId) || !safeId(m.taskId) || !isAttempt(m.attempt) || !isStr(m.chunk)) return null;
  return m as unknown as LogMessage;
}

export function decodeWorker(raw: string | undefined): WorkerRecord | null {
  const m = parse(raw);
  if (m === null || !safeId(m.id) || !isStr(m.incarnation) || !isStr(m.pool)) return null;
  if (m.capacity === null || typeof m.capacity !== 'object' || m.labels === null || typeof m.labels !== 'object') return null;
  return m as unknown as WorkerRecord;
}
