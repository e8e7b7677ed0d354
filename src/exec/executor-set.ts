/**
 * One executor per action kind, and dispatch by `req.action.kind`.
 *
 * `ExecutorSet.standard(functions)` is the in-process default: shell, http, and fn over the given
 * function registry. `byKind()` gives the `Record<kind, Executor>` shape that EngineOptions takes.
 *
 * Invariant: at most one executor per kind (a second one for the same kind is a programming error
 * and throws at construction, not at dispatch). `execute` never rejects for an unknown kind: it
 * resolves a failed result naming the kinds it has.
 */
import type { Action } from '../core/model.js';
import type { ExecRequest, ExecResult, Executor } from './types.js';
import { FnExecutor, type FnLookup } from './fn-executor.js';
import { HttpExecutor } from './http-executor.js';
import { ShellExecutor, type ShellExecutorOptions } from './shell-executor.js';
import { failed } from './result.js';

export type ActionKind = Action['kind'];

export interface StandardExecutorOptions {
  /** Registered functions for `fn` tasks. Default: none (every fn task fails FN_NOT_REGISTERED). */
  readonly functions?: FnLookup;
  readonly shell?: ShellExecutorOptions;
}

export class ExecutorSet {
  readonly #byKind = new Map<string, Executor>();

  constructor(executors: Iterable<Executor>) {
    for (const e of executors) {
      if (this.#byKind.has(e.kind)) throw new Error(`two executors for '${e.kind}' actions: an ExecutorSet holds one per kind`);
      this.#byKind.set(e.kind, e);
    }
  }

  /** Shell, http and fn executors running in this process. */
  static standard(options: StandardExecutorOptions = {}): ExecutorSet {
    return new ExecutorSet([new ShellExecutor(options.shell), new HttpExecutor(), new FnExecutor(options.functions ?? new Map())]);
  }

  get(kind: string): Executor | undefined {
    return this.#byKind.get(kind);
  }

  get kinds(): string[] {
    return [...this.#byKind.keys()];
  }

  /** The executors as a plain record by kind (EngineOptions.executors). */
  byKind(): Readonly<Record<string, Executor>> {
    return Object.fromEntries(this.#byKind);
  }

  execute(req: ExecRequest, signal: AbortSignal): Promise<ExecResult> {
    const e = this.#byKind.get(req.action.kind);
    if (e === undefined) return Promise.resolve(failed(`no executor for '${req.action.kind}' actions (this set runs: ${this.kinds.join(', ') || 'none'})`));
    return e.execute(req, signal);
  }
}
