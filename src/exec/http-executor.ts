/**
 * Runs `http` actions with the global `fetch` (undici, built into Node 20+).
 *
 * Outcome: succeeded when the status is in `expectStatus`, or 2xx when that is null; otherwise
 * failed with `HTTP <status>: <first 200 chars of the body>`. A connection error (refused, DNS,
 * TLS) is failed with its cause's message. Timeout → timed_out, abort → cancelled: both abort the
 * request, body download included.
 *
 * Outputs, on success: `{ status: number, body: unknown }` where `body` is the parsed JSON when
 * the response is JSON (a JSON content type, or a text starting with `{` or `[` that parses), else
 * the text; `body` is null when the response is larger than MAX_OUTPUT_BYTES (the request still
 * succeeds: an HTTP task is judged by its status; a note is logged).
 *
 * Log: a request line, the status line, then the body (bounded like every task log). Secret values
 * are redacted from the log and the error (a token may sit in the URL or be echoed back).
 */
import type { ExecRequest, ExecResult, Executor } from './types.js';
import { BoundedLog } from './bounded-log.js';
import { redactorFor, type Redactor } from './redact.js';
import { MAX_OUTPUT_BYTES } from './outputs.js';
import { LineSplitter } from './line-splitter.js';
import { CANCELLED_BEFORE_START, cancelled, failed, messageOf, succeeded, timedOut } from './result.js';

/** How much of the body a failure message quotes. */
const ERROR_BODY_CHARS = 200;
/** Body characters kept for that quote: more than quoted, so a secret crossing the cut is redacted. */
const HEAD_CHARS = ERROR_BODY_CHARS + 4096;

function isSuccess(status: number, expect: readonly number[] | null): boolean {
  return expect === null ? status >= 200 && status <= 299 : expect.includes(status);
}

/** `fetch failed` says nothing; the cause (ECONNREFUSED, ENOTFOUND, ...) does. */
function connectionError(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  const detail = cause instanceof Error ? cause.message : cause === undefined ? '' : String(cause);
  const msg = messageOf(err);
  return detail.length > 0 && !msg.includes(detail) ? `${msg}: ${detail}` : msg;
}

function parseBody(text: string, contentType: string): unknown {
  const trimmed = text.trimStart();
  const looksJson = /[/+]json\b/i.test(contentType) || trimmed.startsWith('{') || trimmed.startsWith('[');
  if (!looksJson || trimmed.length === 0) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface Body {
  /** The body as text, or null when it exceeded MAX_OUTPUT_BYTES. */
  readonly text: string | null;
  /** The first characters, for error messages (kept even when the body is too large). */
  readonly head: string;
  readonly bytes: number;
}

/** Reads the body to the end, logging it line by line (a secret split across two network chunks
 *  is still redacted); keeps at most MAX_OUTPUT_BYTES in memory. */
async function readBody(res: Response, log: BoundedLog, redactor: Redactor): Promise<Body> {
  if (res.body === null) return { text: '', head: '', bytes: 0 };
  const lines = new LineSplitter((line, _first, last) => log.write(redactor.text(last ? `${line}\n` : line)));
  const decoder = new TextDecoder();
  const kept: Uint8Array[] = [];
  let bytes = 0;
  let head = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    lines.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (head.length < HEAD_CHARS) head += decoder.decode(chunk, { stream: true }).slice(0, HEAD_CHARS - head.length);
    if (bytes <= MAX_OUTPUT_BYTES) kept.push(chunk);
    else kept.length = 0;
  }
  lines.end();
  const text = bytes > MAX_OUTPUT_BYTES ? null : Buffer.concat(kept).toString('utf8');
  return { text, head, bytes };
}

export class HttpExecutor implements Executor {
  readonly kind = 'http' as const;

  async execute(req: ExecRequest, signal: AbortSignal): Promise<ExecResult> {
    const action = req.action;
    if (action.kind !== 'http') return failed(`the http executor cannot run '${action.kind}' actions`);
    if (signal.aborted) return CANCELLED_BEFORE_START;
    const redactor = redactorFor(req.secretEnv, req.env);
    let log: BoundedLog;
    try {
      log = new BoundedLog(req.logPath, req.logPath === null ? 0 : req.maxLogBytes);
    } catch (err) {
      return failed(`cannot create the log folder of '${req.logPath}': ${messageOf(err)}`);
    }

    // One controller aborts the request for both reasons; `reason` remembers which came first.
    const ac = new AbortController();
    let reason: 'timeout' | 'cancel' | null = null;
    const onAbort = (): void => {
      reason ??= 'cancel';
      ac.abort();
    };
    signal.addEventListener('abort', onAbort);
    const timer =
      req.timeoutMs === null
        ? null
        : setTimeout(() => {
            reason ??= 'timeout';
            ac.abort();
          }, req.timeoutMs);

    const method = action.method.toUpperCase();
    log.write(redactor.text(`> ${method} ${action.url}\n`));
    let result: ExecResult;
    try {
      const res = await fetch(action.url, { method, headers: { ...action.headers }, body: action.body, signal: ac.signal, redirect: 'follow' });
      log.write(`< HTTP ${res.status} ${res.statusText}\n`);
      const body = await readBody(res, log, redactor);
      if (body.text === null) log.write(`\n[body of ${body.bytes} bytes exceeds the ${MAX_OUTPUT_BYTES}-byte output limit: not published as outputs]\n`);
      if (isSuccess(res.status, action.expectStatus)) {
        const parsed = body.text === null ? null : parseBody(body.text, res.headers.get('content-type') ?? '');
        result = succeeded({ status: res.status, body: redactor.deep(parsed) });
      } else {
        const quoted = redactor.text(body.head).trim().slice(0, ERROR_BODY_CHARS);
        result = failed(redactor.text(`HTTP ${res.status}${quoted.length > 0 ? `: ${quoted}` : ''}`));
      }
    } catch (err) {
      if (reason === 'timeout') result = timedOut(req.timeoutMs!);
      else if (reason === 'cancel') result = cancelled();
      else result = failed(redactor.text(connectionError(err)));
      log.write(`! ${result.error}\n`);
    } finally {
      if (timer !== null) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    await log.close();
    return result;
  }
}
