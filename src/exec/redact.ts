/**
 * Secret redaction: every value of an env name listed in `secretEnv` is replaced by `***` in
 * whatever an executor writes (log lines, error messages, published outputs).
 *
 * Invariants:
 * - Empty values are never patterns (replacing "" would corrupt every line).
 * - Longer patterns are replaced first, so a secret that contains another secret is hidden whole.
 * - A multi-line secret (a PEM key) is also matched line by line, because executors redact one
 *   line at a time; each of its non-blank lines becomes a pattern of its own.
 * - With no secrets the redactor is the shared `NO_REDACTION`, whose methods return their input:
 *   the fn executor's hot path pays nothing.
 */

export const REDACTED = '***';

export class Redactor {
  readonly #patterns: readonly string[];

  constructor(values: Iterable<string>) {
    const set = new Set<string>();
    for (const v of values) {
      if (v.length === 0) continue;
      set.add(v);
      if (v.includes('\n')) for (const part of v.split(/\r?\n/)) if (part.trim().length > 0) set.add(part);
    }
    this.#patterns = [...set].sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.#patterns.length > 0;
  }

  /** `text` with every secret replaced by `***`. */
  text(text: string): string {
    for (const p of this.#patterns) if (text.includes(p)) text = text.split(p).join(REDACTED);
    return text;
  }

  /** A copy of a JSON-like value with every string (keys included) redacted; the input is untouched. */
  deep(value: unknown): unknown {
    if (!this.active) return value;
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) defineOwn(out, this.text(k), this.deep(v));
      return out;
    }
    return value;
  }
}

/** The redactor of a request with no secrets. */
export const NO_REDACTION = new Redactor([]);

/**
 * The redactor for a request: the values of `secretEnv` names, looked up in the request's env
 * first and then in the orchestrator's own environment (which the shell child inherits).
 */
export function redactorFor(secretEnv: readonly string[], env: Readonly<Record<string, string>>): Redactor {
  if (secretEnv.length === 0) return NO_REDACTION;
  const values: string[] = [];
  for (const name of secretEnv) {
    const v = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : process.env[name];
    if (v !== undefined) values.push(v);
  }
  return values.length === 0 ? NO_REDACTION : new Redactor(values);
}

/**
 * Sets an own enumerable property, even for the key `__proto__` (plain assignment would replace
 * the prototype instead, and JSON from a task is untrusted).
 */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
