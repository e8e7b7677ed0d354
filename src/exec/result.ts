/**
 * ExecResult builders shared by the executors, so every executor words the same outcome the same
 * way. Results are immutable (readonly in the contract); the constant ones are frozen and shared,
 * which keeps the fn executor's hot path free of allocations.
 */
import type { ExecResult } from './types.js';

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** The result of an attempt that succeeded without outputs; shared. */
export const SUCCEEDED_EMPTY: ExecResult = Object.freeze({ outcome: 'succeeded', exitCode: null, signal: null, outputs: EMPTY, error: null });

/** The result of an attempt cancelled before it started; shared. */
export const CANCELLED_BEFORE_START: ExecResult = Object.freeze({ outcome: 'cancelled', exitCode: null, signal: null, outputs: EMPTY, error: 'cancelled before it started' });

export function succeeded(outputs: Readonly<Record<string, unknown>>, extra?: Partial<ExecResult>): ExecResult {
  return { outcome: 'succeeded', exitCode: null, signal: null, outputs, error: null, ...extra };
}

export function failed(error: string, extra?: Partial<ExecResult>): ExecResult {
  return { outcome: 'failed', exitCode: null, signal: null, outputs: EMPTY, error, ...extra };
}

export function timedOut(timeoutMs: number, extra?: Partial<ExecResult>): ExecResult {
  return { outcome: 'timed_out', exitCode: null, signal: null, outputs: EMPTY, error: `timed out after ${timeoutMs} ms`, ...extra };
}

export function cancelled(extra?: Partial<ExecResult>): ExecResult {
  return { outcome: 'cancelled', exitCode: null, signal: null, outputs: EMPTY, error: 'cancelled', ...extra };
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : String(err);
}
