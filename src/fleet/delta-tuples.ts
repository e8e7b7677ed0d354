/**
 * Delta form of a batch of positional tuples (protocol v3, protocol.ts): each tuple is sent as
 * `[mask, ...fields]`, where bit k of `mask` says "field k is the previous tuple's field k" and
 * only the other fields follow, in order. The tuples of one stream entry mostly repeat each other
 * (one run id, the run's action and options, one dispatch time; in results one outcome, error,
 * exit code, start and end millisecond), so a no-op task entry shrinks from ~190 to ~75 bytes and
 * a result from ~125 to ~55 — less JSON to write and parse on both ends and less for Redis to
 * move (docs/benchmarks.md, "2026-11-24 session 5").
 *
 * Sameness is `===` on the sender's values: primitives compare by value, objects by reference (a
 * spec's shared action object travels once per entry; distinct but equal objects are sent again,
 * which is only larger, never wrong) — except the fields the caller names `byValue`, which also
 * match when their JSON text would be the same (core/same-json.ts; task entries' fn inputs, session 6).
 * The receiver copies the previous tuple's value, so a shared object arrives as one object
 * referenced by several messages: receivers treat messages as read-only.
 */
import { sameJson } from '../core/same-json.js';

/** Fields per tuple a mask can describe (bits of a 32-bit integer). */
export const MAX_WIDTH = 31;

/**
 * `tuples` (each of `width` fields) in delta form. `byValue`: fields (bit k = field k) that also
 * count as equal when they are equal plain JSON data (`sameJson`), not only the same object —
 * task entries' fn inputs (`{ params, item, index, upstream }`, a new object per task, ~55 of a
 * no-op task message's ~80 bytes in the bench's entries): the receiver then shares one object between those messages,
 * as it already does for an action or env object the sender shared (receivers treat messages as
 * read-only).
 */
export function encodeDelta(tuples: readonly (readonly unknown[])[], width: number, byValue = 0): unknown[][] {
  const out = new Array<unknown[]>(tuples.length);
  let prev: readonly unknown[] | null = null;
  for (let i = 0; i < tuples.length; i++) {
    const t = tuples[i]!;
    const row: unknown[] = [0];
    let mask = 0;
    for (let k = 0; k < width; k++) {
      const v = t[k] === undefined ? null : t[k];
      const p = prev === null ? undefined : prev[k] === undefined ? null : prev[k];
      if (prev !== null && (v === p || ((byValue & (1 << k)) !== 0 && sameJson(v, p)))) mask |= 1 << k;
      else row.push(v);
    }
    row[0] = mask;
    out[i] = row;
    prev = t;
  }
  return out;
}

/**
 * The tuples of a delta-form list, each `width` fields long; null for an item that cannot be
 * rebuilt (not an array, a bad mask, the wrong number of fields, or a mask bit after such an
 * item: what it refers to is unknown). The rebuilt tuples are checked by the caller.
 */
export function decodeDelta(items: readonly unknown[], width: number): (unknown[] | null)[] {
  const out = new Array<unknown[] | null>(items.length);
  // Once per list: `2 ** width` in the loop's test was a Math.pow call per tuple (perf, session 6).
  const masks = 2 ** width;
  let prev: unknown[] | null = null;
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    let t: unknown[] | null = null;
    if (Array.isArray(x) && Number.isInteger(x[0]) && (x[0] as number) >= 0 && (x[0] as number) < masks) {
      const mask = x[0] as number;
      if (prev !== null || mask === 0) {
        t = new Array<unknown>(width);
        let j = 1;
        for (let k = 0; k < width; k++) t[k] = (mask & (1 << k)) !== 0 ? prev![k] : x[j++];
        if (j !== x.length) t = null; // too many or too few fields for the mask
      }
    }
    out[i] = t;
    prev = t;
  }
  return out;
}
