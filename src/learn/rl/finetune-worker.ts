/** Entry point of the fine-tuning worker thread: one job in, its result (or error) out. See finetune-thread.ts. */
import { parentPort } from 'node:worker_threads';
import { runFinetuneJob, type FinetuneJob } from './finetune-thread.js';

parentPort!.once('message', (job: FinetuneJob) => {
  runFinetuneJob(job).then(
    (ok) => parentPort!.postMessage({ ok }),
    (e: unknown) => parentPort!.postMessage({ error: (e as Error).message ?? String(e) }),
  );
});
