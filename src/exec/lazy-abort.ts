/**
 * An AbortController whose AbortSignal is made only if something reads `signal`.
 *
 * Why: building an AbortController (its AbortSignal, an EventTarget) per attempt was ~4-5% of the
 * embedded engine's CPU on 20,000 no-op `fn` tasks, and ~3% of a fleet engine's (remote attempts);
 * most attempts are never cancelled and their handler never looks at the signal. The engine only
 * ever calls `abort()` (LiveTask.abort), so it can hold this in place of an AbortController.
 *
 * Invariants:
 * - `abort()` is idempotent: the first call wins, later ones do nothing (as AbortController's);
 * - a signal read after `abort()` is already aborted, with the same reason;
 * - `onAbort` hooks run once, synchronously inside the first `abort()` (after the signal's own
 *   'abort' listeners, if a signal was made), or at once when added after it: code that only needs
 *   to hear about the abort (the fn executor waiting on an async handler, a timeout forwarding a
 *   cancel, remote dispatch publishing a cancel) does so without making a signal.
 */
import type { AbortSource } from './types.js';

type Hook = () => void;

export class LazyAbort implements AbortController, AbortSource {
  #ac: AbortController | null = null;
  #aborted = false;
  #reason: unknown = undefined;
  /** One hook held as is (the common case: no array), more in an array. */
  #hooks: Hook | Hook[] | null;

  /** `onAbort`: runs on the first `abort()` (e.g. remote dispatch publishes a cancel). */
  constructor(onAbort?: Hook) {
    this.#hooks = onAbort ?? null;
  }

  get signal(): AbortSignal {
    if (this.#ac === null) {
      this.#ac = new AbortController();
      if (this.#aborted) this.#ac.abort(this.#reason);
    }
    return this.#ac.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** What `abort()` was given (undefined when nothing: a made signal then holds an AbortError). */
  get reason(): unknown {
    return this.#ac === null ? this.#reason : this.#ac.signal.reason;
  }

  /** Whether the AbortSignal has been made (read-only; for tests and diagnostics). */
  get signalMade(): boolean {
    return this.#ac !== null;
  }

  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#ac?.abort(reason);
    const hooks = this.#hooks;
    this.#hooks = null;
    if (typeof hooks === 'function') hooks();
    else if (hooks !== null) for (const h of hooks) h();
  }

  onAbort(fn: Hook): void {
    if (this.#aborted) return fn();
    const hooks = this.#hooks;
    this.#hooks = hooks === null ? fn : typeof hooks === 'function' ? [hooks, fn] : (hooks.push(fn), hooks);
  }

  offAbort(fn: Hook): void {
    const hooks = this.#hooks;
    if (hooks === fn) this.#hooks = null;
    else if (Array.isArray(hooks)) {
      const i = hooks.indexOf(fn);
      if (i >= 0) hooks.splice(i, 1);
    }
  }
}

/** An AbortSource over a signal that already exists (executors called with a plain AbortSignal). */
export class SignalSource implements AbortSource {
  constructor(readonly signal: AbortSignal) {}

  get aborted(): boolean {
    return this.signal.aborted;
  }

  get reason(): unknown {
    return this.signal.reason;
  }

  onAbort(fn: Hook): void {
    if (this.signal.aborted) return fn();
    this.signal.addEventListener('abort', fn, { once: true });
  }

  offAbort(fn: Hook): void {
    this.signal.removeEventListener('abort', fn);
  }
}
