/**
 * `kairos worker`: a remote worker of the dispatch fabric (docs/workers.md). It registers with
 * its capacity, pool and labels, heartbeats, runs the tasks the engine places on it with the
 * ordinary executors (shell, http; fn only for functions registered in this process), and sends
 * results and logs back. SIGTERM/SIGINT drain it (running tasks finish, nothing new starts);
 * a second signal stops it at once (running tasks are cancelled and rerun elsewhere).
 */
import type { Command } from 'commander';
import { ExecutorSet } from '../../exec/executor-set.js';
import { FleetWorker } from '../../fleet/worker.js';
import { parseCapacity, parseLabels } from '../../fleet/capacity.js';
import { CliExit } from '../fail.js';

interface Opts {
  broker?: string;
  pool: string;
  capacity?: string;
  labels?: string;
  id?: string;
  prefix?: string;
  ttl?: string;
  state?: string;
  quiet?: boolean;
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliExit(2, `${flag} ${v}: expected a whole number >= 1`);
  return n;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run tasks dispatched by a `kairos server --broker` (remote worker over Redis Streams)')
    .option('--broker <url>', 'redis://host:port[/db] of the dispatch fabric (env KAIROS_BROKER)')
    .option('--pool <name>', 'pool this worker belongs to (tasks target it with `pool:`)', 'default')
    .option('--capacity <list>', 'cpu=4,memory=8Gi,slots=16[,name=n...] (default: this machine, slots = 4 x cores)')
    .option('--labels <list>', 'k=v,... matched by tasks\' `selector:`')
    .option('--id <id>', 'unique worker id (default <hostname>-<pid>)')
    .option('--prefix <p>', 'Redis key prefix, as the server\'s (default kairos)')
    .option('--ttl <ms>', 'heartbeat TTL: silent this long = dead, its tasks rerun elsewhere (default 10000)')
    .option('--state <dir>', 'local folder for attempt logs before they are shipped (default a temp folder)')
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: Opts) => {
      const url = opts.broker ?? process.env.KAIROS_BROKER;
      if (url === undefined || url === '') throw new CliExit(2, 'kairos worker needs --broker redis://host:port (or KAIROS_BROKER)');
      const ttlMs = positiveInt(opts.ttl, '--ttl');
      const say = (line: string) => process.stderr.write(`kairos worker: ${line}\n`);
      const worker = new FleetWorker({
        url,
        pool: opts.pool,
        capacity: parseCapacity(opts.capacity),
        labels: parseLabels(opts.labels),
        executors: ExecutorSet.standard(),
        ...(opts.id !== undefined ? { id: opts.id } : {}),
        ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
        ...(ttlMs !== undefined ? { ttlMs } : {}),
        ...(opts.state !== undefined ? { stateDir: opts.state } : {}),
        onEvent: (kind, detail) => {
          if (kind === 'error' || !opts.quiet) say(`${kind}: ${detail}`);
        },
      });
      let signals = 0;
      const finished = new Promise<void>((resolve) => {
        const onSignal = (sig: NodeJS.Signals) => {
          signals++;
          if (signals === 1) {
            say(`${sig}: draining (running tasks finish; send again to stop at once)`);
            void worker.drain().then(resolve);
          } else {
            say(`${sig}: stopping now`);
            void worker.stop().then(resolve);
          }
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      await worker.start();
      await finished;
    });
}
