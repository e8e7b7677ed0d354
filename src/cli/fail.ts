/**
 * How the CLI ends on an error: a clear message on stderr and the documented exit code
 * (docs/cli.md): 1 = the run failed or the request was refused, 2 = invalid input (spec,
 * params, flags), 3 = not found.
 */
import { isKairosError } from '../core/errors.js';

export class CliExit extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof CliExit) return err.exitCode;
  if (isKairosError(err)) {
    if (err.code === 'RUN_NOT_FOUND' || err.code === 'TASK_NOT_FOUND') return 3;
    if (err.code.startsWith('SPEC') || err.code.startsWith('PARAM') || err.code === 'POLICY_UNKNOWN' || err.code === 'WORKLOAD_INVALID') return 2;
    return 1;
  }
  return 1;
}

export function messageOf(err: unknown): string {
  if (err instanceof CliExit) return err.message;
  if (isKairosError(err)) return `error [${err.code}]: ${err.message}`;
  return `error: ${(err as Error)?.stack ?? String(err)}`;
}
