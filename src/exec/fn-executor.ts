/**
 * Runs `fn` actions: a TypeScript function registered by name, called in-process.
 *
 * Result: the returned (or resolved) value becomes the outputs when it is a plain object;
 * `undefined` gives `{}`; anything else (array, string, null, class instance) gives `{ value }`.
 * Outputs must be JSON-serialisable and at most MAX_OUTPUT_BYTES, as for every executor. A thrown
 * or rejected error → failed with its message. An unknown name → failed,
 * `function 'x' is not registered (FN_NOT_REGISTERED)`.
 *
 * Timeout and cancel abort `ctx.signal` and resolve at once (timed_out / cancelled), without
 * waiting for a handler that ignores the signal; whatever it does later is dropped (a late
 * `log()` is ignored, a late rejection is swallowed).
 *
 * Hot path (the engine benchmark pushes 20,000 no-op fn tasks through at >50,000 tasks/s):
 * - a synchronous handler returning undefined costs one context object and, through `start`
 *   (the engine's entry), no promise at all: its result is returned as is (`executeLazy` wraps it
 *   in a resolved promise); the result object is shared and frozen, no listener, no timer, no log;
 * - no AbortController unless something reads `ctx.signal`: the engine hands a LazyAbort
 *   (lazy-abort.ts) to `executeLazy`, the handler's `ctx.signal` is a getter over it, a timeout
 *   gets a LazyAbort of its own and cancel/timeout are heard through `onAbort` hooks
 *   (AbortController construction was ~4-5% of the engine's CPU on this benchmark);
 * - the log file is opened on the first `log()` call only, the redactor built only with secrets;
 * - an abort hook is added only while an asynchronous handler is pending.
 */
import type { AbortSource, ExecRequest, ExecResult, Executor, FnContext, FnHandler } from './types.js';
import { LazyAbort, SignalSource } from './lazy-abort.js';
import { BoundedLog } from './bounded-log.js';
import { redactorFor, NO_REDACTION, type Redactor } from './redact.js';
import { MAX_OUTPUT_BYTES } from './outputs.js';
import { CANCELLED_BEFORE_START, SUCCEEDED_EMPTY, cancelled, failed, messageOf, succeeded, timedOut } from './result.js';

/** Where handlers are found: a `Map<string, FnHandler>` fits, so does the SDK's registry. */
export interface FnLookup {
  get(name: string): FnHandler | undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/** The context handed to one handler call; also owns the call's lazily opened log. */
class FnCall implements FnContext {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly args: unknown;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly #abort: AbortSource;
  readonly #req: ExecRequest;
  #redactor: Redactor | null = null;
  #log: BoundedLog | null = null;
  #boundLog: ((line: string) => void) | null = null;
  #settled = false;

  constructor(req: ExecRequest, args: unknown, abort: AbortSource) {
    this.runId = req.runId;
    this.taskId = req.taskId;
    this.attempt = req.attempt;
    this.args = args;
    this.inputs = req.inputs;
    this.#abort = abort;
    this.#req = req;
  }

  /** Made on first read only (a LazyAbort's signal); already aborted when read after a cancel. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** A getter so that `const { log } = ctx` works; the bound function is made on first use only. */
  get log(): (line: string) => void {
    return (this.#boundLog ??= (line: string) => this.#write(line));
  }

  get redactor(): Redactor {
    return (this.#redactor ??= this.#req.secretEnv.length === 0 ? NO_REDACTION : redactorFor(this.#req.secretEnv, this.#req.env));
  }

  #write(line: string): void {
    if (this.#settled) return;
    if (this.#log === null) {
      try {
        this.#log = new BoundedLog(this.#req.logPath, this.#req.maxLogBytes);
      } catch {
        this.#settled = true; // the log folder cannot be created: logging is lost, the task is not
        return;
      }
    }
    const text = String(line);
    this.#log.write(this.redactor.text(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** Ends the call: later log() calls are ignored; resolves once the log file is complete. */
  settle(result: ExecResult): ExecResult | Promise<ExecResult> {
    this.#settled = true;
    if (this.#log === null) return result;
    return this.#log.close().then(() => result);
  }
}

export class FnExecutor implements Executor {
  readonly kind = 'fn' as const;
  readonly #functions: FnLookup;

  constructor(functions: FnLookup) {
    this.#functions = functions;
  }

  execute(req: ExecRequest, signal: AbortSignal): Promise<ExecResult> {
    return this.executeLazy(req, new SignalSource(signal));
  }

  executeLazy(req: ExecRequest, abort: AbortSource): Promise<ExecResult> {
    const r = this.start(req, abort);
    return r instanceof Promise ? r : Promise.resolve(r);
  }

  start(req: ExecRequest, abort: AbortSource): ExecResult | Promise<ExecResult> {
    const action = req.action;
    if (action.kind !== 'fn') return failed(`the fn executor cannot run '${action.kind}' actions`);
    if (abort.aborted) return CANCELLED_BEFORE_START;
    const handler = this.#functions.get(action.fn);
    if (handler === undefined) return failed(`function '${action.fn}' is not registered (FN_NOT_REGISTERED)`);
    if (req.timeoutMs === null) return this.#call(handler, new FnCall(req, action.args, abort), abort, null);

    // With a timeout the handler gets an abort of its own that either cause aborts.
    const own = new LazyAbort();
    const onCancel = (): void => own.abort(abort.reason);
    abort.onAbort(onCancel);
    const timer = setTimeout(() => own.abort(new Error(`timed out after ${req.timeoutMs} ms`)), req.timeoutMs);
    const r = this.#call(handler, new FnCall(req, action.args, own), own, () => (abort.aborted ? cancelled() : timedOut(req.timeoutMs!)));
    const cleanUp = (): void => {
      clearTimeout(timer);
      abort.offAbort(onCancel);
    };
    if (!(r instanceof Promise)) return cleanUp(), r;
    return r.finally(cleanUp);
  }

  /**
   * Calls the handler. `stopped` names the outcome when `abort` aborts (null: it is the engine's
   * abort, so the outcome is cancelled).
   */
  #call(handler: FnHandler, call: FnCall, abort: AbortSource, stopped: (() => ExecResult) | null): ExecResult | Promise<ExecResult> {
    let value: unknown;
    try {
      value = handler(call);
    } catch (err) {
      return call.settle(failed(call.redactor.text(messageOf(err))));
    }
    if (!isThenable(value)) return call.settle(resultOf(value, call.redactor));
    if (abort.aborted) return call.settle(stopped === null ? cancelled() : stopped());

    return new Promise<ExecResult>((resolve) => {
      let open = true;
      const finish = (r: ExecResult): void => {
        if (!open) return;
        open = false;
        abort.offAbort(onAbort);
        resolve(call.settle(r));
      };
      const onAbort = (): void => finish(stopped === null ? cancelled() : stopped());
      abort.onAbort(onAbort);
      value.then(
        (v) => finish(resultOf(v, call.redactor)),
        (err: unknown) => finish(failed(call.redactor.text(messageOf(err)))),
      );
    });
  }
}

/** The attempt result for a handler's return value (see the file comment for the rules). */
function resultOf(value: unknown, redactor: Redactor): ExecResult {
  if (value === undefined) return SUCCEEDED_EMPTY;
  let outputs: Record<string, unknown>;
  if (isPlainObject(value)) {
    if (Object.keys(value).length === 0) return SUCCEEDED_EMPTY;
    outputs = value;
  } else {
    outputs = { value };
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(outputs);
  } catch (err) {
    return failed(`outputs are not JSON-serialisable: ${messageOf(err)}`);
  }
  if (json !== undefined && Buffer.byteLength(json) > MAX_OUTPUT_BYTES) {
    return failed(`outputs exceed the ${MAX_OUTPUT_BYTES}-byte limit (${Buffer.byteLength(json)} bytes returned)`);
  }
  return succeeded(redactor.active ? (redactor.deep(outputs) as Record<string, unknown>) : outputs);
}
