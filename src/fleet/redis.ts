/**
 * Redis connections and stream helpers (ioredis). Two kinds of connection:
 *   - a command connection with auto-pipelining: every command issued in one event-loop turn
 *     goes out in one write (XADDs of a tick's dispatches, XACKs of a batch of results);
 *   - a blocking connection for XREADGROUP ... BLOCK, which holds its connection while it waits.
 * Both retry forever (`maxRetriesPerRequest: null`) and reconnect with backoff, so a Redis
 * restart pauses the fabric instead of failing commands; unanswered commands are resent.
 */
import { Redis } from 'ioredis';

export function connectRedis(url: string, name: string, opts: { blocking?: boolean } = {}): Redis {
  return new Redis(url, {
    connectionName: name.replace(/[^A-Za-z0-9_.:-]/g, '_'),
    maxRetriesPerRequest: null,
    enableAutoPipelining: opts.blocking !== true,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
}

/** Creates `group` on `stream` (and the stream) reading from `from`; an existing group is kept. */
export async function ensureGroup(redis: Redis, stream: string, group: string, from = '0'): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, from, 'MKSTREAM');
  } catch (err) {
    if (!/BUSYGROUP/.test((err as Error).message)) throw err;
  }
}

export function isNoGroup(err: unknown): boolean {
  return /NOGROUP/.test((err as Error)?.message ?? '');
}

/** One stream entry as ioredis returns it: [id, [field, value, ...]]. */
export type StreamEntry = [id: string, fields: string[]];
/** An XREADGROUP reply: [[stream, entries], ...] or null on timeout. */
export type ReadReply = [stream: string, entries: StreamEntry[]][] | null;

/** The `m` field of an entry (every message of the fabric is one JSON field). */
export function messageOf(entry: StreamEntry): string | undefined {
  const f = entry[1];
  for (let i = 0; i + 1 < f.length; i += 2) if (f[i] === 'm') return f[i + 1];
  return undefined;
}

/** XREADGROUP with BLOCK through ioredis's generic call (its typed overloads do not cover every form). */
export async function readGroup(redis: Redis, group: string, consumer: string, count: number, blockMs: number, streams: readonly string[]): Promise<ReadReply> {
  const args: (string | number)[] = ['GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', ...streams];
  for (let i = 0; i < streams.length; i++) args.push('>');
  return (await redis.call('XREADGROUP', ...args)) as ReadReply;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
