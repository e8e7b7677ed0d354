/**
 * Starts attempts on the executors: builds the ExecRequest from a bound task and reports the
 * result back through a callback (the engine posts it to its next tick). Never throws: an
 * executor that rejects is reported as a failed attempt.
 */
import type { Action } from '../core/model.js';
import type { ExecRequest, ExecResult } from '../exec/types.js';
import { LazyAbort } from '../exec/lazy-abort.js';
import type { PendingWrites } from './pending-writes.js';
import type { LiveTask } from './live-run.js';
import type { ResolvedEngineOptions } from './engine-options.js';
import { bindTask } from './bind-task.js';

function failed(error: string): ExecResult {
  return { outcome: 'failed', exitCode: null, signal: null, outputs: {}, error };
}

/**
 * What a fn handler gets as `inputs`: params, its foreach item and index, and the outputs of the
 * tasks it needs — `upstream` as an own enumerable getter, built only if the handler reads it.
 * A class whose `upstream` is defined with one shared descriptor, not an object literal with a
 * getter: the literal made a closure and an accessor per attempt (~600 B; this is ~60 B,
 * bench/engine/alloc-profile.ts). Seen from the handler and from JSON (remote workers) it is the
 * same: own enumerable `params`, `item`, `index`, `upstream`, in that order.
 */
class FnInputs {
  readonly params: unknown;
  readonly item: unknown;
  readonly index: number | null;
  readonly #task: LiveTask;

  /** Declared only: an own property made in the constructor, after `index`. */
  declare readonly upstream: Record<string, unknown>;

  constructor(task: LiveTask) {
    this.params = task.run.row.params;
    this.item = task.row.item ?? null;
    this.index = task.row.itemIndex ?? null;
    // A task without upstream tasks gets `{}` as a plain property (what the getter would build):
    // defineProperty is a runtime call, ~0.1 µs of the engine thread per no-op root task.
    if ((task.group?.parents ?? task.parents).length === 0) (this as { upstream: Record<string, unknown> }).upstream = {};
    else Object.defineProperty(this, 'upstream', UPSTREAM);
    this.#task = task;
  }

  static upstreamOf(inputs: FnInputs): Record<string, unknown> {
    const task = inputs.#task;
    const upstream: Record<string, unknown> = {};
    for (const p of task.group?.parents ?? task.parents) upstream[p.id] = p.row.outputs ?? {};
    return upstream;
  }
}

const UPSTREAM: PropertyDescriptor = {
  get(this: FnInputs) {
    return FnInputs.upstreamOf(this);
  },
  enumerable: true,
  configurable: true,
};

function inputsOf(task: LiveTask): Record<string, unknown> {
  return new FnInputs(task) as unknown as Record<string, unknown>;
}

const NO_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({});

/** The request for one attempt of a bound task; also what remote dispatch sends (fleet/protocol.ts). */
export function execRequest(task: LiveTask, o: ResolvedEngineOptions, action: Action, env: Record<string, string>, attempt: number, logName: string): ExecRequest {
  const row = task.row;
  const spec = task.spec;
  return {
    attemptId: `${row.runId}/${row.taskId}#${attempt}`,
    runId: row.runId,
    taskId: row.taskId,
    attempt,
    action,
    env,
    secretEnv: spec.secretEnv,
    cwd: spec.cwd,
    timeoutMs: spec.timeoutMs,
    killGraceMs: o.killGraceMs,
    // Plain concatenation: path.join normalises on every attempt (1.5% of the no-op profile).
    logPath: `${o.logDir}/${row.runId}/${logName}`,
    maxLogBytes: o.maxLogBytes,
    outputsFromStdout: spec.outputs.stdout,
    outputFile: spec.outputs.file,
    inputs: action.kind === 'fn' ? inputsOf(task) : NO_INPUTS,
  };
}

/**
 * `abort` is a LazyAbort, not an AbortController: its signal is made only if the executor or the
 * handler reads it (executors without `executeLazy` — shell, http — read it at once to listen for
 * a kill). Building an AbortController per attempt was ~4-5% of the engine's CPU on 20,000 no-op
 * fn tasks (bench/engine/diagnose.ts, docs/benchmarks.md).
 */
function run(o: ResolvedEngineOptions, req: ExecRequest, abort: LazyAbort, done: (res: ExecResult) => void): void {
  const executor = o.executors[req.action.kind];
  if (!executor) return done(failed(`no executor for '${req.action.kind}' tasks is configured`));
  const p = executor.executeLazy !== undefined ? executor.executeLazy(req, abort) : executor.execute(req, abort.signal);
  p.then(done, (err: unknown) => done(failed(executorError(err))));
}

const executorError = (err: unknown): string => `executor error: ${(err as Error)?.message ?? String(err)}`;

/** Reports an attempt's result (the engine posts it to its next tick). */
export type AttemptDone = (task: LiveTask, attempt: number, res: ExecResult) => void;

/**
 * `extend` adds to the request (the tuners: memory limit, usage feed). An executor with `start`
 * (the fn executor) may answer at once: `done` is then called before this returns, with no
 * promise or closure made for the result (the engine only queues it for its next tick).
 */
export function startAttempt(task: LiveTask, o: ResolvedEngineOptions, done: AttemptDone, extend?: (t: LiveTask, r: ExecRequest) => ExecRequest): void {
  const attempt = task.row.attempt;
  const bound = task.bound!;
  const abort = new LazyAbort(); // an AbortController to the engine (LiveTask.abort), signal made on demand
  task.abort = abort;
  let req = execRequest(task, o, bound.action, bound.env, attempt, `${task.row.taskId}.${attempt}.log`);
  if (extend !== undefined) req = extend(task, req);
  const executor = o.executors[req.action.kind];
  if (executor?.start === undefined) return run(o, req, abort, (res) => done(task, attempt, res));
  let r: ExecResult | Promise<ExecResult>;
  try {
    r = executor.start(req, abort);
  } catch (err) {
    r = failed(executorError(err));
  }
  if (r instanceof Promise) r.then((res) => done(task, attempt, res), (err: unknown) => done(task, attempt, failed(executorError(err))));
  else done(task, attempt, r);
}

/** Runs a task's `compensate` step (templates bound again: the run may have been resumed). */
export function startCompensation(task: LiveTask, o: ResolvedEngineOptions, writes: PendingWrites, done: (res: ExecResult) => void): void {
  const row = task.row;
  const b = bindTask(task.run, task);
  if (!b.ok || b.value.compensate === null) return done(failed(b.ok ? 'no compensate step' : b.error));
  const startedAt = o.clock.now();
  const ar = { runId: row.runId, taskId: row.taskId, attempt: 1, kind: 'compensate' as const, status: 'running' as const, worker: 'local', startedAt, finishedAt: null, exitCode: null, error: null };
  const req = execRequest(task, o, b.value.compensate.action, b.value.compensate.env, 1, `${row.taskId}.compensate.log`);
  run(o, req, new LazyAbort(), (res) => {
    writes.attempt({ ...ar, status: res.outcome === 'lost' ? 'failed' : res.outcome, finishedAt: o.clock.now(), exitCode: res.exitCode, error: res.error });
    done(res);
  });
}
