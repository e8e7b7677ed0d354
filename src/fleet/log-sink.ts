/**
 * Appends remote log pieces to the engine's own log files, `<logDir>/<run>/<task>.<attempt>.log`
 * — the files `kairos logs` and the API read in embedded mode, so they work unchanged.
 *
 * Synchronous appends: pieces of one file must land in stream order, and a sync append of a few
 * KiB costs microseconds; no-op tasks send no pieces at all. Ids are checked by the decoder
 * (`safeId`: no separators, no `..`), so a piece cannot write outside `logDir`.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import type { LogMessage } from './protocol.js';

export class LogSink {
  readonly #dirs = new Set<string>();

  constructor(readonly logDir: string) {}

  append(m: LogMessage): void {
    const dir = `${this.logDir}/${m.runId}`;
    if (!this.#dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      if (this.#dirs.size > 10_000) this.#dirs.clear();
      this.#dirs.add(dir);
    }
    appendFileSync(`${dir}/${m.taskId}.${m.attempt}.log`, m.chunk);
  }
}
