/**
 * One worker process of the fleet benchmark, for any of the three systems:
 *   kairos <redisUrl> <id> <slots>          a FleetWorker (the `kairos worker` runtime) with a
 *                                           registered no-op fn `noop` returning { at: start ms }
 *   bullmq <redisPort> <queue> <concurrency> a BullMQ Worker, no-op processor
 *   graphile <pgUrl> <concurrentJobs>       graphile-worker `run()` in its fastest documented
 *                                           configuration (localQueue, batched completion)
 * BullMQ and graphile report to the parent over IPC every 10 ms: jobs completed, and the
 * submit-to-start latency of each job (payload `t` = when the producer added it).
 * Stops on a `stop` message from the parent.
 */
import { Worker } from 'bullmq';
import { run } from 'graphile-worker';
import { ExecutorSet } from '../../src/exec/executor-set.js';
import { FleetWorker } from '../../src/fleet/worker.js';

const [system, target, a, b] = process.argv.slice(2);
let completed = 0;
let lat: number[] = [];
let sent = 0;

function report(): void {
  if (completed === sent && lat.length === 0) return;
  sent = completed;
  process.send!({ completed, lat });
  lat = [];
}

function onJob(t: unknown): void {
  if (typeof t === 'number') lat.push(Date.now() - t);
}

async function main(): Promise<void> {
  let stop: () => Promise<void>;
  if (system === 'kairos') {
    const functions = new Map([['noop', () => ({ at: Date.now() })]]);
    const w = new FleetWorker({ url: target!, id: a!, capacity: { cpu: 1000, memory: 2 ** 40, slots: Number(b) }, executors: ExecutorSet.standard({ functions }), ttlMs: 10_000 });
    await w.start();
    stop = () => w.stop();
  } else if (system === 'bullmq') {
    const w = new Worker(a!, async (job) => onJob((job.data as { t?: number }).t), {
      connection: { host: '127.0.0.1', port: Number(target), maxRetriesPerRequest: null },
      concurrency: Number(b),
    });
    w.on('completed', () => completed++);
    await w.waitUntilReady();
    stop = () => w.close();
  } else {
    const runner = await run({
      noHandleSignals: true,
      taskList: { noop: async (payload) => onJob((payload as { t?: number }).t) },
      preset: {
        worker: {
          connectionString: target!, concurrentJobs: Number(a), maxPoolSize: Number(a) + 1,
          localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0, pollInterval: 2000,
        },
      },
      logger: new (await import('graphile-worker')).Logger(() => () => undefined),
    });
    runner.events.on('job:success', () => completed++);
    stop = () => runner.stop();
  }
  const timer = setInterval(report, 10);
  process.on('message', (m: { cmd?: string }) => {
    if (m.cmd !== 'stop') return;
    clearInterval(timer);
    report();
    void stop().finally(() => process.exit(0));
  });
  process.send!({ ready: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`${system} worker: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
