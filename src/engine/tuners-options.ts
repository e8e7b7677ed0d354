/**
 * Settings of the engine's tuners (right-sizing, anomalies, circuit breaker, deadline risk):
 * the `tuners` engine option, with defaults. What changes behaviour is off by default; what only
 * observes and reports (recommendations, anomaly and deadline-risk events) is on.
 * docs/self-tuning.md describes each setting.
 */
import { join } from 'node:path';
import type { RightSizingOptions } from '../learn/rightsizing/recommender.js';
import type { AnomalyOptions } from '../learn/anomaly/anomaly-detector.js';
import type { BreakerOptions } from '../learn/breaker/circuit-breaker.js';
import type { DeadlineRiskOptions } from '../learn/deadline/deadline-risk.js';
import { KairosError } from '../core/errors.js';

export type AnomalyAction = 'alert' | 'restart' | 'none';

export interface TunerOptions {
  readonly rightsizing?: Partial<RightSizingOptions> & {
    /** Schedule with the recommended request instead of the declared one (confident ones only). Default false. */
    readonly apply?: boolean;
    /** Kill a shell task whose process tree's RSS exceeds its memory request. Default false. */
    readonly enforceMemory?: boolean;
    /** Retries with a larger memory request after a kill for memory (not counted against `retries`). Default 3; 0 = off. */
    readonly oomRetries?: number;
    /** Memory growth per OOM retry. Default 2. */
    readonly oomGrowth?: number;
    /** Largest memory an OOM retry may request (bytes). Default: the local worker's memory. */
    readonly oomCapBytes?: number;
    /** Where the model is kept (JSON). Default `<stateDir>/rightsizing-model.json`; null = memory only. */
    readonly model?: string | null;
  };
  readonly anomaly?: Partial<AnomalyOptions> & {
    /** What to do with a flagged attempt: alert (event), restart (kill, retry as lost), none. Default 'alert'. */
    readonly action?: AnomalyAction;
    /** Restarts per task at most; later flags only alert (a task that is simply long is not killed forever). Default 1. */
    readonly maxRestarts?: number;
  };
  /** Per-worker circuit breaker. Off unless `enabled`. */
  readonly breaker?: Partial<BreakerOptions> & { readonly enabled?: boolean };
  readonly deadline?: Partial<DeadlineRiskOptions> & {
    /** POSTed a JSON alert when a run becomes at risk. Default none. */
    readonly webhookUrl?: string;
    /** Per-try timeout of the webhook (ms). Default 5,000. */
    readonly webhookTimeoutMs?: number;
    /** Tries of the webhook (with 0.5 s, 1 s, ... backoff). Default 3. */
    readonly webhookTries?: number;
  };
  /** Period of the checks of running attempts and runs (ms). Default 1,000. */
  readonly checkEveryMs?: number;
}

export interface ResolvedTunerOptions {
  readonly rightsizing: Partial<RightSizingOptions>;
  readonly apply: boolean;
  readonly enforceMemory: boolean;
  readonly oomRetries: number;
  readonly oomGrowth: number;
  readonly oomCapBytes: number;
  readonly model: string | null;
  readonly anomaly: Partial<AnomalyOptions>;
  readonly anomalyAction: AnomalyAction;
  readonly anomalyMaxRestarts: number;
  readonly breaker: Partial<BreakerOptions> | null;
  readonly deadline: Partial<DeadlineRiskOptions>;
  readonly webhookUrl: string | null;
  readonly webhookTimeoutMs: number;
  readonly webhookTries: number;
  readonly checkEveryMs: number;
}

export function resolveTunerOptions(t: TunerOptions | undefined, stateDir: string, memoryBytes: number): ResolvedTunerOptions {
  const { apply, enforceMemory, oomRetries, oomGrowth, oomCapBytes, model, ...rightsizing } = t?.rightsizing ?? {};
  const { action, maxRestarts, ...anomaly } = t?.anomaly ?? {};
  const { enabled, ...breaker } = t?.breaker ?? {};
  const { webhookUrl, webhookTimeoutMs, webhookTries, ...deadline } = t?.deadline ?? {};
  if (action !== undefined && !['alert', 'restart', 'none'].includes(action)) {
    throw new KairosError('SPEC_INVALID', `tuners.anomaly.action must be alert, restart or none, got '${action}'`, { field: 'tuners.anomaly.action' });
  }
  if (oomGrowth !== undefined && !(oomGrowth > 1)) {
    throw new KairosError('SPEC_INVALID', `tuners.rightsizing.oomGrowth must be > 1, got ${oomGrowth}`, { field: 'tuners.rightsizing.oomGrowth' });
  }
  if (webhookUrl !== undefined && !/^https?:\/\//.test(webhookUrl)) {
    throw new KairosError('SPEC_INVALID', `tuners.deadline.webhookUrl must be an http(s) URL, got '${webhookUrl}'`, { field: 'tuners.deadline.webhookUrl' });
  }
  return {
    rightsizing,
    apply: apply ?? false,
    enforceMemory: enforceMemory ?? false,
    oomRetries: oomRetries ?? 3,
    oomGrowth: oomGrowth ?? 2,
    oomCapBytes: oomCapBytes ?? memoryBytes,
    model: model === undefined ? join(stateDir, 'rightsizing-model.json') : model,
    anomaly,
    anomalyAction: action ?? 'alert',
    anomalyMaxRestarts: maxRestarts ?? 1,
    breaker: enabled === true ? breaker : null,
    deadline,
    webhookUrl: webhookUrl ?? null,
    webhookTimeoutMs: webhookTimeoutMs ?? 5000,
    webhookTries: webhookTries ?? 3,
    checkEveryMs: t?.checkEveryMs ?? 1000,
  };
}
