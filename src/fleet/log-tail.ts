/**
 * Reads what an attempt appended to its local log file since the last read. The worker ships
 * these pieces on the logs stream while the attempt runs (every `logShipMs`) and once more when
 * it ends, so `kairos logs -f` on the engine side follows a remote task as it does a local one.
 *
 * Invariant: reads of one file are serialised (`read` chains on the previous read), so pieces go
 * out in file order. A missing file (a fn task that never logged) is no output, not an error.
 */
import { open } from 'node:fs/promises';

/** Largest piece per message: big logs go out as several messages. */
export const MAX_CHUNK_BYTES = 256 * 1024;

export class LogTail {
  #offset = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Calls `emit` with every new piece, in order; resolves once they were all read. */
  read(emit: (chunk: string) => void): Promise<void> {
    this.#chain = this.#chain.then(() => this.#read(emit)).catch(() => undefined);
    return this.#chain;
  }

  async #read(emit: (chunk: string) => void): Promise<void> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch {
      return; // not created (yet): nothing was logged
    }
    try {
      const buf = Buffer.allocUnsafe(MAX_CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, MAX_CHUNK_BYTES, this.#offset);
        if (bytesRead === 0) break;
        // Cut on a UTF-8 character boundary: a continuation byte (10xxxxxx) waits for the next read.
        let end = bytesRead;
        if (bytesRead === MAX_CHUNK_BYTES) while (end > bytesRead - 4 && (buf[end - 1]! & 0xc0) === 0x80) end--;
        if (end > 0 && bytesRead === MAX_CHUNK_BYTES && buf[end - 1]! >= 0xc0) end--;
        if (end <= 0) end = bytesRead;
        this.#offset += end;
        emit(buf.toString('utf8', 0, end));
        if (bytesRead < MAX_CHUNK_BYTES) break;
      }
    } finally {
      await fh.close();
    }
  }
}
