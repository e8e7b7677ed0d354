/**
 * Whether two values have the same JSON text (what JSON.stringify writes, what a reader parses),
 * found without writing either: the stores' short spec form (a task like the one before it,
 * store/spec-parts.ts) and the fleet's delta wire form (a field like the previous message's,
 * fleet/delta-tuples.ts) use it to leave out what a reader can copy.
 *
 * Primitives compare by `===`; arrays element by element; other objects by their own enumerable
 * keys in order (as JSON.stringify reads them; a property undefined in both is left out of both).
 * False when unsure — an object with `toJSON`, a boxed primitive, a non-finite number, or more
 * than `budget` values compared (a large value is written again rather than compared at length).
 * A false answer only costs bytes; a true one must never be wrong (property test in
 * test/core/same-json.test.ts).
 */
export function sameJson(a: unknown, b: unknown, budget = 32): boolean {
  left = budget;
  return same(a, b);
}

/** Values `same` may still compare in the current `sameJson` call. */
let left = 0;

function same(a: unknown, b: unknown): boolean {
  if (--left < 0) return false;
  if (a === b) return typeof a !== 'number' || Number.isFinite(a);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || special(a) || special(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i]) return false;
    const va = (a as Record<string, unknown>)[k];
    const vb = (b as Record<string, unknown>)[k];
    if (va === undefined || vb === undefined) {
      if (va !== vb) return false;
    } else if (!same(va, vb)) return false;
  }
  return true;
}

/** Objects JSON.stringify does not write as their own enumerable keys: toJSON, boxed primitives, raw JSON. */
function special(o: object): boolean {
  return typeof (o as { toJSON?: unknown }).toJSON === 'function' || o instanceof String || o instanceof Number || o instanceof Boolean ||
    (JSON as { isRawJSON?: (v: unknown) => boolean }).isRawJSON?.(o) === true;
}
