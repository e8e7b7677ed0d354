/**
 * The error catalogue: every error a user can meet has a stable code, a message that names the
 * field and the fix, and whether retrying helps. Codes are documented in docs/errors.md.
 */
export type ErrorCode =
  | 'SPEC_INVALID'
  | 'SPEC_PARSE'
  | 'SPEC_TOO_LARGE'
  | 'PARAM_MISSING'
  | 'PARAM_INVALID'
  | 'RUN_NOT_FOUND'
  | 'TASK_NOT_FOUND'
  | 'ILLEGAL_TRANSITION'
  | 'EXPRESSION_INVALID'
  | 'EXPRESSION_FAILED'
  | 'FN_NOT_REGISTERED'
  | 'STORE_LOCKED'
  | 'LIMIT_EXCEEDED'
  | 'POLICY_UNKNOWN'
  | 'WORKLOAD_INVALID';

export class KairosError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, opts: { field?: string; retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KairosError';
    this.code = code;
    this.field = opts.field;
    this.retryable = opts.retryable ?? false;
  }
}

export function isKairosError(e: unknown): e is KairosError {
  return e instanceof KairosError;
}
