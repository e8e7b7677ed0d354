/**
 * The digital twin's replay (src/learn/whatif.ts `replay`) in a worker thread, for the
 * regret-by-replay guard of a live engine (src/engine/learned-regret.ts): one replay of a window
 * takes ~0.1-0.5 s of CPU at 500-2,000 runs and several seconds when the history was overloaded
 * (docs/learned-policy.md, "Live: guards"), which must not stall the engine's event loop. One
 * short-lived worker per call runs every config given on the same trace and returns the scores.
 *
 * Configs cross the thread boundary as plain data: functions in settings (timer, onEvent) are
 * dropped, and a learned model given as an Mlp instance travels as a model file.
 */
import { Worker } from 'node:worker_threads';
import type { SchedulerConfig } from '../../sched/types.js';
import type { HistoryTrace, PredictedMetrics } from '../whatif.js';
import { Mlp } from './mlp.js';
import { toModelFile } from './model-file.js';
import { DEFAULT_OBJECTIVE } from './objective.js';

/** A config the worker can receive, or null when it cannot travel (a Scorer other than Mlp). */
export function portableConfig(c: SchedulerConfig): SchedulerConfig | null {
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.settings ?? {})) {
    if (typeof v === 'function') continue;
    if (k === 'model' && typeof v === 'object' && v !== null && typeof (v as { score?: unknown }).score === 'function') {
      if (!(v instanceof Mlp)) return null;
      settings[k] = toModelFile(v, DEFAULT_OBJECTIVE, {});
      continue;
    }
    settings[k] = v;
  }
  return { ...c, settings };
}

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./replay-worker.js', import.meta.url));
  const script = new URL('./replay-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); })`, { eval: true });
}

/** Replays `trace` under each config in a worker thread; metrics in the order of `configs`. */
export function replayInThread(trace: HistoryTrace, configs: readonly SchedulerConfig[], seed = 1): Promise<PredictedMetrics[]> {
  const portable = configs.map(portableConfig);
  const bad = portable.findIndex((c) => c === null);
  if (bad >= 0) return Promise.reject(new Error(`config ${configs[bad]!.policy} has a model that cannot be sent to a worker thread (only Mlp instances, paths and model files can)`));
  const w = startWorker();
  return new Promise<PredictedMetrics[]>((resolve, reject) => {
    w.once('message', (m: { ok?: PredictedMetrics[]; error?: string }) => (m.ok !== undefined ? resolve(m.ok) : reject(new Error(m.error ?? 'replay worker failed'))));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`replay worker exited (code ${code}) before answering`)));
    w.postMessage({ trace, configs: portable, seed });
  }).finally(() => void w.terminate());
}
