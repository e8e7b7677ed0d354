/**
 * Runs episodes in parallel on worker threads (training uses both cores), or inline (tests,
 * `--workers 0`). Results come back in request order whatever finishes first, so training is
 * deterministic for a seed regardless of the number of workers.
 */
import { Worker } from 'node:worker_threads';
import { runEpisode, type Episode, type EpisodeRequest } from './rollout.js';

export interface RolloutRunner {
  run(reqs: readonly EpisodeRequest[]): Promise<Episode[]>;
  close(): Promise<void>;
}

export const inlineRunner: RolloutRunner = {
  run: async (reqs) => reqs.map(runEpisode),
  close: async () => {},
};

/**
 * A worker running rollout-worker next to this module. Under tsx (sources, .ts) the loader hooks
 * of the main thread do not reach worker threads on Node 20, so the worker registers tsx itself
 * before importing the script; compiled (.js) it imports the script directly.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./rollout-worker.js', import.meta.url));
  const script = new URL('./rollout-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); })`, { eval: true });
}

export class WorkerRunner implements RolloutRunner {
  readonly #workers: Worker[] = [];

  constructor(n: number) {
    for (let i = 0; i < n; i++) this.#workers.push(startWorker());
  }

  async run(reqs: readonly EpisodeRequest[]): Promise<Episode[]> {
    const out: Episode[] = new Array(reqs.length);
    let nextReq = 0;
    const drive = (w: Worker): Promise<void> =>
      new Promise((resolve, reject) => {
        const send = (): void => {
          if (nextReq >= reqs.length) {
            w.off('message', onMsg);
            w.off('error', reject);
            resolve();
            return;
          }
          const id = nextReq++;
          w.postMessage({ id, req: reqs[id] });
        };
        const onMsg = (m: { id: number; ep?: Episode; error?: string }): void => {
          if (m.error !== undefined) {
            w.off('message', onMsg);
            reject(new Error(`rollout worker failed: ${m.error}`));
            return;
          }
          out[m.id] = m.ep!;
          send();
        };
        w.on('message', onMsg);
        w.once('error', reject);
        send();
      });
    await Promise.all(this.#workers.map(drive));
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
