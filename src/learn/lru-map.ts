/**
 * A Map bounded to `capacity` entries with least-recently-used eviction, on the insertion order of
 * a JS Map: `get`/`set` move the key to the newest end, and inserting past capacity drops the
 * oldest. O(1) per operation.
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly capacity: number;
  #evicted = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LRU capacity must be an integer >= 1 (got ${capacity})`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }
  /** Entries dropped for capacity since construction. */
  get evicted(): number {
    return this.#evicted;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** The value, marking the key most recently used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  /** The value without touching the order. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.capacity) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
      this.#evicted++;
    }
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }
}
