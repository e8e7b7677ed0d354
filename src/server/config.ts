/**
 * Server configuration, compiled once into a fully-resolved object (inner code never checks for a
 * missing field). Sources, later wins: defaults < YAML file (`--config FILE`) < KAIROS_*
 * environment variables < command-line flags. Every option with its default (docs/api.md
 * "Configuration" lists the same table):
 *
 *   file key              env                          default
 *   port                  KAIROS_PORT                  8080
 *   host                  KAIROS_HOST                  127.0.0.1
 *   state                 KAIROS_HOME                  .kairos
 *   store                 KAIROS_STORE                 SQLite at <state>/kairos.db; or postgres://...
 *   broker                KAIROS_BROKER                none (tasks run in this process); or redis://...
 *   scheduler.policy      KAIROS_POLICY                priority
 *   scheduler.settings    KAIROS_POLICY_SETTINGS (JSON) {}
 *   scheduler.admission   KAIROS_ADMISSION             greedy
 *   concurrency           KAIROS_CONCURRENCY           256
 *   metricsAuth           KAIROS_METRICS_AUTH          false (/metrics open)
 *   rateLimit.max         KAIROS_RATE_LIMIT_MAX        600 requests per window per token (0 = off)
 *   rateLimit.windowMs    KAIROS_RATE_LIMIT_WINDOW_MS  60000
 *   bodyLimitBytes        KAIROS_BODY_LIMIT            5 MiB (a spec may be 4 MiB)
 *   shutdownGraceMs       KAIROS_SHUTDOWN_GRACE_MS     30000
 *   logLevel              KAIROS_LOG_LEVEL             info
 *   resumeOnStart         KAIROS_RESUME                true
 *   autoConcurrency       KAIROS_AUTO_CONCURRENCY      off; gradient | aimd (file: { kind, ...settings })
 *   autoShares            KAIROS_AUTO_SHARES           off; `high=30s,normal=5m` (file: { objectives, ... })
 *   whatIfAuto            KAIROS_WHATIF_AUTO           off; true (file: { every, since, policies, ... })
 *   learnedRegret         KAIROS_LEARNED_REGRET        off; true (file: { every, window, margin, ... })
 *   finetune              -                            off (file: { every, since, model, ... })
 *   retention             KAIROS_RETENTION             off (keep every run); `30d` (file: { keep, every, batch, maxPerPass })
 *   tuners                -                            right-sizing, anomalies, breaker, deadline risk
 *   (the tuners: docs/self-tuning.md; every one is off unless set)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { SchedulerConfig } from '../sched/types.js';
import type { ControllerSpec } from '../learn/concurrency/index.js';
import type { AutoSharesOptions } from '../engine/share-tuning.js';
import type { WhatIfAutoOptions } from '../engine/whatif-auto.js';
import type { LearnedRegretOptions } from '../engine/learned-regret.js';
import type { FinetuneScheduleOptions } from '../engine/finetune-schedule.js';
import type { EngineOptions } from '../engine/engine-options.js';
import { retentionSettings, type HistoryRetentionOptions } from '../engine/history-retention.js';

const Duration = Type.Union([Type.String({ minLength: 1 }), Type.Number({ exclusiveMinimum: 0 })]);
/** `{ high?, normal?, low? }` of T: the priority levels (bands of WRR). */
const PerLevel = <T extends TSchema>(t: T) => Type.Object({ high: Type.Optional(t), normal: Type.Optional(t), low: Type.Optional(t) }, { additionalProperties: false });
const Tuning = {
  autoConcurrency: Type.Optional(
    Type.Object({ kind: Type.Union([Type.Literal('gradient'), Type.Literal('aimd')]) }, { additionalProperties: true }),
  ),
  autoShares: Type.Optional(
    Type.Object(
      {
        objectives: PerLevel(Duration),
        bounds: Type.Optional(PerLevel(Type.Object({ min: Type.Number({ minimum: 0, maximum: 1 }), max: Type.Number({ minimum: 0, maximum: 1 }) }, { additionalProperties: false }))),
        window: Type.Optional(Duration),
        step: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
        hysteresis: Type.Optional(Type.Number({ minimum: 0 })),
        minSamples: Type.Optional(Type.Integer({ minimum: 1 })),
      },
      { additionalProperties: false },
    ),
  ),
  whatIfAuto: Type.Optional(
    Type.Object(
      {
        every: Type.Optional(Duration),
        since: Type.Optional(Duration),
        policies: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
        objective: Type.Optional(Type.Union(['avgJct', 'p95Jct', 'makespan', 'deadlineMisses'].map((o) => Type.Literal(o)))),
        margin: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
        windows: Type.Optional(Type.Integer({ minimum: 1 })),
        cooldown: Type.Optional(Duration),
        minRuns: Type.Optional(Type.Integer({ minimum: 1 })),
        maxCalibrationError: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      },
      { additionalProperties: false },
    ),
  ),
  tuners: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  // The learned policy's regret-by-replay guard and scheduled fine-tuning (docs/learned-policy.md).
  learnedRegret: Type.Optional(
    Type.Object(
      {
        every: Type.Optional(Duration),
        window: Type.Optional(Duration),
        margin: Type.Optional(Type.Number({ minimum: 0 })),
        returnMargin: Type.Optional(Type.Number()),
        missMargin: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
        windows: Type.Optional(Type.Integer({ minimum: 1 })),
        returnWindows: Type.Optional(Type.Integer({ minimum: 1 })),
        minDwell: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Number({ minimum: 0 })])),
        minRuns: Type.Optional(Type.Integer({ minimum: 1 })),
        maxRuns: Type.Optional(Type.Integer({ minimum: 1 })),
      },
      { additionalProperties: false },
    ),
  ),
  finetune: Type.Optional(
    Type.Object(
      {
        every: Type.Optional(Duration),
        since: Type.Optional(Duration),
        model: Type.Optional(Type.String({ minLength: 1 })),
        base: Type.Optional(Type.String({ minLength: 1 })),
        iterations: Type.Optional(Type.Integer({ minimum: 1 })),
        imitation: Type.Optional(Type.Integer({ minimum: 0 })),
        seed: Type.Optional(Type.Integer({ minimum: 0 })),
        holdout: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
        minGain: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
        episodeRuns: Type.Optional(Type.Integer({ minimum: 1 })),
        minRuns: Type.Optional(Type.Integer({ minimum: 2 })),
        maxRuns: Type.Optional(Type.Integer({ minimum: 1 })),
      },
      { additionalProperties: false },
    ),
  ),
};

const ConfigFile = Type.Object(
  {
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    host: Type.Optional(Type.String({ minLength: 1 })),
    state: Type.Optional(Type.String({ minLength: 1 })),
    store: Type.Optional(Type.String({ pattern: '^(sqlite:.+|postgres(ql)?://.+)$' })),
    broker: Type.Optional(Type.String({ pattern: '^rediss?://.+$' })),
    scheduler: Type.Optional(
      Type.Object(
        {
          policy: Type.String({ minLength: 1 }),
          settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          admission: Type.Optional(Type.Union([Type.Literal('greedy'), Type.Literal('strict'), Type.Literal('backfill')])),
          quotas: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Number({ minimum: 0 })))),
          headTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
          headRetries: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
    metricsAuth: Type.Optional(Type.Boolean()),
    rateLimit: Type.Optional(
      Type.Object({ max: Type.Integer({ minimum: 0 }), windowMs: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
    ),
    bodyLimitBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    shutdownGraceMs: Type.Optional(Type.Integer({ minimum: 0 })),
    logLevel: Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))),
    resumeOnStart: Type.Optional(Type.Boolean()),
    // History retention (docs/operations.md): runs that ended longer ago than `keep` are deleted.
    retention: Type.Optional(
      Type.Object(
        {
          keep: Duration,
          every: Type.Optional(Duration),
          batch: Type.Optional(Type.Integer({ minimum: 1 })),
          maxPerPass: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    ...Tuning,
  },
  { additionalProperties: false },
);
export type ServerConfigInput = Static<typeof ConfigFile>;

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** State folder: `kairos.db` and task logs. */
  readonly stateDir: string;
  /**
   * Where runs are stored: null = SQLite at `<stateDir>/kairos.db` (embedded, one server);
   * `sqlite:PATH`; or a `postgres://` URL (several server replicas may share it).
   */
  readonly store: string | null;
  /** Redis URL of the dispatch fabric to `kairos worker` processes; null = run tasks in this process. */
  readonly broker: string | null;
  readonly scheduler: SchedulerConfig;
  readonly concurrency: number;
  /** True: /metrics requires a token like every other endpoint. */
  readonly metricsAuth: boolean;
  /** Requests per window per token (per client address without a token); 0 disables. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  readonly bodyLimitBytes: number;
  readonly shutdownGraceMs: number;
  readonly logLevel: string;
  readonly resumeOnStart: boolean;
  /** Self-tuning (docs/self-tuning.md); null = off. */
  readonly autoConcurrency: ControllerSpec | null;
  readonly autoShares: AutoSharesOptions | null;
  readonly whatIfAuto: WhatIfAutoOptions | null;
  /** The learned policy's regret-by-replay guard and scheduled fine-tuning; null = off. */
  readonly learnedRegret: LearnedRegretOptions | null;
  readonly finetune: FinetuneScheduleOptions | null;
  /** Right-sizing, anomalies, breaker, deadline risk: the engine's `tuners` option as given; null = defaults. */
  readonly tuners: EngineOptions['tuners'] | null;
  /** History retention (history-retention.ts); null = keep every run. */
  readonly retention: HistoryRetentionOptions | null;
}

export const DEFAULT_CONFIG: ServerConfig = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  stateDir: '.kairos',
  store: null,
  broker: null,
  scheduler: { policy: 'priority' },
  concurrency: 256,
  metricsAuth: false,
  rateLimit: { max: 600, windowMs: 60_000 },
  bodyLimitBytes: 5 * 1024 * 1024,
  shutdownGraceMs: 30_000,
  logLevel: 'info',
  resumeOnStart: true,
  autoConcurrency: null,
  autoShares: null,
  whatIfAuto: null,
  learnedRegret: null,
  finetune: null,
  tuners: null,
  retention: null,
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Checks a config object (from a file or tests); throws ConfigError naming the first bad field. */
export function checkConfig(input: unknown, source: string): ServerConfigInput {
  if (Value.Check(ConfigFile, input)) return input;
  const first = Value.Errors(ConfigFile, input).First();
  const field = first?.path.replace(/^\//, '').replace(/\//g, '.') || '(document)';
  throw new ConfigError(`${source}: ${field}: ${first?.message ?? 'invalid'}`);
}

export function readConfigFile(file: string): ServerConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (e) {
    throw new ConfigError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  return checkConfig(doc, file);
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(`${name}=${v}: not a number`);
  return n;
}

function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`${name}=${v}: expected true or false`);
}

/** The KAIROS_* variables as a config object (only those set). */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfigInput {
  const out: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => v !== undefined && (out[k] = v);
  set('port', envNumber(env, 'KAIROS_PORT'));
  set('host', env.KAIROS_HOST || undefined);
  set('state', env.KAIROS_HOME || undefined);
  set('store', env.KAIROS_STORE || undefined);
  set('broker', env.KAIROS_BROKER || undefined);
  if (env.KAIROS_POLICY || env.KAIROS_POLICY_SETTINGS || env.KAIROS_ADMISSION) {
    let settings: unknown;
    if (env.KAIROS_POLICY_SETTINGS) {
      try {
        settings = JSON.parse(env.KAIROS_POLICY_SETTINGS);
      } catch {
        throw new ConfigError('KAIROS_POLICY_SETTINGS: not valid JSON');
      }
    }
    out.scheduler = {
      policy: env.KAIROS_POLICY || DEFAULT_CONFIG.scheduler.policy,
      ...(settings !== undefined ? { settings } : {}),
      ...(env.KAIROS_ADMISSION ? { admission: env.KAIROS_ADMISSION } : {}),
    };
  }
  set('concurrency', envNumber(env, 'KAIROS_CONCURRENCY'));
  set('metricsAuth', envBool(env, 'KAIROS_METRICS_AUTH'));
  const max = envNumber(env, 'KAIROS_RATE_LIMIT_MAX');
  const windowMs = envNumber(env, 'KAIROS_RATE_LIMIT_WINDOW_MS');
  if (max !== undefined || windowMs !== undefined) {
    out.rateLimit = { max: max ?? DEFAULT_CONFIG.rateLimit.max, ...(windowMs !== undefined ? { windowMs } : {}) };
  }
  set('bodyLimitBytes', envNumber(env, 'KAIROS_BODY_LIMIT'));
  set('shutdownGraceMs', envNumber(env, 'KAIROS_SHUTDOWN_GRACE_MS'));
  set('logLevel', env.KAIROS_LOG_LEVEL || undefined);
  set('resumeOnStart', envBool(env, 'KAIROS_RESUME'));
  if (env.KAIROS_AUTO_CONCURRENCY) out.autoConcurrency = { kind: env.KAIROS_AUTO_CONCURRENCY };
  if (env.KAIROS_AUTO_SHARES) out.autoShares = { objectives: parseObjectives(env.KAIROS_AUTO_SHARES, 'KAIROS_AUTO_SHARES') };
  if (envBool(env, 'KAIROS_WHATIF_AUTO')) out.whatIfAuto = {};
  if (envBool(env, 'KAIROS_LEARNED_REGRET')) out.learnedRegret = {};
  if (env.KAIROS_RETENTION) out.retention = { keep: env.KAIROS_RETENTION };
  return checkConfig(out, 'environment');
}

/** Merges layers (later wins) over the defaults into the resolved config. */
export function resolveConfig(...layers: (ServerConfigInput | undefined)[]): ServerConfig {
  let c: ServerConfig = DEFAULT_CONFIG;
  for (const l of layers) {
    if (!l) continue;
    c = {
      port: l.port ?? c.port,
      host: l.host ?? c.host,
      stateDir: l.state ?? c.stateDir,
      store: l.store ?? c.store,
      broker: l.broker ?? c.broker,
      scheduler: (l.scheduler as SchedulerConfig | undefined) ?? c.scheduler,
      concurrency: l.concurrency ?? c.concurrency,
      metricsAuth: l.metricsAuth ?? c.metricsAuth,
      rateLimit: l.rateLimit ? { max: l.rateLimit.max, windowMs: l.rateLimit.windowMs ?? c.rateLimit.windowMs } : c.rateLimit,
      bodyLimitBytes: l.bodyLimitBytes ?? c.bodyLimitBytes,
      shutdownGraceMs: l.shutdownGraceMs ?? c.shutdownGraceMs,
      logLevel: l.logLevel ?? c.logLevel,
      resumeOnStart: l.resumeOnStart ?? c.resumeOnStart,
      autoConcurrency: (l.autoConcurrency as ControllerSpec | undefined) ?? c.autoConcurrency,
      autoShares: (l.autoShares as AutoSharesOptions | undefined) ?? c.autoShares,
      whatIfAuto: (l.whatIfAuto as WhatIfAutoOptions | undefined) ?? c.whatIfAuto,
      learnedRegret: (l.learnedRegret as LearnedRegretOptions | undefined) ?? c.learnedRegret,
      finetune: (l.finetune as FinetuneScheduleOptions | undefined) ?? c.finetune,
      tuners: (l.tuners as EngineOptions['tuners'] | undefined) ?? c.tuners,
      retention: l.retention ? checkRetention(l.retention) : c.retention,
    };
  }
  return { ...c, stateDir: resolve(c.stateDir) };
}

/** The retention settings, their durations checked now (a bad one fails start-up, naming the field). */
function checkRetention(r: HistoryRetentionOptions): HistoryRetentionOptions {
  try {
    retentionSettings(r);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  return r;
}

/** `high=30s,normal=5m` (flag and env form of autoShares.objectives). */
export function parseObjectives(text: string, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [k, v] = part.split('=').map((x) => x.trim());
    if (!k || !v) throw new ConfigError(`${source}=${text}: expected LEVEL=DURATION pairs, e.g. high=30s,normal=5m`);
    out[k] = v;
  }
  return out;
}

/** The config a `kairos server` process runs with: file, then environment, then flags. */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; flags?: ServerConfigInput }): ServerConfig {
  const file = opts.file ? readConfigFile(opts.file) : undefined;
  return resolveConfig(file, configFromEnv(opts.env ?? process.env), opts.flags ? checkConfig(opts.flags, 'flags') : undefined);
}
