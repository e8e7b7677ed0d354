/**
 * How the engine reaches the dispatch fabric (Redis Streams), compiled once into a fully-resolved
 * object. Every option with its default. Shared by the engine side and `kairos worker`.
 */
import { KairosError } from '../core/errors.js';

export interface BrokerOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://...` (TLS). Required. */
  readonly url: string;
  /** Prefix of every Redis key Kairos uses (several installations can share one Redis). Default `kairos`. */
  readonly prefix?: string;
  /** How often the engine reads the worker registry to see workers come, drain and die (ms). Default 1,000. */
  readonly workerPollMs?: number;
  /**
   * Results pending this long in another engine consumer (a dead leader) are claimed with
   * XAUTOCLAIM and applied here (ms). Default 30,000.
   */
  readonly claimIdleMs?: number;
}

export interface ResolvedBroker {
  readonly url: string;
  readonly prefix: string;
  readonly workerPollMs: number;
  readonly claimIdleMs: number;
}

export function resolveBroker(o: BrokerOptions): ResolvedBroker {
  if (typeof o.url !== 'string' || !/^rediss?:\/\//.test(o.url)) {
    throw new KairosError('PARAM_INVALID', `broker url must start with redis:// or rediss://, got '${String(o.url).slice(0, 80)}'`, { field: 'broker' });
  }
  const prefix = o.prefix ?? 'kairos';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
    throw new KairosError('PARAM_INVALID', `broker prefix must be 1-64 letters, digits, '_', '.', '-', got '${prefix}'`, { field: 'broker.prefix' });
  }
  return { url: o.url, prefix, workerPollMs: o.workerPollMs ?? 1000, claimIdleMs: o.claimIdleMs ?? 30_000 };
}
