/**
 * The peer: BullMQ 5 on the benchmark's own redis-server, in its fastest documented setup —
 * `addBulk` (jobs) / `FlowProducer.addBulk` (flows), one in-process Worker with concurrency 50,
 * `removeOnComplete`/`removeOnFail` so Redis does not keep finished jobs. Timed from the first
 * add to the last `completed` event; connection set-up and FLUSHALL are outside the timing.
 */
import { FlowProducer, Queue, Worker, type FlowJob } from 'bullmq';
import { Redis } from 'ioredis';

export interface BullResult {
  readonly tasks: number;
  readonly ms: number;
}

const CHUNK = 1000;
const JOB_OPTS = { removeOnComplete: true, removeOnFail: true } as const;

function connection(port: number) {
  return { host: '127.0.0.1', port, maxRetriesPerRequest: null };
}

async function flush(port: number): Promise<void> {
  const r = new Redis(connection(port));
  await r.flushall();
  r.disconnect();
}

/** Resolves once `n` jobs completed on a fresh Worker; rejects on the first failed job. */
function drain(name: string, port: number, n: number, concurrency: number): { done: Promise<void>; worker: Worker } {
  const worker = new Worker(name, async () => undefined, { connection: connection(port), concurrency, autorun: true });
  let completed = 0;
  const done = new Promise<void>((resolve, reject) => {
    worker.on('completed', () => {
      if (++completed === n) resolve();
    });
    worker.on('failed', (job, err) => reject(new Error(`bullmq job ${job?.id} failed: ${err.message}`)));
    worker.on('error', reject);
  });
  return { done, worker };
}

/** `n` independent no-op jobs: addBulk in chunks of 1,000, then a Worker (concurrency 50). */
export async function bullIndependent(port: number, n: number, concurrency = 50): Promise<BullResult> {
  await flush(port);
  const name = `bench-independent`;
  const queue = new Queue(name, { connection: connection(port) });
  await queue.waitUntilReady();
  const t0 = performance.now();
  for (let i = 0; i < n; i += CHUNK) {
    const jobs = [];
    for (let j = i; j < Math.min(n, i + CHUNK); j++) jobs.push({ name: 'noop', data: { i: j }, opts: JOB_OPTS });
    await queue.addBulk(jobs);
  }
  const { done, worker } = drain(name, port, n, concurrency);
  await done;
  const ms = performance.now() - t0;
  await worker.close();
  await queue.close();
  return { tasks: n, ms };
}

/**
 * `groups` flows of a parent with 3 children (4 x groups jobs). BullMQ runs a flow's children
 * first and the parent once they are all done (the reverse of Kairos's "parent, then 3
 * children that need it"; both are 1 + 3 jobs with 3 edges and one dependency level).
 */
export async function bullFlows(port: number, groups: number, concurrency = 50): Promise<BullResult> {
  await flush(port);
  const name = `bench-flows`;
  const producer = new FlowProducer({ connection: connection(port) });
  await producer.waitUntilReady();
  const n = groups * 4;
  const t0 = performance.now();
  const perChunk = CHUNK / 4;
  for (let g = 0; g < groups; g += perChunk) {
    const flows: FlowJob[] = [];
    for (let i = g; i < Math.min(groups, g + perChunk); i++) {
      flows.push({
        name: 'parent', queueName: name, data: { i }, opts: JOB_OPTS,
        children: [0, 1, 2].map((c) => ({ name: 'child', queueName: name, data: { i, c }, opts: JOB_OPTS })),
      });
    }
    await producer.addBulk(flows);
  }
  const { done, worker } = drain(name, port, n, concurrency);
  await done;
  const ms = performance.now() - t0;
  await worker.close();
  await producer.close();
  return { tasks: n, ms };
}
