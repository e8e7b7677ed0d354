/**
 * The task state machine: a pure function of (state, event) that returns the next state and the
 * effects to carry out. The engine persists the new state before it carries out an effect
 * (write-ahead), so a crash between the two re-derives the effect on resume instead of losing it.
 *
 * State table (event -> from states -> to state):
 *
 *   deps_met          pending                          -> ready
 *   skip              pending, ready                   -> skipped        (condition false / upstream failed)
 *   enqueue           ready                            -> queued         effect: enqueue
 *   dispatch          queued                           -> dispatched     effect: execute(attempt)
 *   start             dispatched                       -> running
 *   succeed           running                          -> succeeded      effect: release
 *   fail              running                          -> retry_wait     effect: release, retry_after(ms)  while retries remain
 *                                                      -> failed         effect: release                   otherwise
 *   timeout           running                          -> retry_wait | timed_out (as fail)      effect: release (+ kill)
 *   lose              dispatched, running              -> lost           effect: release        (lease expired / engine restarted)
 *   reschedule        lost                             -> ready
 *   retry_due         retry_wait                       -> ready
 *   cancel            any non-terminal                 -> cancelled      effect: kill + release if it held resources
 *   compensate        succeeded                        -> compensating   effect: run_compensation
 *   compensated       compensating                     -> compensated
 *   compensate_failed compensating                     -> failed
 *   reject            pending, ready                   -> failed         (condition, foreach list or template could not be evaluated)
 *   reset             failed, timed_out, cancelled, skipped, compensated, succeeded -> pending   (`kairos retry`)
 *
 * Illegal pairs return `{ ok: false }` with a reason: an expected outcome, not an exception
 * (a late result for a task already cancelled is simply not applied).
 */
import type { RetryPolicy, TaskState } from './model.js';
import { TERMINAL_TASK_STATES } from './model.js';
import { retryDelayMs } from './retry.js';

export type TaskEvent =
  | { readonly type: 'deps_met' }
  | { readonly type: 'skip'; readonly reason: string }
  | { readonly type: 'enqueue' }
  | { readonly type: 'dispatch'; readonly attempt: number }
  | { readonly type: 'start' }
  | { readonly type: 'succeed' }
  /** `attempt` is the number of the attempt that failed (1-based); `u` a uniform draw for jitter. */
  | { readonly type: 'fail'; readonly attempt: number; readonly retries: RetryPolicy; readonly u: number; readonly error: string }
  | { readonly type: 'timeout'; readonly attempt: number; readonly retries: RetryPolicy; readonly u: number }
  | { readonly type: 'lose'; readonly reason: string }
  | { readonly type: 'reschedule' }
  | { readonly type: 'retry_due' }
  | { readonly type: 'cancel'; readonly reason: string }
  | { readonly type: 'compensate' }
  | { readonly type: 'compensated' }
  | { readonly type: 'compensate_failed'; readonly error: string }
  | { readonly type: 'reject'; readonly error: string }
  | { readonly type: 'reset' };

export type TaskEffect =
  | { readonly kind: 'enqueue' }
  | { readonly kind: 'execute'; readonly attempt: number }
  | { readonly kind: 'release' }
  | { readonly kind: 'kill' }
  | { readonly kind: 'retry_after'; readonly delayMs: number }
  | { readonly kind: 'run_compensation' };

export type Transition =
  | { readonly ok: true; readonly state: TaskState; readonly effects: readonly TaskEffect[]; readonly reason?: string }
  | { readonly ok: false; readonly reason: string };

const HOLDS_RESOURCES: ReadonlySet<TaskState> = new Set<TaskState>(['dispatched', 'running']);
const NONE: readonly TaskEffect[] = Object.freeze([]);
const RELEASE: readonly TaskEffect[] = Object.freeze([{ kind: 'release' }]);

const ENQUEUE: readonly TaskEffect[] = Object.freeze([{ kind: 'enqueue' }]);
const KILL_RELEASE: readonly TaskEffect[] = Object.freeze([{ kind: 'kill' }, { kind: 'release' }]);
const COMPENSATE: readonly TaskEffect[] = Object.freeze([{ kind: 'run_compensation' }]);

/** Transitions without a reason are shared constants: the engine makes ~5 per task (hot path). */
const SHARED = new Map<readonly TaskEffect[], Map<TaskState, Transition>>();

function ok(state: TaskState, effects: readonly TaskEffect[] = NONE, reason?: string): Transition {
  if (reason !== undefined) return { ok: true, state, effects, reason };
  if (effects !== NONE && effects !== RELEASE && effects !== ENQUEUE && effects !== KILL_RELEASE && effects !== COMPENSATE) {
    return { ok: true, state, effects };
  }
  let byState = SHARED.get(effects);
  if (byState === undefined) SHARED.set(effects, (byState = new Map()));
  let t = byState.get(state);
  if (t === undefined) byState.set(state, (t = Object.freeze({ ok: true as const, state, effects })));
  return t;
}

/**
 * The transitions every task makes, looked up once: `ok` finds a shared one with two Map
 * lookups per call, and the engine makes ~5 per task. The same frozen objects `ok` returns.
 */
const TO_READY = ok('ready');
const TO_QUEUED = ok('queued', ENQUEUE);
const TO_RUNNING = ok('running');
const TO_SUCCEEDED = ok('succeeded', RELEASE);

/** `dispatched` transitions per attempt number (shared, frozen: one allocation less per attempt). */
const DISPATCHED: Transition[] = [];

function dispatched(attempt: number): Transition {
  if (!(Number.isInteger(attempt) && attempt >= 0 && attempt < 64)) return ok('dispatched', [{ kind: 'execute', attempt }]);
  return (DISPATCHED[attempt] ??= Object.freeze({ ok: true as const, state: 'dispatched' as const, effects: Object.freeze([Object.freeze({ kind: 'execute' as const, attempt })]) }));
}

function illegal(from: TaskState, event: TaskEvent): Transition {
  return { ok: false, reason: `event '${event.type}' is not allowed in state '${from}'` };
}

function failure(attempt: number, retries: RetryPolicy, u: number, finalState: TaskState, reason: string, extra: readonly TaskEffect[]): Transition {
  if (attempt <= retries.max) {
    return ok('retry_wait', [...extra, { kind: 'release' }, { kind: 'retry_after', delayMs: retryDelayMs(retries, attempt, u) }], reason);
  }
  return ok(finalState, [...extra, { kind: 'release' }], reason);
}

export function transition(from: TaskState, event: TaskEvent): Transition {
  switch (event.type) {
    case 'deps_met':
      return from === 'pending' ? TO_READY : illegal(from, event);
    case 'skip':
      return from === 'pending' || from === 'ready' ? ok('skipped', NONE, event.reason) : illegal(from, event);
    case 'enqueue':
      return from === 'ready' ? TO_QUEUED : illegal(from, event);
    case 'dispatch':
      return from === 'queued' ? dispatched(event.attempt) : illegal(from, event);
    case 'start':
      return from === 'dispatched' ? TO_RUNNING : illegal(from, event);
    case 'succeed':
      return from === 'running' ? TO_SUCCEEDED : illegal(from, event);
    case 'fail':
      return from === 'running'
        ? failure(event.attempt, event.retries, event.u, 'failed', event.error, NONE)
        : illegal(from, event);
    case 'timeout':
      return from === 'running'
        ? failure(event.attempt, event.retries, event.u, 'timed_out', 'timed out', [{ kind: 'kill' }])
        : illegal(from, event);
    case 'lose':
      return HOLDS_RESOURCES.has(from) ? ok('lost', RELEASE, event.reason) : illegal(from, event);
    case 'reschedule':
      return from === 'lost' ? TO_READY : illegal(from, event);
    case 'retry_due':
      return from === 'retry_wait' ? TO_READY : illegal(from, event);
    case 'cancel':
      if (TERMINAL_TASK_STATES.has(from) || from === 'compensating') return illegal(from, event);
      return ok('cancelled', HOLDS_RESOURCES.has(from) ? KILL_RELEASE : NONE, event.reason);
    case 'compensate':
      return from === 'succeeded' ? ok('compensating', COMPENSATE) : illegal(from, event);
    case 'compensated':
      return from === 'compensating' ? ok('compensated') : illegal(from, event);
    case 'compensate_failed':
      return from === 'compensating' ? ok('failed', NONE, event.error) : illegal(from, event);
    case 'reject':
      return from === 'pending' || from === 'ready' ? ok('failed', NONE, event.error) : illegal(from, event);
    case 'reset':
      return TERMINAL_TASK_STATES.has(from) ? ok('pending') : illegal(from, event);
  }
}

/** True when the state is final for scheduling purposes (its dependents may be decided). */
export function isSettled(state: TaskState): boolean {
  return isTerminal(state) || state === 'compensating';
}

/**
 * `TERMINAL_TASK_STATES.has(state)` as a switch: the engine asks ~3 times per transition, and a
 * switch on interned strings is pointer compares where the Set hashes.
 */
export function isTerminal(state: TaskState): boolean {
  switch (state) {
    case 'succeeded':
    case 'failed':
    case 'timed_out':
    case 'skipped':
    case 'cancelled':
    case 'compensated':
      return true;
    default:
      return false;
  }
}
