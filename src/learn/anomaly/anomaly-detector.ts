/**
 * Flags running attempts that look wrong, for the self-healing action the caller chooses
 * (alert, restart elsewhere, nothing):
 *
 * - runtime: elapsed > runtimeFactor x the predicted p99 of its signature (and > minElapsedMs),
 *   only when the prediction rests on >= minSamples observations of that signature — a cold-start
 *   guess is too wide to call anything anomalous.
 * - memory: the attempt's RSS is >= memoryFraction of its memory limit, or it is climbing and a
 *   least-squares line through its last samples reaches the limit within horizonMs (while already
 *   above half the limit: a fresh process ramping up is normal).
 *
 * Each attempt is flagged at most once per kind (until `forget`). Pure: times come in as
 * arguments, so the simulator can feed it with virtual time.
 */

export type AnomalyKind = 'runtime' | 'memory';

export interface AnomalyOptions {
  /** Flag when elapsed > this x predicted p99. Default 2. */
  readonly runtimeFactor: number;
  /** Never flag a runtime below this (ms). Default 5,000. */
  readonly minElapsedMs: number;
  /** Observations of the signature needed before its p99 is trusted. Default 5. */
  readonly minSamples: number;
  /** Flag at this fraction of the memory limit. Default 0.9. */
  readonly memoryFraction: number;
  /** Flag when the trend reaches the limit within this (ms). Default 30,000. */
  readonly horizonMs: number;
  /** Memory samples kept per attempt for the trend. Default 8. */
  readonly trendSamples: number;
}

export const DEFAULT_ANOMALY: AnomalyOptions = {
  runtimeFactor: 2, minElapsedMs: 5000, minSamples: 5, memoryFraction: 0.9, horizonMs: 30_000, trendSamples: 8,
};

export interface Anomaly {
  readonly at: number;
  readonly key: string;
  readonly kind: AnomalyKind;
  readonly reason: string;
}

export interface RuntimeCheck {
  readonly key: string;
  readonly startedAt: number;
  /** The signature's predicted p99 (ms) and how many observations it rests on; null = none. */
  readonly p99Ms: number | null;
  readonly samples: number;
}

export class AnomalyDetector {
  readonly options: AnomalyOptions;
  readonly counts: Record<AnomalyKind, number> = { runtime: 0, memory: 0 };
  readonly #flagged = new Map<string, Set<AnomalyKind>>();
  readonly #memory = new Map<string, { t: number[]; v: number[] }>();

  constructor(options: Partial<AnomalyOptions> = {}) {
    this.options = { ...DEFAULT_ANOMALY, ...options };
    if (!(this.options.runtimeFactor > 0) || !(this.options.memoryFraction > 0 && this.options.memoryFraction <= 1)) {
      throw new RangeError('anomaly runtimeFactor must be > 0 and memoryFraction in (0, 1]');
    }
  }

  checkRuntime(c: RuntimeCheck, now: number): Anomaly | null {
    const o = this.options;
    if (c.p99Ms === null || c.samples < o.minSamples || this.#has(c.key, 'runtime')) return null;
    const elapsed = now - c.startedAt;
    const limit = Math.max(o.minElapsedMs, o.runtimeFactor * c.p99Ms);
    if (elapsed <= limit) return null;
    return this.#flag(c.key, 'runtime', now,
      `running ${sec(elapsed)}, past ${o.runtimeFactor} x its predicted p99 of ${sec(c.p99Ms)} (${c.samples} runs observed)`);
  }

  /** One memory sample of a running attempt with a limit (bytes). */
  observeMemory(key: string, rssBytes: number, limitBytes: number, now: number): Anomaly | null {
    if (!(limitBytes > 0) || !(rssBytes >= 0)) return null;
    const o = this.options;
    let m = this.#memory.get(key);
    if (m === undefined) this.#memory.set(key, (m = { t: [], v: [] }));
    m.t.push(now);
    m.v.push(rssBytes);
    if (m.t.length > o.trendSamples) (m.t.shift(), m.v.shift());
    if (this.#has(key, 'memory')) return null;
    const frac = rssBytes / limitBytes;
    if (frac >= o.memoryFraction) {
      return this.#flag(key, 'memory', now, `memory ${mib(rssBytes)} is ${pct(frac)} of its ${mib(limitBytes)} limit (>= ${pct(o.memoryFraction)})`);
    }
    const slope = slopeOf(m.t, m.v); // bytes per ms
    if (m.t.length >= 3 && slope > 0 && frac >= 0.5) {
      const eta = (limitBytes - rssBytes) / slope;
      if (eta <= o.horizonMs) {
        return this.#flag(key, 'memory', now,
          `memory ${mib(rssBytes)} (${pct(frac)} of ${mib(limitBytes)}) climbing ${mib(slope * 1000)}/s: at the limit in ~${sec(eta)} (< ${sec(o.horizonMs)})`);
      }
    }
    return null;
  }

  /** The attempt ended: drop what is kept about it. */
  forget(key: string): void {
    this.#flagged.delete(key);
    this.#memory.delete(key);
  }

  #has(key: string, kind: AnomalyKind): boolean {
    return this.#flagged.get(key)?.has(kind) ?? false;
  }

  #flag(key: string, kind: AnomalyKind, now: number, reason: string): Anomaly {
    let s = this.#flagged.get(key);
    if (s === undefined) this.#flagged.set(key, (s = new Set()));
    s.add(kind);
    this.counts[kind]++;
    return { at: now, key, kind, reason };
  }
}

/** Least-squares slope of v over t; 0 with fewer than 2 distinct times. */
export function slopeOf(t: readonly number[], v: readonly number[]): number {
  const n = t.length;
  if (n < 2) return 0;
  let st = 0, sv = 0;
  for (let i = 0; i < n; i++) (st += t[i]!, sv += v[i]!);
  const mt = st / n, mv = sv / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (t[i]! - mt) * (v[i]! - mv);
    den += (t[i]! - mt) ** 2;
  }
  return den > 0 ? num / den : 0;
}

function sec(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}
function mib(b: number): string {
  return `${+(b / 1048576).toFixed(1)} MiB`;
}
function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}
