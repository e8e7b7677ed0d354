/**
 * A stream consumer's entries from delivery to acknowledgement, and the recovery of the
 * deliveries its connection lost: a worker's task stream (worker.ts), the engine's results and
 * logs (engine-link.ts).
 *
 * XREADGROUP with `>` marks an entry delivered to this consumer (its pending entries list, the
 * PEL) when Redis runs the command. If the connection dies before the reply arrives — a
 * redis-server restarted or failed over, a dropped link — ioredis resends the read on the new
 * connection, and `>` returns only newer entries: the lost one stays pending on a consumer that
 * is alive, which nothing reclaims soon, and its run stands still (seen 2026-11-24: the
 * redis-restart fault test hung under load with one entry pending on a live worker). So after
 * every (re)connection of its read connection a consumer reads its own PEL from ID `0` (which
 * never blocks) and takes the entries it does not hold. An entry it holds (read, and not yet
 * acknowledged) is never taken twice.
 */
import type { Redis } from 'ioredis';
import type { StreamEntry } from './redis.js';

/** A pending entry as XREADGROUP from an ID returns it: fields null when it was deleted meanwhile. */
type PendingEntry = StreamEntry | [id: string, fields: null];

/** What a recovery found: entries to handle, and ids of entries deleted meanwhile (only to acknowledge). */
export interface Recovered {
  readonly entries: StreamEntry[];
  readonly deleted: string[];
}

/** Entries read per recovery call (a consumer's PEL holds only what it has in flight). */
const PAGE = 500;

export class OwnPending {
  /** `stream id` of every entry read and not yet acknowledged. */
  readonly #held = new Set<string>();
  #due = true;

  /** `conn`: the connection the consumer reads on; each (re)connection makes a recovery due. */
  constructor(conn: Redis) {
    conn.on('ready', () => {
      this.#due = true;
    });
  }

  /** A recovery read is due: at start and after every reconnection. */
  get due(): boolean {
    return this.#due;
  }

  hold(stream: string, id: string): void {
    this.#held.add(`${stream} ${id}`);
  }

  /** The entries were acknowledged (or given up): a later recovery may take them again. */
  release(stream: string, ids: readonly string[]): void {
    for (const id of ids) this.#held.delete(`${stream} ${id}`);
  }

  /**
   * This consumer's pending entries on `stream` that it does not hold, oldest first. Throws
   * what Redis throws (the recovery stays due: the caller retries).
   */
  async recover(redis: Redis, group: string, consumer: string, stream: string): Promise<Recovered> {
    this.#due = false;
    try {
      const out: Recovered = { entries: [], deleted: [] };
      let from = '0';
      for (;;) {
        const reply = (await redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', PAGE, 'STREAMS', stream, from)) as [string, PendingEntry[]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        for (const e of entries) {
          if (this.#held.has(`${stream} ${e[0]}`)) continue;
          if (e[1] === null) out.deleted.push(e[0]);
          else out.entries.push(e);
        }
        if (entries.length < PAGE) return out;
        from = entries[entries.length - 1]![0];
      }
    } catch (err) {
      this.#due = true;
      throw err;
    }
  }
}
