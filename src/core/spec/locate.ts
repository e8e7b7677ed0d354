/**
 * Maps field paths to source positions in a parsed YAML (or JSON) document, so every issue can
 * say which line to fix. For a mapping entry the position is its key's (`needs:` rather than the
 * list below it); for a missing field it is the nearest existing parent's.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { PathSegment } from './issues.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Finds a position for a field path; undefined only when the document has no nodes at all. */
export type Locator = (path: readonly PathSegment[]) => Position | undefined;

export const NO_LOCATOR: Locator = () => undefined;

export function makeLocator(doc: Document, lc: LineCounter): Locator {
  // Key -> pair index per mapping, built on first use: a workflow with 20,000 tasks asks for
  // 20,000 positions, and a linear search of `tasks` for each would be quadratic.
  const index = new WeakMap<object, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let m = index.get(map);
    if (m === undefined) {
      m = new Map();
      for (const p of map.items) if (isScalar(p.key) && !m.has(String(p.key.value))) m.set(String(p.key.value), p as Pair);
      index.set(map, m);
    }
    return m.get(key);
  };
  return (path) => {
    let node: unknown = doc.contents;
    let range: readonly number[] | undefined = (node as Node | null)?.range ?? undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = pairOf(node, String(seg));
        if (pair === undefined) break;
        range = (pair.key as Node).range ?? range;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)];
        if (item === undefined || item === null) break;
        node = item;
        range = (item as Node).range ?? range;
      } else break;
    }
    if (range === undefined) return undefined;
    const p = lc.linePos(range[0]!);
    return { line: p.line, column: p.col };
  };
}

/** The path of the mapping key that starts at `offset` (for duplicate-key errors from the parser). */
export function pathAtOffset(doc: Document, offset: number): PathSegment[] | undefined {
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  // Descend into the child whose range contains the offset; stop at the key that starts there.
  for (let depth = 0; depth < 10_000; depth++) {
    if (isMap(node)) {
      let next: unknown;
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        if (key?.range && key.range[0] <= offset && offset < Math.max(key.range[1], key.range[0] + 1)) {
          return [...path, isScalar(key) ? String(key.value) : '?'];
        }
        const v = pair.value as Node | null;
        if (v?.range && v.range[0] <= offset && offset < v.range[2]) {
          path.push(isScalar(key) ? String(key.value) : '?');
          next = v;
          break;
        }
      }
      if (next === undefined) return undefined;
      node = next;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((it) => {
        const r = (it as Node | null)?.range;
        return r !== undefined && r !== null && r[0] <= offset && offset < r[2];
      });
      if (i < 0) return undefined;
      path.push(i);
      node = node.items[i];
    } else return undefined;
  }
  return undefined;
}
