/**
 * The HTTP API, as the dashboard uses it (docs/api.md). The dashboard imports nothing from the
 * server: these types mirror the JSON answers. The bearer token lives in sessionStorage (gone
 * when the tab closes); when the server runs open (no token exists) none is needed.
 */

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'compensating';

export interface Run {
  id: string; workflow: string; namespace: string; priority: number; state: RunState;
  params: Record<string, unknown>; labels: Record<string, string>;
  createdAt: number; startedAt: number | null; finishedAt: number | null; deadlineAt: number | null;
  error: string | null; paused: boolean;
}

export interface WaitReason { kind: string; [k: string]: unknown }

export interface Task {
  id: string; specId: string | null; itemIndex: number | null; item: unknown; needs: string[];
  state: string; attempt: number; readyAt: number | null; startedAt: number | null; finishedAt: number | null;
  retryAt: number | null; worker: string | null; outputs: unknown; error: string | null;
  reason: WaitReason | null; reasonText: string | null;
}

export interface Attempt {
  attempt: number; kind: string; status: string; worker: string | null;
  startedAt: number; finishedAt: number | null; exitCode: number | null; error: string | null;
}

export interface WaitingTask {
  run: string; task: string; workflow: string; namespace: string; priority: number; state: string;
  since: number | null; reason: WaitReason; reasonText: string;
}

export interface QueueHead {
  run: string; task: string; priority: number; blockedSince: number; timeoutAt: number; reason: WaitReason; reasonText: string;
}

export interface Queues {
  policy: string; admission: string; systemPaused: boolean;
  /** Strict/backfill admission only. */
  headTimeouts: { headTimeoutMs: number; headRetries: number; heads: QueueHead[] } | null;
  depth: { priority: number; queued: number }[]; queued: number; running: number;
  waiting: WaitingTask[]; truncated: boolean;
}

/** GET /system (admin). */
export interface SystemState {
  paused: boolean; concurrency: number; running: number; queued: number; liveRuns: number;
  policy: { policy: string; admission: string; settings: unknown; headTimeoutMs: number; headRetries: number };
}

export interface Worker {
  id: string; pool: string; capacity: Record<string, number>; allocated: Record<string, number>; use: Record<string, number>;
}

export interface Policy {
  policy: string; settings: Record<string, unknown>; admission: string; config: unknown; available: string[];
}

export interface BenchInterval { mean: number; ci95: number }
export interface BenchReport {
  workload?: string; jobs?: number; workers?: number; seeds?: number[] | number;
  policies: ({ policy: string } & Record<string, BenchInterval | string>)[];
}

/** An error answer of the API: `{error: {code, message, field}}`, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
  }
}

const TOKEN_KEY = 'kairos.token';

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(t: string | null) {
    if (t === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, t);
  },
};

/** Fired on window when the API answers 401: the app shows the login page. */
export const UNAUTHORIZED_EVENT = 'kairos:unauthorized';

export function authHeaders(token = session.token): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = 'HTTP_' + res.status;
  let message = res.statusText || `HTTP ${res.status}`;
  let field: string | undefined;
  try {
    const body = (await res.json()) as { error?: { code: string; message: string; field?: string } };
    if (body.error) ({ code, message, field } = body.error);
  } catch { /* not JSON */ }
  if (res.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  return new ApiError(res.status, code, message, field);
}

/** A raw request with the token; throws ApiError unless 2xx. */
export async function request(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(path, { ...rest, headers: { ...authHeaders(token === undefined ? session.token : token), ...(rest.headers as Record<string, string>) } });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', `cannot reach the server: ${(e as Error).message}`);
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(path, signal ? { signal } : {})).json()) as T;
}

export async function sendJson<T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> {
  const res = await request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return (await res.json()) as T;
}

export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** Reads a streamed text body chunk by chunk (SSE, followed logs) until it ends. */
export async function readText(body: ReadableStream<Uint8Array>, onChunk: (s: string) => void): Promise<void> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const s = dec.decode(value, { stream: true });
    if (s) onChunk(s);
  }
  const rest = dec.decode();
  if (rest) onChunk(rest);
}
