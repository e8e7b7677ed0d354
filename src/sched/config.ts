/**
 * SchedulerConfig compiled once into a fully-resolved object (Temporal style): inner code
 * never checks for missing fields. Every default is stated here and in docs/policies.md.
 */
import type { AdmissionMode, Quota, SchedulerConfig } from './types.js';

export interface ResolvedConfig {
  readonly policy: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly admission: AdmissionMode;
  /** 3,600,000 ms (the 3600 s). */
  readonly headTimeoutMs: number;
  /** 0: a head that times out is cancelled at once. */
  readonly headRetries: number;
  readonly quotas: Readonly<Record<string, Quota>>;
  readonly placement: 'best-fit' | 'first-fit';
  /** 3,600,000 ms: runtime assumed for an unknown estimate (backfill reservations, HEFT). */
  readonly unknownEstimateMs: number;
}

export const DEFAULT_HEAD_TIMEOUT_MS = 3_600_000;
export const DEFAULT_UNKNOWN_ESTIMATE_MS = 3_600_000;

export function resolveConfig(c: SchedulerConfig): ResolvedConfig {
  const admission = c.admission ?? 'greedy';
  if (admission !== 'greedy' && admission !== 'strict' && admission !== 'backfill') throw new TypeError(`unknown admission mode '${String(admission)}' (greedy, strict, backfill)`);
  const placement = c.placement ?? 'best-fit';
  if (placement !== 'best-fit' && placement !== 'first-fit') throw new TypeError(`unknown placement '${String(placement)}' (best-fit, first-fit)`);
  const nonNeg = (name: string, v: number | undefined, d: number): number => {
    if (v === undefined) return d;
    if (!(v >= 0) || !Number.isFinite(v)) throw new TypeError(`scheduler ${name} must be a finite number >= 0, got ${v}`);
    return v;
  };
  return {
    policy: c.policy,
    settings: c.settings ?? {},
    admission,
    headTimeoutMs: nonNeg('headTimeoutMs', c.headTimeoutMs, DEFAULT_HEAD_TIMEOUT_MS),
    headRetries: Math.floor(nonNeg('headRetries', c.headRetries, 0)),
    quotas: c.quotas ?? {},
    placement,
    unknownEstimateMs: nonNeg('unknownEstimateMs', c.unknownEstimateMs, DEFAULT_UNKNOWN_ESTIMATE_MS),
  };
}
