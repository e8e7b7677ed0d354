/**
 * Starts one of the SQLite store's worker threads (writer-thread.ts, checkpoint-thread.ts) from
 * its module next to this file: the compiled .js, or the .ts source through tsx in development.
 */
import { Worker } from 'node:worker_threads';

export type SqliteWorkerEntry = 'writer-thread' | 'checkpoint-thread';

export function spawnSqliteWorker(entry: SqliteWorkerEntry, workerData: unknown): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Under tsx a worker does not inherit the loader (Node 20): register it, then load the entry.
    const api = import.meta.resolve('tsx/esm/api');
    const url = new URL(`./${entry}.ts`, here).href;
    return new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); })`, { eval: true, workerData });
  }
  return new Worker(new URL(`./${entry}.js`, here), { workerData });
}
