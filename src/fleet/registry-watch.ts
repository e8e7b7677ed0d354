/**
 * The engine's view of the workers: reads the registry and every heartbeat key in ONE Lua call
 * (an atomic snapshot: a worker registering meanwhile is seen whole or not at all) every
 * `workerPollMs`, and reports the differences:
 *
 *   record alive, not draining, unknown (or a new incarnation)  -> up(record)
 *   record alive and draining, known                            -> draining(id): place nothing more
 *   record dead (key gone or another incarnation), known        -> gone(id, reason)
 *   known id missing from the registry (left cleanly, or Redis lost its data) -> gone(id, reason)
 *
 * A dead record is cleaned up: the registry entry is deleted only if it still holds that dead
 * incarnation, and its task stream is deleted — the entries in it were never run, or were
 * running on the dead worker; either way the engine reruns those attempts as `lost`, so
 * deleting them is what guarantees they never run twice.
 * A poll that fails (Redis away) decides nothing: a worker is never declared dead because the
 * engine could not see it.
 */
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.js';
import { decodeWorker, type WorkerRecord } from './protocol.js';

const SNAPSHOT = `local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  local v = redis.call('GET', ARGV[1] .. all[i])
  out[#out + 1] = all[i + 1]
  out[#out + 1] = v or ''
end
return out`;

const CLEAN = `local rec = redis.call('HGET', KEYS[1], ARGV[1])
if rec and string.find(rec, ARGV[2], 1, true) and redis.call('GET', KEYS[2]) ~= ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('DEL', KEYS[3])
return 1`;

export interface RegistryHandlers {
  up(record: WorkerRecord): void;
  draining(id: string): void;
  gone(id: string, incarnation: string, reason: string): void;
  error(err: unknown): void;
}

interface Known {
  readonly incarnation: string;
  draining: boolean;
  /** The newest task-entry form it reads (protocol.ts): 2 for a record without `protocol`. */
  readonly protocol: number;
}

export class RegistryWatch {
  readonly #known = new Map<string, Known>();
  #timer: NodeJS.Timeout | null = null;
  #polling = false;

  constructor(readonly redis: Redis, readonly keys: FleetKeys, readonly pollMs: number, readonly on: RegistryHandlers) {}

  start(): void {
    void this.poll();
    this.#timer = setInterval(() => void this.poll(), this.pollMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** The incarnation of a worker the engine may place on (alive, not draining), or undefined. */
  incarnationOf(id: string): string | undefined {
    const k = this.#known.get(id);
    return k === undefined ? undefined : k.incarnation;
  }

  /** The newest task-entry form a known worker reads (protocol.ts); 2 when unknown. */
  protocolOf(id: string): number {
    return this.#known.get(id)?.protocol ?? 2;
  }

  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const flat = (await this.redis.eval(SNAPSHOT, 1, this.keys.registry, `${this.keys.prefix}:worker:`)) as string[];
      const seen = new Set<string>();
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const rec = decodeWorker(flat[i]);
        if (rec === null) continue;
        seen.add(rec.id);
        const alive = flat[i + 1] === rec.incarnation;
        const known = this.#known.get(rec.id);
        if (known !== undefined && known.incarnation !== rec.incarnation) {
          this.#known.delete(rec.id);
          this.on.gone(rec.id, known.incarnation, `worker ${rec.id} restarted (new incarnation)`);
          void this.#clean(rec.id, known.incarnation);
        }
        if (!alive) {
          if (this.#known.delete(rec.id)) this.on.gone(rec.id, rec.incarnation, `worker ${rec.id} stopped heartbeating (no heartbeat for ${rec.ttlMs} ms)`);
          void this.#clean(rec.id, rec.incarnation);
          continue;
        }
        const k = this.#known.get(rec.id);
        if (k === undefined) {
          this.#known.set(rec.id, { incarnation: rec.incarnation, draining: rec.draining, protocol: typeof rec.protocol === 'number' ? rec.protocol : 2 });
          if (!rec.draining) this.on.up(rec);
        } else if (rec.draining && !k.draining) {
          k.draining = true;
          this.on.draining(rec.id);
        }
      }
      for (const [id, k] of this.#known) {
        if (seen.has(id)) continue;
        this.#known.delete(id);
        this.on.gone(id, k.incarnation, `worker ${id} left the registry`);
        void this.#clean(id, k.incarnation);
      }
    } catch (err) {
      this.on.error(err);
    } finally {
      this.#polling = false;
    }
  }

  #clean(id: string, incarnation: string): Promise<void> {
    return this.redis.eval(CLEAN, 3, this.keys.registry, this.keys.heartbeat(id), this.keys.tasks(id, incarnation), id, incarnation)
      .then(() => undefined, (err: unknown) => this.on.error(err));
  }
}
