/**
 * The API error catalogue: every error a client can meet, with its stable code and HTTP status.
 * KairosError codes (src/core/errors.ts) keep their code; request-level failures (validation,
 * auth, limits) have server codes. Every response body is `{ error: { code, message, field? } }`
 * and never carries a stack trace. docs/api.md documents each code (a test checks it).
 */
import { isKairosError } from '../core/errors.js';
import type { SpecIssue } from '../core/spec/issues.js';

export const API_ERRORS = {
  // Request validation and input
  VALIDATION_FAILED: { status: 400, doc: 'A request field is missing, of the wrong type or out of range; `field` names it.' },
  BAD_REQUEST: { status: 400, doc: 'The body is not valid JSON, or the request is malformed.' },
  SPEC_INVALID: { status: 400, doc: 'The workflow spec has issues; `issues` lists each with its path, line and column.' },
  SPEC_PARSE: { status: 400, doc: 'The workflow spec is not valid YAML/JSON.' },
  SPEC_TOO_LARGE: { status: 413, doc: 'The workflow spec is over the size limit.' },
  PARAM_MISSING: { status: 400, doc: 'A required workflow param was not given at submit.' },
  PARAM_INVALID: { status: 400, doc: 'A param is undeclared or of the wrong type.' },
  EXPRESSION_INVALID: { status: 400, doc: 'An expression in the spec does not parse.' },
  EXPRESSION_FAILED: { status: 400, doc: 'An expression failed to evaluate.' },
  FN_NOT_REGISTERED: { status: 400, doc: 'A task names a function this server has not registered.' },
  LIMIT_EXCEEDED: { status: 400, doc: 'A limit was crossed (fan-out width, task count, ...).' },
  POLICY_UNKNOWN: { status: 400, doc: 'No scheduling policy has this name; the message lists the registered ones.' },
  POLICY_INVALID: { status: 400, doc: 'The policy refused its settings (e.g. WRR shares that are not numbers).' },
  WORKLOAD_INVALID: { status: 400, doc: 'A workload file is malformed.' },
  // Auth
  UNAUTHORIZED: { status: 401, doc: 'No bearer token was sent (`Authorization: Bearer <token>`).' },
  TOKEN_INVALID: { status: 401, doc: 'The token is unknown or revoked.' },
  FORBIDDEN: { status: 403, doc: "The token's role does not allow this action (a viewer submitting, an operator switching the policy)." },
  // Resources
  ROUTE_NOT_FOUND: { status: 404, doc: 'No endpoint at this method and path.' },
  WORKFLOW_NOT_FOUND: { status: 404, doc: 'No such workflow (or version), or not in the namespace of the token.' },
  RUN_NOT_FOUND: { status: 404, doc: 'No such run, or not in the namespace of the token.' },
  TASK_NOT_FOUND: { status: 404, doc: 'The run has no such task.' },
  LOG_NOT_FOUND: { status: 404, doc: 'The attempt has no log (not started yet, or no such attempt).' },
  // State
  ILLEGAL_TRANSITION: { status: 409, doc: 'The action does not apply in the current state (cancelling a finished run, retrying a running one).' },
  STORE_LOCKED: { status: 409, doc: 'Another process drives this run; retry later.' },
  NOT_LEADER: { status: 409, doc: 'This replica is not the scheduler leader and the action acts on the scheduler (system pause, concurrency, policy switch, pausing a run); send it to the leader (`GET /healthz` answers `role: leader` there).' },
  // Limits
  BODY_TOO_LARGE: { status: 413, doc: 'The request body is over `bodyLimitBytes`.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, doc: 'The body has a content type the endpoint does not accept.' },
  RATE_LIMITED: { status: 429, doc: 'Too many requests for this token; `Retry-After` says when to retry.' },
  // Server
  INTERNAL: { status: 500, doc: 'An unexpected error; details are in the server log, never in the response.' },
  SHUTTING_DOWN: { status: 503, doc: 'The server is shutting down and admits no new work; retry on another replica or later.' },
} as const satisfies Record<string, { status: number; doc: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  field?: string;
  line?: number;
  column?: number;
  issues?: readonly SpecIssue[];
  retryable?: boolean;
}

/** An error the handlers throw on purpose; the error handler turns it into its response. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  readonly details: Omit<ApiErrorBody, 'code' | 'message'>;
  constructor(code: ApiErrorCode, message: string, details: Omit<ApiErrorBody, 'code' | 'message'> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = API_ERRORS[code].status;
    this.details = details;
  }
}

export function specError(issues: readonly SpecIssue[]): ApiError {
  const first = issues[0];
  const message = issues.length === 1 ? first!.message : `${issues.length} issues; first: ${first?.message ?? ''}`;
  return new ApiError('SPEC_INVALID', `workflow spec is invalid: ${message}`, {
    ...(first ? { field: first.path || '(document)' } : {}),
    ...(first?.line !== undefined ? { line: first.line, column: first.column ?? 1 } : {}),
    issues,
  });
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/a/0/b` + missing `c` -> `a[0].b.c`: the field a validation error names. */
function fieldOf(e: AjvError): string {
  const parts = (e.instancePath ?? '').split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = e.params?.missingProperty ?? e.params?.additionalProperty;
  if (typeof extra === 'string') parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Turns anything thrown in a request into the status and body of the answer. */
export function toErrorResponse(err: unknown): { status: number; body: ApiErrorBody; internal: boolean } {
  if (err instanceof ApiError) {
    return { status: err.statusCode, body: { code: err.code, message: err.message, ...err.details }, internal: false };
  }
  if (isKairosError(err)) {
    const known = (API_ERRORS as Record<string, { status: number }>)[err.code];
    const code = (known ? err.code : 'BAD_REQUEST') as ApiErrorCode;
    const status = known?.status ?? (err.retryable ? 503 : 400);
    return {
      status,
      body: { code, message: err.message, ...(err.field ? { field: err.field } : {}), ...(err.retryable ? { retryable: true } : {}) },
      internal: false,
    };
  }
  const e = err as { validation?: AjvError[]; validationContext?: string; statusCode?: number; code?: string; message?: string } | null;
  if (e && Array.isArray(e.validation)) {
    const first = e.validation[0] ?? {};
    const field = fieldOf(first);
    const where = PART_NAMES[e.validationContext ?? ''] ?? e.validationContext ?? 'request';
    const message = `${where}${field ? ` field \`${field}\`` : ''}: ${first.message ?? 'invalid'}`;
    return { status: 400, body: { code: 'VALIDATION_FAILED', message, field: field || where }, internal: false };
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 413) return { status, body: { code: 'BODY_TOO_LARGE', message: 'request body is over the size limit' }, internal: false };
  if (status === 415) return { status, body: { code: 'UNSUPPORTED_MEDIA_TYPE', message: e?.message ?? 'unsupported content type' }, internal: false };
  if (status === 429) return { status, body: { code: 'RATE_LIMITED', message: 'rate limit exceeded; retry later', retryable: true }, internal: false };
  if (status >= 400 && status < 500) {
    // Fastify's own request errors (invalid JSON, empty body): their messages hold no internals.
    return { status: 400, body: { code: 'BAD_REQUEST', message: String(e?.message ?? 'bad request').slice(0, 300) }, internal: false };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error; see the server log' }, internal: true };
}
