/**
 * A Map bounded to `capacity` entries with least-recently-used eviction.
 *
 * Recency is a doubly linked list threaded through the entries (head = least recently used),
 * not the Map's insertion order: re-inserting a key on every read (delete + set) leaves
 * tombstones that V8 compacts by rehashing the whole table, and measured 38 µs a `predict` on a
 * 10,000-entry map. A read moves its entry to the tail (a few pointer writes, nothing when it is
 * already there); when an insert passes capacity, the least recently used tenth (at least one)
 * is unlinked from the head, O(1) amortised per insert. Size never exceeds `capacity`.
 *
 * Before 2026-11-24 each entry carried a use stamp and eviction found the tenth's cut by sorting
 * every stamp (a Float64Array) and walking the map twice: ~25% of the learning path's CPU on the
 * engine's 20,000-distinct-task benchmark. The list evicts exactly the same keys (the n oldest
 * touches), and `entries()` walks it in the same order the stamps sorted.
 *
 * `recycle: true` keeps the entries of the last evictions (at most a tenth of `capacity`, with
 * their values) so that `getOrInsert` hands an evicted value back for reuse instead of the
 * caller allocating a new one (runtime-predictor.ts resets its estimators in place).
 */
interface Entry<K, V> {
  key: K;
  value: V;
  prev: Entry<K, V> | null;
  next: Entry<K, V> | null;
}

export interface LruMapOptions {
  /** Keep evicted entries (and values) for `getOrInsert` to reuse (default false). */
  readonly recycle?: boolean;
}

export class LruMap<K, V> {
  readonly #map = new Map<K, Entry<K, V>>();
  readonly capacity: number;
  #evicted = 0;
  /** Least recently used. */
  #head: Entry<K, V> | null = null;
  /** Most recently used. */
  #tail: Entry<K, V> | null = null;
  readonly #recycle: boolean;
  /** Evicted entries kept for reuse (recycle only), linked through `next`. */
  #free: Entry<K, V> | null = null;

  constructor(capacity: number, options: LruMapOptions = {}) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LRU capacity must be an integer >= 1 (got ${capacity})`);
    this.capacity = capacity;
    this.#recycle = options.recycle === true;
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
    if (e !== this.#tail) this.#toTail(e);
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
      if (e !== this.#tail) this.#toTail(e);
      return;
    }
    if (this.#map.size >= this.capacity) this.#evict();
    this.#insert(key, value);
  }

  /**
   * `get(key)` when present; else inserts `create(recycled)` as `set` would, where `recycled` is
   * a value evicted earlier (recycle only; undefined otherwise) that `create` may reset and
   * return. One Map lookup on a hit, a lookup and an insert on a miss (get + set: three).
   */
  getOrInsert(key: K, create: (recycled: V | undefined) => V): V {
    const e = this.#map.get(key);
    if (e !== undefined) {
      if (e !== this.#tail) this.#toTail(e);
      return e.value;
    }
    if (this.#map.size >= this.capacity) this.#evict();
    const value = create(this.#free === null ? undefined : this.#free.value);
    this.#insert(key, value);
    return value;
  }

  /**
   * Appends a new entry at the tail, reusing the free list's head when there is one (so the free
   * list never holds more than one eviction's entries: the next eviction needs as many inserts).
   */
  #insert(key: K, value: V): void {
    let e: Entry<K, V>;
    const spare = this.#free;
    if (spare !== null) {
      this.#free = spare.next;
      e = spare;
      e.key = key;
      e.value = value;
      e.prev = this.#tail;
      e.next = null;
    } else {
      e = { key, value, prev: this.#tail, next: null };
    }
    if (this.#tail === null) this.#head = e;
    else this.#tail.next = e;
    this.#tail = e;
    this.#map.set(key, e);
  }

  #toTail(e: Entry<K, V>): void {
    // e is not the tail, so e.next is not null.
    const next = e.next!;
    const prev = e.prev;
    next.prev = prev;
    if (prev === null) this.#head = next;
    else prev.next = next;
    e.prev = this.#tail;
    e.next = null;
    this.#tail!.next = e;
    this.#tail = e;
  }

  /**
   * Drops the least recently used tenth of `capacity` (at least one) from the head. With
   * `recycle` the entries go to the free list, keeping their values until reused.
   */
  #evict(): void {
    const n = Math.min(this.#map.size, Math.max(1, Math.floor(this.capacity / 10)));
    const map = this.#map;
    let e = this.#head;
    for (let i = 0; i < n && e !== null; i++) {
      const next: Entry<K, V> | null = e.next;
      map.delete(e.key);
      if (this.#recycle) {
        e.prev = null;
        e.next = this.#free;
        this.#free = e;
      }
      e = next;
    }
    this.#head = e;
    if (e === null) this.#tail = null;
    else e.prev = null;
    this.#evicted += n;
  }

  /** Entries from least to most recently used. */
  *entries(): IterableIterator<[K, V]> {
    const all: [K, V][] = [];
    for (let e = this.#head; e !== null; e = e.next) all.push([e.key, e.value]);
    yield* all;
  }
}
