/**
 * A Map bounded to `capacity` entries with least-recently-used eviction.
 *
 * Recency is a counter stamped on each entry by `get`/`set`, not the Map's insertion order:
 * re-inserting a key on every read (delete + set) leaves tombstones that V8 compacts by rehashing
 * the whole table, and measured 38 µs a `predict` on a 10,000-entry map. Here a read is O(1);
 * when an insert passes capacity, the least recently used tenth (at least one) is evicted in one
 * sort, O(log n) amortised per insert. Size never exceeds `capacity`.
 */
interface Entry<K, V> {
  /** Its own key: eviction walks the entries, not [key, entry] pairs (an array per entry visited). */
  readonly key: K;
  value: V;
  used: number;
}

export class LruMap<K, V> {
  readonly #map = new Map<K, Entry<K, V>>();
  /** Scratch for eviction's stamps, kept between evictions. */
  #stamps: Float64Array | null = null;
  readonly capacity: number;
  #evicted = 0;
  #clock = 0;

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
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    e.used = ++this.#clock;
    return e.value;
  }

  /** The value without touching its recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.value;
  }

  set(key: K, value: V): void {
    const e = this.#map.get(key);
    if (e !== undefined) {
      e.value = value;
      e.used = ++this.#clock;
      return;
    }
    if (this.#map.size >= this.capacity) this.#evict(Math.max(1, Math.floor(this.capacity / 10)));
    this.#map.set(key, { key, value, used: ++this.#clock });
  }

  /**
   * Drops the n least recently used: the n-th smallest stamp from a sorted Float64Array (a numeric
   * sort without a comparator or entry arrays), then one pass deleting every entry at or below it
   * (stamps are unique, so exactly n). Sorting the entries with a comparator was ~1.5% of the
   * engine's thread on 20,000 distinct no-op tasks (bench/engine/diagnose.ts --store null).
   */
  #evict(n: number): void {
    const map = this.#map;
    if (this.#stamps === null || this.#stamps.length < map.size) this.#stamps = new Float64Array(map.size);
    // forEach, not for-of: this runs too rarely to be optimised, and an unoptimised for-of makes an
    // iterator result object per entry (~350 B per insert on the engine benchmark).
    const all = this.#stamps;
    let i = 0;
    map.forEach((e) => void (all[i++] = e.used));
    const stamps = all.subarray(0, i).sort();
    const cut = stamps[Math.min(n, i) - 1]!;
    let dropped = 0;
    map.forEach((e) => {
      if (e.used <= cut) {
        map.delete(e.key);
        dropped++;
      }
    });
    this.#evicted += dropped;
  }

  /** Entries from least to most recently used. */
  *entries(): IterableIterator<[K, V]> {
    const all = [...this.#map.entries()].sort((a, b) => a[1].used - b[1].used);
    for (const [k, e] of all) yield [k, e.value];
  }
}
