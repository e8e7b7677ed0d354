/** Entry point of the replay worker thread: one trace and configs in, their metrics out. See replay-thread.ts. */
import { parentPort } from 'node:worker_threads';
import type { SchedulerConfig } from '../../sched/types.js';
import { replay, type HistoryTrace } from '../whatif.js';
import './register.js';

parentPort!.once('message', (m: { trace: HistoryTrace; configs: SchedulerConfig[]; seed: number }) => {
  try {
    // A learned config keeps its guard (as live: non-finite scores fall back), silently.
    const ok = m.configs.map((c) => replay(m.trace, c.policy === 'learned' ? { ...c, settings: { ...c.settings, onEvent: () => {} } } : c, m.seed));
    parentPort!.postMessage({ ok });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message ?? String(e) });
  }
});
