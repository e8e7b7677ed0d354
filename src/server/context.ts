/**
 * What every route reads: the embedded engine, the store, the resolved config, the
 * authenticator, the live-event hub. Decorated on the Fastify instance as `kairos`; the caller
 * of a request is `request.principal` (set by the auth hook before any handler runs).
 */
import type { Engine } from '../engine/engine.js';
import type { Store } from '../store/types.js';
import type { Authenticator, Principal } from './auth.js';
import type { ServerConfig } from './config.js';
import type { EventHub } from './event-hub.js';
import type { KairosMetrics } from './metrics.js';
import type { Leadership } from './leadership.js';
import type { HistoryRetention } from '../engine/history-retention.js';

export interface KairosContext {
  readonly engine: Engine;
  readonly store: Store;
  readonly config: ServerConfig;
  readonly auth: Authenticator;
  readonly hub: EventHub;
  readonly metrics: KairosMetrics;
  /** History retention (config `retention`); null when every run is kept. */
  readonly retention: HistoryRetention | null;
  /** Whether this server drives runs (the scheduler leader) or only serves the API (a replica). */
  readonly leadership: Leadership;
  /** Aborted when the server closes: long-lived responses (log follow, SSE) end. */
  readonly closed: AbortSignal;
  /** Set when shutdown begins: submits and retries answer 503 SHUTTING_DOWN. */
  draining: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    kairos: KairosContext;
  }
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Route needs no token (/healthz; /metrics unless `metricsAuth`). */
    public?: boolean | 'metrics';
  }
}
