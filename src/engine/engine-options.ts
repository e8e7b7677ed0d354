/**
 * Engine options, compiled once into a fully-resolved object (inner code never checks for a
 * missing field). Every option with its default.
 */
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Clock, Rng } from '../core/clock.js';
import { SeededRng } from '../core/clock.js';
import type { Resources } from '../core/resources.js';
import type { SchedulerConfig } from '../sched/types.js';
import type { Store } from '../store/types.js';
import type { Executor } from '../exec/types.js';
import type { ControllerSpec } from '../learn/concurrency/index.js';
import type { AutoSharesOptions } from './share-tuning.js';
import { resolveTunerOptions, type ResolvedTunerOptions, type TunerOptions } from './tuners-options.js';
import { resolveBroker, type BrokerOptions, type ResolvedBroker } from '../fleet/broker-options.js';
import { withLearnedGuards } from './learned-guards.js';
import { FIRST_CHUNK } from './pending-writes.js';

export { withLearnedGuards };

export interface EngineOptions {
  readonly store: Store;
  /** State folder: logs go to `<stateDir>/logs/<run>/<task>.<attempt>.log`. Default `.kairos`. */
  readonly stateDir?: string;
  /** Executors by action kind (shell, http, fn). Required: the engine runs nothing without them. */
  readonly executors: Readonly<Record<string, Executor>>;
  /** Scheduling policy and its settings. Default `{ policy: 'priority' }`. */
  readonly scheduler?: SchedulerConfig;
  /** Capacity of the local worker. Default: this machine's cores and memory. */
  readonly capacity?: Resources;
  /** Most attempts running at once on the local worker (a `slots` resource). Default 256. */
  readonly concurrency?: number;
  readonly clock?: Clock;
  readonly rng?: Rng;
  /** Identity recorded as the owner of the runs this engine drives. Default `host:pid`. */
  readonly owner?: string;
  /** SIGTERM-to-SIGKILL grace on timeout or cancel. Default 5,000 ms. */
  readonly killGraceMs?: number;
  /** Per-attempt log size bound (head and tail kept). Default 10 MiB. */
  readonly maxLogBytes?: number;
  /** Most instances one foreach may create. Default 10,000. */
  readonly maxForeach?: number;
  /**
   * Task rows of a submitted run inserted with its first commit when commits are pipelined (the
   * SQLite writer thread, PostgreSQL); the rest follow in growing chunks while the first tasks
   * run (docs/operations.md). Default 1,024. Tests set it low to crash between chunks.
   */
  readonly submitChunkRows?: number;
  /**
   * Where the learned runtime model is kept (JSON). Default `<stateDir>/runtime-model.json`;
   * null keeps it in memory only.
   */
  readonly runtimeModel?: string | null;
  /**
   * Adaptive concurrency (docs/self-tuning.md): a controller that moves `concurrency` from the
   * latency and errors of finished attempts. Off (undefined) by default: the limit stays fixed.
   */
  readonly autoConcurrency?: ControllerSpec;
  /**
   * Priority-share tuning (docs/self-tuning.md): the WRR shares move so each priority's p95 queue
   * wait meets its objective, e.g. `{ objectives: { high: '30s', normal: '5m' } }`. Off by default.
   */
  readonly autoShares?: AutoSharesOptions;
  /**
   * Right-sizing, anomaly detection, per-worker circuit breaker and deadline risk
   * (docs/self-tuning.md). Recommendations, anomaly and deadline-risk events are on; applying
   * recommendations, memory enforcement, restarts, the breaker and webhooks are off by default.
   */
  readonly tuners?: TunerOptions;
  /** Owner heartbeat period. Default 5,000 ms; a run whose owner is silent 3 periods may be taken over. */
  readonly heartbeatMs?: number;
  /**
   * Dispatch to remote `kairos worker` processes over Redis Streams (docs/workers.md) instead of
   * running attempts in this process. Default null: embedded mode, one local worker.
   */
  readonly broker?: BrokerOptions | null;
}

export interface ResolvedEngineOptions extends Required<Omit<EngineOptions, 'scheduler' | 'capacity' | 'runtimeModel' | 'autoConcurrency' | 'autoShares' | 'broker' | 'tuners'>> {
  readonly tuners: ResolvedTunerOptions;
  readonly broker: ResolvedBroker | null;
  readonly autoConcurrency: ControllerSpec | null;
  readonly autoShares: AutoSharesOptions | null;
  readonly runtimeModel: string | null;
  readonly scheduler: SchedulerConfig;
  readonly capacity: Resources;
  readonly logDir: string;
}

export function resolveEngineOptions(o: EngineOptions): ResolvedEngineOptions {
  const stateDir = o.stateDir ?? '.kairos';
  return {
    store: o.store,
    stateDir,
    logDir: join(stateDir, 'logs'),
    executors: o.executors,
    scheduler: withLearnedGuards(o.scheduler ?? { policy: 'priority' }),
    capacity: o.capacity ?? { cpu: cpus().length, memory: totalmem() },
    concurrency: o.concurrency ?? 256,
    clock: o.clock ?? { now: () => Date.now() },
    rng: o.rng ?? new SeededRng((Date.now() ^ (process.pid << 16)) >>> 0),
    owner: o.owner ?? `${hostname()}:${process.pid}`,
    killGraceMs: o.killGraceMs ?? 5000,
    maxLogBytes: o.maxLogBytes ?? 10 * 1024 * 1024,
    maxForeach: o.maxForeach ?? 10_000,
    submitChunkRows: o.submitChunkRows ?? FIRST_CHUNK,
    heartbeatMs: o.heartbeatMs ?? 5000,
    autoConcurrency: o.autoConcurrency ?? null,
    autoShares: o.autoShares ?? null,
    tuners: resolveTunerOptions(o.tuners, stateDir, (o.capacity ?? { memory: totalmem() }).memory ?? totalmem()),
    broker: o.broker ? resolveBroker(o.broker) : null,
    runtimeModel: o.runtimeModel === undefined ? join(stateDir, 'runtime-model.json') : o.runtimeModel,
  };
}
