/**
 * A size-bounded task log that keeps the HEAD and the TAIL of what was written: the start says
 * what the task set out to do, the end says why it failed. The middle is replaced by one marker
 * line `[... N bytes truncated ...]`.
 *
 * Invariants:
 * - Memory is bounded by `maxBytes` whatever is written: the head goes straight to the sink; once
 *   the head is full, bytes go into a fixed-size ring buffer (allocated only then) that keeps the
 *   last `maxBytes - head` bytes; the ring is written out on `close()`.
 * - The file holds at most `maxBytes` bytes of task output plus the marker line.
 * - Once one byte went to the ring, the head takes no more (the kept bytes stay in order).
 * - Cuts fall on UTF-8 character boundaries, so the file stays valid text.
 * - A failing sink (disk full, permission lost) never throws into the executor: the first error
 *   is kept in `error` and later writes are dropped.
 * - `write` after `close` is ignored (a fn handler that ignores its timeout may keep logging).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** Where the kept bytes go: a file, or memory when the request has no log path. */
interface Sink {
  write(chunk: Buffer): void;
  end(): Promise<void>;
}

class FileSink implements Sink {
  readonly #stream: WriteStream;
  #error: Error | null = null;

  constructor(path: string) {
    // One mkdir syscall per attempt (the folder usually exists); sync so that writes made right
    // after opening are queued by the stream instead of racing the folder's creation.
    mkdirSync(dirname(path), { recursive: true });
    this.#stream = createWriteStream(path, { flags: 'w' });
    this.#stream.on('error', (err) => {
      this.#error ??= err;
    });
  }

  get error(): Error | null {
    return this.#error;
  }

  write(chunk: Buffer): void {
    if (this.#error === null) this.#stream.write(chunk);
  }

  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#error !== null || this.#stream.destroyed) return resolve();
      this.#stream.once('error', () => resolve());
      this.#stream.end(() => resolve());
    });
  }
}

class MemorySink implements Sink {
  readonly chunks: Buffer[] = [];
  write(chunk: Buffer): void {
    this.chunks.push(chunk);
  }
  end(): Promise<void> {
    return Promise.resolve();
  }
}

/** The marker that replaces the dropped middle of a log. */
export function truncationMarker(droppedBytes: number): string {
  return `\n[... ${droppedBytes} bytes truncated ...]\n`;
}

/** True when `b` is a UTF-8 continuation byte (10xxxxxx): a character cannot start there. */
function isContinuation(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

export class BoundedLog {
  readonly #sink: Sink;
  readonly #headLimit: number;
  readonly #tailLimit: number;
  #headBytes = 0;
  #headClosed = false;
  #totalBytes = 0;
  /** Ring buffer of the tail; null until the head is full. */
  #ring: Buffer | null = null;
  #ringPos = 0;
  #ringFilled = 0;
  #closed = false;

  /**
   * Opens a log at `path` (folders created, file truncated), or in memory when `path` is null.
   * Throws only if the folder cannot be created.
   */
  constructor(path: string | null, maxBytes: number) {
    this.#sink = path === null ? new MemorySink() : new FileSink(path);
    const max = Math.max(0, Math.floor(maxBytes));
    this.#headLimit = Math.floor(max / 2);
    this.#tailLimit = max - this.#headLimit;
  }

  /** Bytes written so far, kept or not. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** The sink's first write error, if any. */
  get error(): Error | null {
    return this.#sink instanceof FileSink ? this.#sink.error : null;
  }

  write(text: string): void {
    if (this.#closed || text.length === 0) return;
    const buf = Buffer.from(text, 'utf8');
    this.#totalBytes += buf.length;
    let rest = buf;
    if (!this.#headClosed) {
      const room = this.#headLimit - this.#headBytes;
      if (buf.length <= room) {
        this.#sink.write(buf);
        this.#headBytes += buf.length;
        return;
      }
      let take = room;
      while (take > 0 && isContinuation(buf[take])) take--;
      if (take > 0) this.#sink.write(buf.subarray(0, take));
      this.#headBytes += take;
      this.#headClosed = true;
      rest = buf.subarray(take);
    }
    this.#toRing(rest);
  }

  #toRing(bytes: Buffer): void {
    const size = this.#tailLimit;
    if (size === 0) return;
    this.#ring ??= Buffer.allocUnsafe(size);
    const ring = this.#ring;
    if (bytes.length >= size) {
      bytes.copy(ring, 0, bytes.length - size);
      this.#ringPos = 0;
      this.#ringFilled = size;
      return;
    }
    const first = Math.min(bytes.length, size - this.#ringPos);
    bytes.copy(ring, this.#ringPos, 0, first);
    if (first < bytes.length) bytes.copy(ring, 0, first);
    this.#ringPos = (this.#ringPos + bytes.length) % size;
    this.#ringFilled = Math.min(size, this.#ringFilled + bytes.length);
  }

  /** The tail in write order, starting on a character boundary. */
  #tail(): Buffer {
    if (this.#ring === null || this.#ringFilled === 0) return Buffer.alloc(0);
    const ring = this.#ring;
    const ordered =
      this.#ringFilled < ring.length
        ? ring.subarray(0, this.#ringFilled)
        : Buffer.concat([ring.subarray(this.#ringPos), ring.subarray(0, this.#ringPos)]);
    let start = 0;
    while (start < ordered.length && isContinuation(ordered[start])) start++;
    return ordered.subarray(start);
  }

  /** Writes the marker and the tail, then closes the sink. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#headClosed) {
      const tail = this.#tail();
      const dropped = this.#totalBytes - this.#headBytes - tail.length;
      if (dropped > 0) this.#sink.write(Buffer.from(truncationMarker(dropped), 'utf8'));
      if (tail.length > 0) this.#sink.write(tail);
    }
    await this.#sink.end();
  }

  /** What a memory log kept (after `close`, with marker and tail); '' for a file log. */
  text(): string {
    return this.#sink instanceof MemorySink ? Buffer.concat(this.#sink.chunks).toString('utf8') : '';
  }
}
