/**
 * Limits on what a spec may ask for (DESIGN.md "Everything a user sends has a limit"). Crossing
 * one is a `limit` SpecIssue naming the limit and its value, never a crash or an out-of-memory.
 */
import { DEFAULT_MAX_EXPRESSION_LENGTH } from '../expr.js';

export interface SpecLimits {
  /** Largest spec document, in UTF-8 bytes. Default 4 MiB. */
  readonly maxDocumentBytes: number;
  /** Most tasks in one workflow (before foreach expansion). Default 100,000. */
  readonly maxTasks: number;
  /** Longest expression (`when`, `foreach`, one `${{ }}`), in characters. Default 4,096. */
  readonly maxExpressionLength: number;
  /** Most instances one `foreach` may create; enforced by the engine at run time. Default 10,000. */
  readonly maxForeachWidth: number;
  /** Most YAML alias expansions (`*ref`), against "billion laughs" documents. Default 1,000. */
  readonly maxAliases: number;
}

/** Most instances one `foreach` may expand to (the engine's `maxForeach` default). */
export const MAX_FOREACH_WIDTH = 10_000;

export const DEFAULT_SPEC_LIMITS: SpecLimits = Object.freeze({
  maxDocumentBytes: 4 * 1024 * 1024,
  maxTasks: 100_000,
  maxExpressionLength: DEFAULT_MAX_EXPRESSION_LENGTH,
  maxForeachWidth: MAX_FOREACH_WIDTH,
  maxAliases: 1000,
});

export function resolveLimits(partial: Partial<SpecLimits> | undefined): SpecLimits {
  return partial === undefined ? DEFAULT_SPEC_LIMITS : { ...DEFAULT_SPEC_LIMITS, ...partial };
}

/** UTF-8 length of a string without allocating an encoded copy (documents may be megabytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4; // a surrogate pair: one 4-byte code point
      i++;
    } else n += 3;
  }
  return n;
}
