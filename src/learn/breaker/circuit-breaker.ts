/**
 * A failure-rate circuit breaker per key (a worker id: local, remote or simulated — the breaker
 * knows nothing of what the key names). After the classic breaker (Nygard, "Release It!"; the
 * resilience4j count/time-window variant):
 *
 *   closed    --(>= minRequests results in the window and failure rate >= failureRate,
 *                or consecutiveFailures in a row)-->                         open
 *   open      --(coolDownMs passed; `tick`)-->                               half_open
 *   half_open --(`probes` successes)-->                                      closed
 *   half_open --(any failure)-->                                             open (cool-down x2, up to maxCoolDownMs)
 *
 * While open, the caller places nothing on the key; while half-open, at most `probes` attempts
 * (the caller enforces it, e.g. with the worker's slots). A close resets the cool-down.
 *
 * Pure: time comes in as arguments (no clock read), so the same object runs under the engine's
 * clock and the simulator's virtual time. Every transition is returned and recorded with its
 * reason. Memory: one window of results per key (bounded by `maxWindowResults`).
 */

export type BreakerStateName = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Results older than this leave the window (ms). Default 60,000. */
  readonly windowMs: number;
  /** Fewest results in the window before the rate may open the breaker. Default 5. */
  readonly minRequests: number;
  /** Failure fraction in the window that opens it. Default 0.5. */
  readonly failureRate: number;
  /** Failures in a row that open it whatever the window says (0 = off). Default 5. */
  readonly consecutiveFailures: number;
  /** Time open before probing (ms). Default 30,000. */
  readonly coolDownMs: number;
  /** Cool-down cap after repeated failed probes (ms). Default 600,000. */
  readonly maxCoolDownMs: number;
  /** Successful probes that close it again. Default 2. */
  readonly probes: number;
  /** Bound on the results kept per key. Default 1,000. */
  readonly maxWindowResults: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  windowMs: 60_000, minRequests: 5, failureRate: 0.5, consecutiveFailures: 5, coolDownMs: 30_000,
  maxCoolDownMs: 600_000, probes: 2, maxWindowResults: 1000,
};

export interface BreakerTransition {
  readonly at: number;
  readonly key: string;
  readonly from: BreakerStateName;
  readonly to: BreakerStateName;
  readonly reason: string;
}

export interface BreakerState {
  readonly key: string;
  readonly state: BreakerStateName;
  readonly requests: number;
  readonly failures: number;
  readonly since: number;
  readonly opens: number;
  readonly reason: string;
  /** When an open breaker may probe (ms), null otherwise. */
  readonly probeAt: number | null;
}

interface Entry {
  state: BreakerStateName;
  /** Window of results: times and outcomes (parallel arrays, oldest first from `head`). */
  times: number[];
  oks: boolean[];
  head: number;
  failures: number;
  consecutive: number;
  since: number;
  opens: number;
  coolDownMs: number;
  probeOks: number;
  reason: string;
}

export class BreakerSet {
  readonly options: BreakerOptions;
  readonly transitions: BreakerTransition[] = [];
  readonly #entries = new Map<string, Entry>();
  readonly #maxTransitions: number;

  constructor(options: Partial<BreakerOptions> = {}, maxTransitions = 1000) {
    this.options = { ...DEFAULT_BREAKER, ...options };
    const o = this.options;
    if (!(o.failureRate > 0 && o.failureRate <= 1)) throw new RangeError(`breaker failureRate must be in (0, 1], got ${o.failureRate}`);
    if (!(o.minRequests >= 1) || !(o.probes >= 1) || !(o.windowMs > 0) || !(o.coolDownMs >= 0)) {
      throw new RangeError('breaker minRequests and probes must be >= 1, windowMs > 0, coolDownMs >= 0');
    }
    this.#maxTransitions = maxTransitions;
  }

  state(key: string): BreakerStateName {
    return this.#entries.get(key)?.state ?? 'closed';
  }

  /** True when new work may go to `key` (closed or half-open; the caller bounds the probes). */
  allows(key: string): boolean {
    return this.state(key) !== 'open';
  }

  /** Records one finished attempt on `key`; returns the transition it caused, if any. */
  record(key: string, ok: boolean, now: number): BreakerTransition | null {
    const e = this.#entry(key, now);
    if (e.state === 'open') return null; // a late result of an attempt started before opening
    if (e.state === 'half_open') {
      if (!ok) {
        e.coolDownMs = Math.min(this.options.maxCoolDownMs, Math.max(1, e.coolDownMs * 2));
        return this.#move(e, key, 'open', now, `probe failed while half-open: open again for ${fmt(e.coolDownMs)}`);
      }
      if (++e.probeOks >= this.options.probes) {
        e.coolDownMs = this.options.coolDownMs;
        return this.#move(e, key, 'closed', now, `${e.probeOks} probe(s) succeeded: closed`);
      }
      return null;
    }
    this.#push(e, ok, now);
    const o = this.options;
    const n = e.times.length - e.head;
    if (!ok && o.consecutiveFailures > 0 && e.consecutive >= o.consecutiveFailures) {
      return this.#move(e, key, 'open', now, `${e.consecutive} failures in a row (>= ${o.consecutiveFailures}): open for ${fmt(e.coolDownMs)}`);
    }
    if (!ok && n >= o.minRequests && e.failures / n >= o.failureRate) {
      const rate = e.failures / n;
      return this.#move(e, key, 'open', now,
        `${e.failures}/${n} attempts failed in the last ${fmt(o.windowMs)} (${pct(rate)} >= ${pct(o.failureRate)}): open for ${fmt(e.coolDownMs)}`);
    }
    return null;
  }

  /** Moves open breakers whose cool-down has passed to half-open; returns those transitions. */
  tick(now: number): BreakerTransition[] {
    const out: BreakerTransition[] = [];
    for (const [key, e] of this.#entries) {
      if (e.state === 'open' && now - e.since >= e.coolDownMs) {
        out.push(this.#move(e, key, 'half_open', now, `cool-down of ${fmt(e.coolDownMs)} over: half-open, ${this.options.probes} probe(s) allowed`));
      }
    }
    return out;
  }

  /** Forgets a key (its worker left for good). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  states(now: number): BreakerState[] {
    const out: BreakerState[] = [];
    for (const [key, e] of this.#entries) {
      this.#expire(e, now);
      out.push({
        key, state: e.state, requests: e.times.length - e.head, failures: e.failures, since: e.since, opens: e.opens,
        reason: e.reason, probeAt: e.state === 'open' ? e.since + e.coolDownMs : null,
      });
    }
    return out;
  }

  #entry(key: string, now: number): Entry {
    let e = this.#entries.get(key);
    if (e === undefined) {
      e = { state: 'closed', times: [], oks: [], head: 0, failures: 0, consecutive: 0, since: now, opens: 0, coolDownMs: this.options.coolDownMs, probeOks: 0, reason: 'no failures seen' };
      this.#entries.set(key, e);
    }
    return e;
  }

  #push(e: Entry, ok: boolean, now: number): void {
    e.times.push(now);
    e.oks.push(ok);
    if (!ok) e.failures++;
    e.consecutive = ok ? 0 : e.consecutive + 1;
    this.#expire(e, now);
    while (e.times.length - e.head > this.options.maxWindowResults) this.#shift(e);
  }

  #expire(e: Entry, now: number): void {
    const from = now - this.options.windowMs;
    while (e.head < e.times.length && e.times[e.head]! < from) this.#shift(e);
    if (e.head > 64 && e.head * 2 > e.times.length) {
      e.times = e.times.slice(e.head);
      e.oks = e.oks.slice(e.head);
      e.head = 0;
    }
  }

  #shift(e: Entry): void {
    if (!e.oks[e.head]) e.failures--;
    e.head++;
  }

  #move(e: Entry, key: string, to: BreakerStateName, now: number, reason: string): BreakerTransition {
    const t: BreakerTransition = { at: now, key, from: e.state, to, reason };
    e.state = to;
    e.since = now;
    e.reason = reason;
    e.probeOks = 0;
    if (to === 'open') e.opens++;
    // A fresh window after every transition: a closed breaker judges only what came after.
    e.times = [];
    e.oks = [];
    e.head = 0;
    e.failures = 0;
    e.consecutive = 0;
    this.transitions.push(t);
    if (this.transitions.length > this.#maxTransitions) this.transitions.splice(0, this.transitions.length - this.#maxTransitions);
    return t;
  }
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}
