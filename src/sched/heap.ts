/**
 * An indexed binary min-heap: O(log n) push, pop, remove and re-key of any element, O(1) peek.
 * Every policy keeps its waiting tasks in heaps like this one, keyed by its own order, so a
 * scheduling round never re-sorts the queue (10,000 tasks: ~14 comparisons per push or pop).
 *
 * Invariant: `#pos.get(x) === i` exactly when `#items[i] === x`; every parent is `<=` its children
 * under `less`. Elements are compared by identity, so each element may be in a heap at most once.
 */
export class Heap<T> {
  readonly #items: T[] = [];
  readonly #pos = new Map<T, number>();
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  has(x: T): boolean {
    return this.#pos.has(x);
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(x: T): void {
    if (this.#pos.has(x)) return;
    this.#items.push(x);
    this.#pos.set(x, this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.#removeAt(0);
    return top;
  }

  /** Removes `x` when present; returns whether it was. */
  remove(x: T): boolean {
    const i = this.#pos.get(x);
    if (i === undefined) return false;
    this.#removeAt(i);
    return true;
  }

  /** Restores the order after `x`'s key changed (either direction). */
  update(x: T): void {
    const i = this.#pos.get(x);
    if (i === undefined) return;
    this.#down(this.#up(i));
  }

  /** Unordered view of the elements (for iteration without popping). */
  values(): readonly T[] {
    return this.#items;
  }

  #removeAt(i: number): void {
    const items = this.#items;
    const x = items[i]!;
    const last = items.pop()!;
    this.#pos.delete(x);
    if (i < items.length) {
      items[i] = last;
      this.#pos.set(last, i);
      this.#down(this.#up(i));
    }
  }

  #up(i: number): number {
    const items = this.#items;
    const x = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!this.#less(x, parent)) break;
      items[i] = parent;
      this.#pos.set(parent, i);
      i = p;
    }
    items[i] = x;
    this.#pos.set(x, i);
    return i;
  }

  #down(i: number): number {
    const items = this.#items;
    const n = items.length;
    const x = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.#less(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.#less(child, x)) break;
      items[i] = child;
      this.#pos.set(child, i);
      i = c;
    }
    items[i] = x;
    this.#pos.set(x, i);
    return i;
  }
}
