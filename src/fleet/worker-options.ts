/** What a `kairos worker` runtime (worker.ts) is given: its broker, identity, capacity and executors. */
import type { Resources } from '../core/resources.js';
import type { ExecutorSet } from '../exec/executor-set.js';

export interface FleetWorkerOptions {
  /** Redis URL of the dispatch fabric. */
  readonly url: string;
  /** Key prefix; must match the engine's. Default `kairos`. */
  readonly prefix?: string;
  /** Unique worker id. Default `<hostname>-<pid>`. */
  readonly id?: string;
  /** Pool name tasks may target with `pool:`. Default `default`. */
  readonly pool?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Must include `slots` (attempts at once); see capacity.ts for the flag's defaults. */
  readonly capacity: Resources;
  /** Runs the attempts: shell, http, and fn for the functions registered in this process. */
  readonly executors: ExecutorSet;
  /** Heartbeat key TTL: silent this long = dead, its attempts rerun elsewhere. Default 10,000 ms. */
  readonly ttlMs?: number;
  /** Heartbeat period. Default ttlMs / 3. */
  readonly heartbeatMs?: number;
  /** Local folder for attempt logs before they are shipped. Default `<tmp>/kairos-worker-<id>`. */
  readonly stateDir?: string;
  /** How often running attempts' new log lines are shipped. Default 500 ms. */
  readonly logShipMs?: number;
  /** Lifecycle notes (registered, lease lost, deliveries recovered after a lost connection, draining, errors) for the CLI to print. */
  readonly onEvent?: (kind: 'registered' | 'lease_lost' | 'recovered' | 'draining' | 'stopped' | 'error', detail: string) => void;
}
