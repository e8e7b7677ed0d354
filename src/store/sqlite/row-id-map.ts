/**
 * The rowids of the task rows a store inserted, by row object (task-row-ids.ts): kept on the row
 * itself, under a symbol of the map's own, as a non-enumerable property — invisible to JSON,
 * spread, Object.keys and deep equality, and to every other map (another store's rows, another
 * file's rowids). It was a WeakMap: the encoder's lookup of both updates of every task cost
 * ~0.3 µs of the engine thread's ~5.5 µs per no-op task (bench/engine/diagnose.ts, CPU profile:
 * a hash probe of a table holding every row of the recent runs), and its ephemeron table is work
 * for every GC. Now a lookup is a property load; recording is one defineProperty per inserted
 * row (a WeakMap set cost about as much). A row that cannot take a property (frozen) falls back
 * to a WeakMap.
 */
import type { TaskRow } from '../types.js';

type Tagged = TaskRow & Record<symbol, number | undefined>;

export class RowIdMap {
  readonly #key: symbol = Symbol('kairos.sqlite.rowid');
  #sealed: WeakMap<TaskRow, number> | null = null;

  get(t: TaskRow): number | undefined {
    const id = (t as Tagged)[this.#key];
    return id !== undefined || this.#sealed === null ? id : this.#sealed.get(t);
  }

  set(t: TaskRow, id: number): void {
    if (Object.isExtensible(t)) Object.defineProperty(t, this.#key, { value: id, writable: true, configurable: true, enumerable: false });
    else (this.#sealed ??= new WeakMap()).set(t, id);
  }
}
