/**
 * Fine-tuning off the caller's thread: the scheduled fine-tuning of a live server
 * (src/engine/finetune-schedule.ts) must not stop its event loop for the seconds training takes,
 * so the whole job — load the current model, train, replay the held-out runs — runs in one
 * worker thread (finetune-worker.ts) and only the result (plain data) comes back. The trace goes
 * in as plain data (structured clone); promotion (the file writes) stays with the caller.
 */
import { Worker } from 'node:worker_threads';
import { currentModel, finetune, type FinetuneOptions, type FinetuneResult } from './finetune.js';
import type { ModelFile } from './model-file.js';

export interface FinetuneJob {
  readonly trace: FinetuneOptions['trace'];
  /** The model to fine-tune (and later replace); `base` when it does not exist yet. */
  readonly modelPath: string;
  readonly base?: string;
  readonly options?: Omit<FinetuneOptions, 'trace' | 'current' | 'currentPath' | 'onProgress'>;
}

export interface FinetuneJobResult {
  readonly result: FinetuneResult;
  /** What the job started from: the file to back up on promotion (null when modelPath did not exist). */
  readonly started: { readonly path: string; readonly previous: ModelFile | null };
}

/** The job in this thread (the CLI, tests, and the worker's body). */
export async function runFinetuneJob(job: FinetuneJob): Promise<FinetuneJobResult> {
  const current = currentModel(job.modelPath, job.base);
  const result = await finetune({ ...job.options, trace: job.trace, current, currentPath: current.path });
  return { result, started: { path: current.path, previous: current.exists ? current.file : null } };
}

/** Under tsx (sources) the worker registers tsx itself before importing the script (as rollout-pool.ts). */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./finetune-worker.js', import.meta.url));
  const script = new URL('./finetune-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); })`, { eval: true });
}

/** The job in a fresh worker thread, ended when the job is done. */
export function runFinetuneJobInThread(job: FinetuneJob): Promise<FinetuneJobResult> {
  const w = startWorker();
  return new Promise<FinetuneJobResult>((resolve, reject) => {
    w.once('message', (m: { ok?: FinetuneJobResult; error?: string }) => {
      if (m.ok !== undefined) resolve(m.ok);
      else reject(new Error(m.error ?? 'fine-tuning worker failed'));
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`fine-tuning worker exited (code ${code}) before answering`)));
    w.postMessage(job);
  }).finally(() => void w.terminate());
}
