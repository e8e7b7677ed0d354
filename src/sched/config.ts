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
  /**
   * 100: backfill candidates examined per round once the head has its reservation. Without a
   * bound a full worker that only short tasks may use makes every round test all 10,000 waiting
   * tasks (measured 8.6 ms per dispatched task at p99); Slurm bounds this scan the same way.
   */
  readonly backfillDepth: number;
}

export const DEFAULT_HEAD_TIMEOUT_MS = 3_600_000;
export const DEFAULT_UNKNOWN_ESTIMATE_MS = 3_600_000;
export const DEFAULT_BACKFILL_DEPTH = 100;

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
    backfillDepth: Math.floor(nonNeg('backfillDepth', c.backfillDepth, DEFAULT_BACKFILL_DEPTH)),
  };
}
