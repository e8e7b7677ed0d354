/**
 * Every Redis key and consumer group of the dispatch fabric, in one place (docs/workers.md lists
 * them). `<p>` is the configured prefix (default `kairos`).
 *
 *   <p>:workers                      hash  worker id -> WorkerRecord JSON (the registry)
 *   <p>:worker:<id>                  string = incarnation, PX ttl: the heartbeat (alive while it exists)
 *   <p>:tasks:<id>:<incarnation>     stream of TaskMessage, group `workers`, one consumer (the worker)
 *   <p>:results                      stream of ResultMessage, group `engine`, consumer = engine owner
 *   <p>:logs                         stream of LogMessage, group `engine`
 *   <p>:control:<id>                 pub/sub channel: cancel requests for a worker's attempts
 *
 * The task stream carries the incarnation so that a worker that restarts under the same id (or
 * comes back after being declared dead) never reads what was dispatched to its previous life: the
 * engine deletes the dead incarnation's stream, and those attempts are rerun elsewhere as `lost`.
 */
export const WORKER_GROUP = 'workers';
export const ENGINE_GROUP = 'engine';

export class FleetKeys {
  readonly registry: string;
  readonly results: string;
  readonly logs: string;

  constructor(readonly prefix: string) {
    this.registry = `${prefix}:workers`;
    this.results = `${prefix}:results`;
    this.logs = `${prefix}:logs`;
  }

  heartbeat(workerId: string): string {
    return `${this.prefix}:worker:${workerId}`;
  }

  tasks(workerId: string, incarnation: string): string {
    return `${this.prefix}:tasks:${workerId}:${incarnation}`;
  }

  control(workerId: string): string {
    return `${this.prefix}:control:${workerId}`;
  }
}
