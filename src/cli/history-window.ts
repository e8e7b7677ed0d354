/**
 * The recorded live history of the last `--since` window, read for the commands that replay it
 * (`kairos whatif`, `kairos finetune`): open the store, load the trace, close the store, and
 * exit 3 with a hint when the window holds no finished run.
 */
import { totalmem } from 'node:os';
import { loadHistoryTrace } from '../engine/history-trace.js';
import type { HistoryTrace } from '../learn/whatif.js';
import { CliExit } from './fail.js';
import { openStore } from './state.js';

export interface HistoryWindow {
  readonly stateDir: string;
  readonly storeUrl: string | undefined;
  readonly sinceMs: number;
  /** The `--since` value as typed, for messages. */
  readonly sinceText: string;
  readonly cpu: number;
  readonly concurrency: number;
  /** What to do when the window is empty, appended to the exit message. */
  readonly emptyHint: string;
}

export async function readHistoryWindow(w: HistoryWindow): Promise<HistoryTrace> {
  const store = await openStore(w.stateDir, w.storeUrl);
  const now = Date.now();
  let trace: HistoryTrace;
  try {
    trace = await loadHistoryTrace(store, { fromMs: now - w.sinceMs, toMs: now + 1, capacity: { cpu: w.cpu, memory: totalmem() }, concurrency: w.concurrency });
  } finally {
    await store.close();
  }
  if (trace.runs.length === 0) {
    throw new CliExit(3, `no finished runs in the last ${w.sinceText} (${trace.skipped.unfinishedRuns} still running)${w.emptyHint}`);
  }
  return trace;
}
