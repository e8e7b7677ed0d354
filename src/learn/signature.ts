/**
 * Task signatures: strings the caller builds, `/`-separated from general to specific, e.g.
 * `workflow/task` or `workflow/task/commandHash`. Their prefixes (`workflow/task/`, `workflow/`)
 * name the groups a never-seen signature borrows its cold-start prediction from.
 */

/** Prefix levels kept per signature (the longest ones); deeper structure is not pooled. */
export const MAX_PREFIX_LEVELS = 4;
/** Longer signatures are refused: they are keys held in memory. */
export const MAX_SIGNATURE_LENGTH = 1024;

/** The proper prefixes of a signature, longest first, each ending in `/`: `a/b/c` → `a/b/`, `a/`. */
export function prefixesOf(signature: string): string[] {
  const out: string[] = [];
  let end = signature.lastIndexOf('/', signature.length - 2);
  while (end > 0 && out.length < MAX_PREFIX_LEVELS) {
    out.push(signature.slice(0, end + 1));
    end = signature.lastIndexOf('/', end - 1);
  }
  return out;
}

export function isValidSignature(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && s.length <= MAX_SIGNATURE_LENGTH;
}
