/**
 * Splits one child stream (stdout or stderr) into lines: UTF-8 decoded across chunk boundaries
 * (a character split between two reads is never mangled), `\n` as separator.
 *
 * Invariant: memory is bounded. A line longer than `MAX_LINE_CHARS` without a newline (a progress
 * bar, a binary dump) is handed out in fragments: `first` is false for a piece that continues the
 * previous one, `last` is false for a piece the line goes on after. Consumers that parse lines
 * (output lines) only trust pieces that are both first and last.
 */
import { StringDecoder } from 'node:string_decoder';
import { MAX_OUTPUT_BYTES } from './outputs.js';

/** Longest line handed out whole: an output line may carry the whole outputs limit. */
export const MAX_LINE_CHARS = MAX_OUTPUT_BYTES + 4096;

export type LineHandler = (line: string, first: boolean, last: boolean) => void;

export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #onLine: LineHandler;
  #partial = '';
  /** True while the current line was already partly handed out (it overflowed). */
  #continuing = false;

  constructor(onLine: LineHandler) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    const text = this.#partial + this.#decoder.write(chunk);
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      this.#emit(text.slice(start, nl), true);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    const rest = start === 0 ? text : text.slice(start);
    if (rest.length > MAX_LINE_CHARS) {
      this.#emit(rest, false);
      this.#partial = '';
    } else {
      this.#partial = rest;
    }
  }

  /** Hands out the last line even without a trailing newline. */
  end(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (rest.length > 0 || this.#continuing) this.#emit(rest, true);
  }

  #emit(piece: string, last: boolean): void {
    const first = !this.#continuing;
    this.#continuing = !last;
    this.#onLine(piece, first, last);
  }
}
