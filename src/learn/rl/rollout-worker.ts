/**
 * Entry point of a rollout worker thread: runs episodes on request and sends them back with their
 * typed arrays transferred (not copied). See rollout-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { runEpisode, type EpisodeRequest } from './rollout.js';

parentPort!.on('message', (m: { id: number; req: EpisodeRequest }) => {
  try {
    const ep = runEpisode(m.req);
    const buffers = [ep.x.buffer, ep.start.buffer, ep.chosen.buffer, ep.teacher.buffer, ep.time.buffer, ep.arrival.buffer, ep.finish.buffer, ep.deadline.buffer];
    parentPort!.postMessage({ id: m.id, ep }, buffers as ArrayBuffer[]);
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error).stack ?? String(e) });
  }
});
