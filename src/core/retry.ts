import type { RetryPolicy } from './model.js';

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  max: 0,
  backoff: 'exponential',
  initialMs: 1000,
  maxMs: 5 * 60_000,
  jitter: 0.5,
});

/**
 * Delay before retry number `retry` (1 = first retry). Exponential doubles from `initialMs`,
 * capped at `maxMs`; then `jitter` of it is randomised downwards with `u` in [0, 1) so that
 * many tasks failing together do not retry in lockstep (AWS "equal/full jitter").
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, u: number): number {
  const base =
    policy.backoff === 'fixed'
      ? policy.initialMs
      : Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, retry - 1));
  const capped = Math.min(base, policy.maxMs);
  return Math.round(capped * (1 - policy.jitter * u));
}
