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
import { decodeDelta, encodeDelta } from './delta-tuples.js';

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
  /** The newest task-entry form it reads (PROTOCOL); absent: 2 (workers from before the delta form). */
  readonly protocol?: number;
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

/**
 * Compact entries (`{"v":2,...}`): each message a positional tuple instead of an object — half the
 * bytes, and JSON.stringify/parse of arrays instead of keyed objects on both ends (JSON of task
 * and result messages was ~45% of a no-op worker's busy CPU and ~8% of the engine's;
 * docs/benchmarks.md, "2026-11-24 session 4"). Delta entries (`{"v":3,...}`, session 5): the same
 * tuples in delta form (delta-tuples.ts: fields equal to the previous tuple's are left out) —
 * ~75 instead of ~190 bytes per no-op task message, ~55 instead of ~125 per result.
 *
 * Decoders read all three forms. Workers answer in the form of the task entries they got, and
 * say in their registry record which forms they read (`protocol`); the engine sends delta
 * entries only to workers whose record says 3 or more, compact ones to the others — so engines
 * and workers upgrade in any order.
 *
 * Task tuple:   [attemptId (null: `${runId}/${taskId}#${attempt}`), runId, taskId, attempt, action,
 *                env, secretEnv, cwd, timeoutMs, killGraceMs, maxLogBytes, outputsFromStdout,
 *                outputFile, inputs, dispatchedAt, memoryLimitBytes? (delta form: always there, null
 *                when unset)]
 * Results entry: {"v":2|3, "w": workerId, "i": incarnation, "r": [[runId, taskId, attempt, outcome,
 *                exitCode, signal, outputs, error, startedAt, finishedAt, usage (or null),
 *                incarnation (only when not "i"; delta form: always there, null when "i")], ...]}
 */
export const COMPACT = 2;
export const DELTA = 3;
/** The newest task-entry form this code reads (a worker's registry record says so). */
export const PROTOCOL = DELTA;
/** How an entry was written: 1 = array of objects, 2 = compact tuples, 3 = delta tuples. */
export type Form = 1 | 2 | 3;

const TASK_WIDTH = 16;
/** Task tuple fields compared by value in delta form (delta-tuples.ts): inputs (field 13). */
const INPUTS_BY_VALUE = 1 << 13;
const RESULT_WIDTH = 12;

const derivedAttemptId = (runId: unknown, taskId: unknown, attempt: unknown): string => `${String(runId)}/${String(taskId)}#${String(attempt)}`;

function taskTuple(m: TaskMessage, delta: boolean): unknown[] {
  const row: unknown[] = [
    m.attemptId === derivedAttemptId(m.runId, m.taskId, m.attempt) ? null : m.attemptId, m.runId, m.taskId, m.attempt, m.action, m.env,
    m.secretEnv, m.cwd, m.timeoutMs, m.killGraceMs, m.maxLogBytes, m.outputsFromStdout, m.outputFile, m.inputs, m.dispatchedAt,
  ];
  if (m.memoryLimitBytes !== undefined || delta) row.push(m.memoryLimitBytes ?? null);
  return row;
}

/** A task stream entry for `msgs`: compact form, or delta form (`delta`: the worker reads protocol 3). */
export function encodeTasks(msgs: readonly TaskMessage[], delta = false): string {
  const t = new Array<unknown[]>(msgs.length);
  for (let i = 0; i < msgs.length; i++) t[i] = taskTuple(msgs[i]!, delta);
  return delta ? JSON.stringify({ v: DELTA, t: encodeDelta(t, TASK_WIDTH, INPUTS_BY_VALUE) }) : JSON.stringify({ v: COMPACT, t });
}

function taskOfTuple(x: unknown[]): TaskMessage | null {
  if (x.length < 15) return null;
  const m: Record<string, unknown> = {
    attemptId: x[0] ?? derivedAttemptId(x[1], x[2], x[3]), runId: x[1], taskId: x[2], attempt: x[3], action: x[4], env: x[5],
    secretEnv: x[6], cwd: x[7], timeoutMs: x[8], killGraceMs: x[9], maxLogBytes: x[10], outputsFromStdout: x[11], outputFile: x[12],
    inputs: x[13], dispatchedAt: x[14],
  };
  if (typeof x[15] === 'number') m.memoryLimitBytes = x[15];
  return checkTask(m);
}

/** A results stream entry for `msgs`, all sent by `workerId`, in `form` 2 (compact) or 3 (delta). */
export function encodeResults(workerId: string, incarnation: string, msgs: readonly ResultMessage[], form: 2 | 3 = COMPACT): string {
  const delta = form === DELTA;
  const r = new Array<unknown[]>(msgs.length);
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    const row: unknown[] = [m.runId, m.taskId, m.attempt, m.outcome, m.exitCode, m.signal, m.outputs, m.error, m.startedAt, m.finishedAt, m.usage ?? null];
    if (m.incarnation !== incarnation) row.push(m.incarnation);
    else if (delta) row.push(null);
    r[i] = row;
  }
  return JSON.stringify({ v: form, w: workerId, i: incarnation, r: delta ? encodeDelta(r, RESULT_WIDTH) : r });
}

function resultOfTuple(x: unknown[], workerId: unknown, incarnation: unknown): ResultMessage | null {
  if (x.length < 11) return null;
  const m: Record<string, unknown> = {
    runId: x[0], taskId: x[1], attempt: x[2], workerId, incarnation: x[11] ?? incarnation, outcome: x[3], exitCode: x[4], signal: x[5],
    outputs: x[6], error: x[7], startedAt: x[8], finishedAt: x[9],
  };
  if (x[10] !== null && typeof x[10] === 'object') m.usage = x[10];
  return checkResult(m);
}

/**
 * The items of a batch entry — a JSON array of message objects, or the compact or delta form
 * (`key`: its tuples' field, `width`: a delta tuple's fields) — malformed items counted in `bad`,
 * not returned.
 */
function decodeBatch<T>(
  raw: string | undefined,
  check: (m: Record<string, unknown>) => T | null,
  key: string,
  width: number,
  ofTuple: (x: unknown[], v: Record<string, unknown>) => T | null,
): { items: T[]; bad: number; form: Form } {
  let v: unknown;
  try {
    v = raw === undefined ? null : JSON.parse(raw);
  } catch {
    return { items: [], bad: 1, form: 1 };
  }
  const items: T[] = [];
  let bad = 0;
  if (!Array.isArray(v)) {
    const e = v as Record<string, unknown> | null;
    if (e === null || typeof e !== 'object' || (e.v !== COMPACT && e.v !== DELTA) || !Array.isArray(e[key])) return { items: [], bad: 1, form: 1 };
    const list = e[key] as unknown[];
    const tuples = e.v === DELTA ? decodeDelta(list, width) : list;
    for (const x of tuples) {
      const ok = Array.isArray(x) ? ofTuple(x, e) : null;
      if (ok === null) bad++;
      else items.push(ok);
    }
    return { items, bad, form: e.v === DELTA ? DELTA : COMPACT };
  }
  for (const x of v) {
    const ok = x !== null && typeof x === 'object' && !Array.isArray(x) ? check(x as Record<string, unknown>) : null;
    if (ok === null) bad++;
    else items.push(ok);
  }
  return { items, bad, form: 1 };
}

/** A task stream entry: the attempts the engine placed on this worker in one tick. */
export const decodeTasks = (raw: string | undefined) => decodeBatch(raw, checkTask, 't', TASK_WIDTH, (x) => taskOfTuple(x));
/** A results stream entry: the attempts one worker finished in one event-loop turn. */
export const decodeResults = (raw: string | undefined) => decodeBatch(raw, checkResult, 'r', RESULT_WIDTH, (x, e) => resultOfTuple(x, e.w, e.i));

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
