/**
 * Collects a task's published outputs: `::kairos-output {json}` stdout lines, then the
 * `$KAIROS_OUTPUT` file, then the spec's `outputs.file`; each a JSON object, merged in that order
 * (later keys win).
 *
 * Invariants:
 * - The raw JSON taken in is capped at `MAX_OUTPUT_BYTES` in total; a file is measured before
 *   it is read, so a huge file is never loaded. Crossing the cap is an error, not a truncation
 *   (silently cut outputs would feed wrong data downstream).
 * - The first problem wins and is kept as a message naming its source (line number or file);
 *   once there is an error, further input is ignored.
 * - Keys like `__proto__` from untrusted JSON become own properties, never prototypes.
 * - Secret values are replaced by `***` in what is returned (GitHub Actions likewise refuses to
 *   publish outputs holding a secret): outputs reach the store, events and pages.
 */
import { readFile, stat } from 'node:fs/promises';
import { defineOwn, type Redactor } from './redact.js';

/** Most bytes of output JSON one attempt may publish (lines and files together): 1 MiB. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;

/** A stdout line starting with this is an output line; the rest of the line is a JSON object. */
export const OUTPUT_LINE_PREFIX = '::kairos-output ';

/** How much of an offending line an error message quotes. */
const QUOTE_CHARS = 120;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class OutputCollector {
  readonly #redactor: Redactor;
  #values: Record<string, unknown> = {};
  #bytes = 0;
  #error: string | null = null;

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  /** The first problem met, or null. */
  get error(): string | null {
    return this.#error;
  }

  /** The merged outputs, secrets redacted. */
  outputs(): Record<string, unknown> {
    return this.#redactor.deep(this.#values) as Record<string, unknown>;
  }

  /**
   * Offers one stdout line (1-based `lineNo`). Returns true when it is an output line, which the
   * caller must not take as the task's "last message". `whole` is false for a fragment of a line
   * longer than the line splitter hands out whole: as an output line that is always too large.
   */
  line(text: string, lineNo: number, whole: boolean): boolean {
    if (!text.startsWith(OUTPUT_LINE_PREFIX)) return false;
    if (this.#error !== null) return true;
    const where = `stdout line ${lineNo}`;
    if (!whole) {
      this.#fail(`outputs exceed the ${MAX_OUTPUT_BYTES}-byte limit (${where} is longer than that)`);
      return true;
    }
    const json = text.slice(OUTPUT_LINE_PREFIX.length);
    if (!this.#count(Buffer.byteLength(json), where)) return true;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      this.#fail(`invalid output on ${where}: ${describe(err)} in ${this.#quote(text)}`);
      return true;
    }
    if (!isPlainObject(value)) {
      this.#fail(`invalid output on ${where}: expected a JSON object after '${OUTPUT_LINE_PREFIX.trim()}', got ${this.#quote(text)}`);
      return true;
    }
    this.#merge(value);
    return true;
  }

  /** Reads and merges a JSON object file; a missing file is not an error (the task chose not to write it). */
  async file(path: string, label: string): Promise<void> {
    if (this.#error !== null) return;
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) return this.#fail(`invalid output file ${label}: not a regular file`);
      size = st.size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      return this.#fail(`cannot read output file ${label}: ${describe(err)}`);
    }
    if (size === 0) return;
    if (!this.#count(size, `output file ${label}`)) return;
    let value: unknown;
    try {
      value = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      return this.#fail(`invalid output file ${label}: ${this.#redactor.text(describe(err))}`);
    }
    if (!isPlainObject(value)) return this.#fail(`invalid output file ${label}: expected a JSON object`);
    this.#merge(value);
  }

  #count(bytes: number, where: string): boolean {
    this.#bytes += bytes;
    if (this.#bytes <= MAX_OUTPUT_BYTES) return true;
    this.#fail(`outputs exceed the ${MAX_OUTPUT_BYTES}-byte limit (reached at ${where})`);
    return false;
  }

  #merge(obj: Record<string, unknown>): void {
    for (const key of Object.keys(obj)) defineOwn(this.#values, key, obj[key]);
  }

  #quote(text: string): string {
    const cut = text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}...` : text;
    return JSON.stringify(this.#redactor.text(cut));
  }

  #fail(message: string): void {
    this.#error ??= message;
  }
}
