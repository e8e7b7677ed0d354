/**
 * `createServer`: a Fastify instance with the embedded engine inside. The request lifecycle, as
 * data (fastify's hooks, in order):
 *
 *   onRequest      rate limit per token (hash of the bearer token; client address without one)
 *   preParsing     body limit (413 BODY_TOO_LARGE), content type (415)
 *   preValidation  auth: bearer token -> request.principal (401/403), skipped on public routes
 *   validation     TypeBox schemas: bodies strict, query/path coerced (400 VALIDATION_FAILED)
 *   handler        routes/*.ts; roles and namespace scopes checked there (403/404)
 *   onError        errors.ts catalogue -> { error: { code, message, field } }; never a stack
 *
 * At ready: unfinished runs whose owner is dead are resumed. On close: long-lived streams end,
 * the engine stops (attempts still running are killed and rerun as lost on the next start).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import AjvModule from 'ajv';
import { Engine } from '../engine/engine.js';
import type { EngineOptions } from '../engine/engine-options.js';
import { ShellExecutor } from '../exec/shell-executor.js';
import { HttpExecutor } from '../exec/http-executor.js';
import { FnExecutor } from '../exec/fn-executor.js';
import type { Executor, FnHandler } from '../exec/types.js';
import type { Store } from '../store/types.js';
import { openStoreUrl } from '../store/open-store.js';
import { Authenticator, bearerOf } from './auth.js';
import { DEFAULT_CONFIG, type ServerConfig } from './config.js';
import type { KairosContext } from './context.js';
import { ApiError, toErrorResponse } from './errors.js';
import { EventHub } from './event-hub.js';
import { KairosMetrics } from './metrics.js';
import { Leadership, type LeadershipOptions } from './leadership.js';
import { ErrorResponse, Run, Task, WorkflowSummary } from './schemas.js';
import { hashToken } from './tokens.js';
import { workflowRoutes } from './routes/workflows.js';
import { runRoutes } from './routes/runs.js';
import { taskRoutes } from './routes/tasks.js';
import { schedulingRoutes } from './routes/scheduling.js';
import { systemRoutes } from './routes/system.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { tuningRoutes } from './routes/tuning.js';
import { engineTuningOptions, startWhatIfAuto } from './self-tuning.js';
import { startLearnedLoops } from '../engine/learned-loops.js';
import { HistoryRetention } from '../engine/history-retention.js';
import { dashboardRoutes } from './dashboard.js';

export interface CreateServerOptions {
  /** Resolved settings over the defaults (see config.ts); `loadConfig` builds them for the CLI. */
  readonly config?: Partial<ServerConfig>;
  /** Default: the store `config.store` names (SQLite at `<stateDir>/kairos.db` when null), closed with the server. A given store is not closed. */
  readonly store?: Store;
  /** Default: shell, http, and fn with `functions`. */
  readonly executors?: Readonly<Record<string, Executor>>;
  readonly functions?: ReadonlyMap<string, FnHandler>;
  /** Extra engine options (capacity, killGraceMs, ...). */
  readonly engine?: Partial<EngineOptions>;
  /** Lease timing and the lost-lease action (several replicas on PostgreSQL; see leadership.ts). */
  readonly leadership?: Pick<LeadershipOptions, 'checkMs' | 'adoptMs' | 'onLost'>;
}

export type KairosServer = FastifyInstance & { kairos: KairosContext };

const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as typeof AjvModule.default;

export async function createServer(opts: CreateServerOptions = {}): Promise<KairosServer> {
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...opts.config };
  const ownsStore = opts.store === undefined;
  const store = opts.store ?? (await openStoreUrl(config.store, config.stateDir));
  const engine = new Engine({
    store,
    stateDir: config.stateDir,
    executors: opts.executors ?? { shell: new ShellExecutor(), http: new HttpExecutor(), fn: new FnExecutor(opts.functions ?? new Map()) },
    scheduler: config.scheduler,
    concurrency: config.concurrency,
    ...engineTuningOptions(config),
    // Replicas take over a dead leader's runs once its heartbeat is 3 periods old: keep it short.
    ...(store.leaderLease ? { heartbeatMs: 1000 } : {}),
    // Tasks go to `kairos worker` processes; the engine starts reading the fabric only when it
    // drives its first run, so a replica never takes results meant for the leader.
    ...(config.broker ? { broker: { url: config.broker } } : {}),
    ...opts.engine,
  });
  const closed = new AbortController();
  engine.on('error', (err) => app.log.error({ err }, 'engine error'));
  const stopWhatIfAuto = startWhatIfAuto(engine, config);
  const learnedLoops = startLearnedLoops(engine, config, { isLeader: () => leadership?.isLeader ?? false, log: (l) => app.log.info(l) });
  const metrics = new KairosMetrics(engine);
  // History retention: only the scheduling leader deletes (one pass at a time across replicas).
  const retention = config.retention === null ? null : new HistoryRetention(store, config.retention, {
    now: () => engine.options.clock.now(), isLeader: () => leadership?.isLeader ?? false, log: (l) => app.log.info(l), onDeleted: (n) => metrics.runsDeleted(n),
  });
  const hub = new EventHub(engine);
  let leadership!: Leadership;
  const k: KairosContext = {
    engine, store, config, auth: new Authenticator(store), hub, metrics, retention, closed: closed.signal, draining: false,
    get leadership() {
      return leadership;
    },
  };

  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Secrets never reach the log: no header is logged by default; these paths are belt and braces.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
    },
    bodyLimit: config.bodyLimitBytes,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies: strict (no coercion, unknown fields are errors). Query and path: text coerced to numbers.
  const ajvBody = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  const ajvText = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  for (const s of [ErrorResponse, Run, Task, WorkflowSummary]) {
    ajvBody.addSchema(s);
    ajvText.addSchema(s);
    app.addSchema(s);
  }
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajvBody : ajvText).compile(schema));
  leadership = new Leadership({ store, engine, log: app.log, adoptAtStart: config.resumeOnStart, ...opts.leadership });
  app.decorate('kairos', k);
  app.decorateRequest('principal', null as never);

  // A raw YAML (or JSON-as-text) body is a spec source: POST /workflows with Content-Type application/yaml.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => {
    done(null, { source: body as string });
  });

  app.setErrorHandler((err, req, reply) => {
    const r = toErrorResponse(err);
    if (r.internal) req.log.error({ err }, 'request failed');
    if (r.body.code === 'RATE_LIMITED' && !reply.hasHeader('retry-after')) reply.header('retry-after', Math.ceil(config.rateLimit.windowMs / 1000));
    if (r.status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(r.status).send({ error: r.body });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `no endpoint ${req.method} ${req.url.split('?')[0]}` } });
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Kairos API', version: '0.1.0', description: 'Workflows, runs, tasks, queues, workers, scheduling policy and live events. See docs/api.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  if (config.rateLimit.max > 0) {
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimit.max,
      timeWindow: config.rateLimit.windowMs,
      keyGenerator: (req) => {
        const t = bearerOf(req);
        return t === null ? `ip:${req.ip}` : `token:${hashToken(t)}`;
      },
      errorResponseBuilder: (_req, ctx) => new ApiError('RATE_LIMITED', `rate limit of ${ctx.max} requests per ${ctx.after} exceeded; retry later`, { retryable: true }),
    });
  }

  app.addHook('preValidation', async (req) => {
    const pub = req.routeOptions.config.public;
    const url = req.routeOptions.url ?? '';
    if (pub === true || url.startsWith('/docs')) return;
    if (pub === 'metrics' && !config.metricsAuth) return;
    req.principal = await k.auth.authenticate(req);
  });
  app.addHook('onReady', async () => {
    if (await k.auth.isOpen()) {
      app.log.warn('no API tokens exist: the server is OPEN to anyone who can reach it; create one with `kairos token create --role admin`');
    }
    await leadership.start();
    retention?.start();
    if (leadership.shared) app.log.info({ role: leadership.role }, leadership.isLeader ? 'scheduler leader: this server drives runs' : 'replica: serving the API; another server drives runs');
  });
  app.addHook('preClose', async () => {
    closed.abort();
  });
  app.addHook('onClose', async () => {
    stopWhatIfAuto();
    learnedLoops.stop();
    retention?.stop();
    hub.close();
    metrics.close();
    await leadership.stop();
    await engine.close({ kill: true });
    if (ownsStore) await store.close();
  });

  await app.register(healthRoutes);
  await app.register(workflowRoutes);
  await app.register(runRoutes);
  await app.register(taskRoutes);
  await app.register(schedulingRoutes);
  await app.register(systemRoutes);
  await app.register(eventRoutes);
  await app.register(tuningRoutes);
  await app.register(dashboardRoutes);
  return app as unknown as KairosServer;
}
