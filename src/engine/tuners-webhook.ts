/**
 * The deadline-risk alert: a JSON POST to a configured URL, each try bounded by a timeout, retried
 * with backoff (0.5 s, 1 s, 2 s, ...) on a network error, a timeout or a 5xx/429 answer; any
 * other answer is final. Never throws: the outcome is a value the engine records as a decision.
 */

export interface WebhookOutcome {
  readonly ok: boolean;
  readonly tries: number;
  readonly status: number | null;
  readonly error: string | null;
}

export async function postAlert(url: string, body: unknown, o: { timeoutMs: number; tries: number; backoffMs?: number }): Promise<WebhookOutcome> {
  const backoff = o.backoffMs ?? 500;
  let last: WebhookOutcome = { ok: false, tries: 0, status: null, error: 'not tried' };
  for (let i = 1; i <= Math.max(1, o.tries); i++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'kairos-tuner' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, tries: i, status: res.status, error: null };
      last = { ok: false, tries: i, status: res.status, error: `HTTP ${res.status}` };
      if (res.status < 500 && res.status !== 429) return last;
    } catch (err) {
      const e = err as Error;
      last = { ok: false, tries: i, status: null, error: e.name === 'TimeoutError' ? `timed out after ${o.timeoutMs} ms` : e.message };
    }
    if (i < o.tries) await new Promise((r) => setTimeout(r, backoff * 2 ** (i - 1)));
  }
  return last;
}
