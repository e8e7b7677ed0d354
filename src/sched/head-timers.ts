/**
 * Queue-head timeouts for strict and backfill admission. A queue's head that is still waiting
 * after a round is "blocked"; once the same task has been blocked at the head for
 * `headTimeoutMs` it is retried (its timer restarts) up to `headRetries` times, then expired:
 * the framework returns it in `RoundResult.expired` with the reason that blocked it.
 *
 * Invariant: `#since` holds one entry per queue, for the task that was its head at the last
 * observation; a different head restarts the timer.
 */
export type HeadVerdict = 'waiting' | 'retried' | 'expired';

export class HeadTimers {
  readonly #since = new Map<string, { key: string; since: number }>();
  readonly #retries = new Map<string, number>();
  /** task key -> the queue it heads (reverse of #since, so `forget` is O(1)). */
  readonly #heading = new Map<string, string>();

  observe(queue: string, key: string, now: number, timeoutMs: number, maxRetries: number): HeadVerdict {
    const s = this.#since.get(queue);
    if (!s || s.key !== key) {
      if (s) this.#heading.delete(s.key);
      this.#since.set(queue, { key, since: now });
      this.#heading.set(key, queue);
      return 'waiting';
    }
    if (now - s.since < timeoutMs) return 'waiting';
    const used = this.#retries.get(key) ?? 0;
    if (used < maxRetries) {
      this.#retries.set(key, used + 1);
      s.since = now;
      return 'retried';
    }
    this.forget(key);
    return 'expired';
  }

  /** Blocked since (ms) of the task when it is a tracked head. */
  sinceOf(queue: string, key: string): number | undefined {
    const s = this.#since.get(queue);
    return s && s.key === key ? s.since : undefined;
  }

  retriesOf(key: string): number {
    return this.#retries.get(key) ?? 0;
  }

  /** Whether any task is timed (greedy admission: never); `forget` does nothing while not. */
  get active(): boolean {
    return this.#heading.size !== 0 || this.#retries.size !== 0;
  }

  /** The task left the queue (placed, removed, expired). */
  forget(key: string): void {
    if (this.#heading.size === 0 && this.#retries.size === 0) return; // greedy admission: always
    this.#retries.delete(key);
    const q = this.#heading.get(key);
    if (q === undefined) return;
    this.#heading.delete(key);
    this.#since.delete(q);
  }

  clear(): void {
    this.#since.clear();
    this.#retries.clear();
    this.#heading.clear();
  }
}
