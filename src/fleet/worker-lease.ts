/**
 * A worker's place in the registry and its heartbeat.
 *
 * register(): SET <p>:worker:<id> = incarnation PX ttl, then HSET <p>:workers <id> record (in that
 * order, in one MULTI: the engine reads both in one Lua script, so it never sees a record
 * without its key because of a half-done registration).
 * beat(): a Lua compare-and-extend — the TTL is extended only if the key still holds OUR
 * incarnation. If it does not (we were frozen past the TTL, Redis lost its data, or the engine
 * already declared us dead), the lease is lost: the caller stops what it runs (it has been
 * rescheduled elsewhere) and registers again as a new incarnation with a new task stream.
 * leave(): deletes the key and the record (only if they are still ours).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Resources } from '../core/resources.js';
import type { FleetKeys } from './keys.js';
import { PROTOCOL, type WorkerRecord } from './protocol.js';

const BEAT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end return 0`;
const LEAVE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
local rec = redis.call('HGET', KEYS[2], ARGV[2])
if rec and string.find(rec, ARGV[1], 1, true) then redis.call('HDEL', KEYS[2], ARGV[2]) end
return 1`;

export function newIncarnation(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

export interface LeaseSpec {
  readonly id: string;
  readonly pool: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: Resources;
  readonly ttlMs: number;
}

export class WorkerLease {
  #record: WorkerRecord;

  constructor(readonly redis: Redis, readonly keys: FleetKeys, spec: LeaseSpec) {
    this.#record = {
      id: spec.id, incarnation: newIncarnation(), pool: spec.pool, labels: spec.labels, capacity: spec.capacity,
      ttlMs: spec.ttlMs, draining: false, host: hostname(), pid: process.pid, startedAt: Date.now(), protocol: PROTOCOL,
    };
  }

  get record(): WorkerRecord {
    return this.#record;
  }

  get stream(): string {
    return this.keys.tasks(this.#record.id, this.#record.incarnation);
  }

  async register(): Promise<void> {
    const r = this.#record;
    await this.redis.multi()
      .set(this.keys.heartbeat(r.id), r.incarnation, 'PX', r.ttlMs)
      .hset(this.keys.registry, r.id, JSON.stringify(r))
      .exec();
  }

  /** True while the lease holds; false = lost (see the file comment). */
  async beat(): Promise<boolean> {
    const r = this.#record;
    return (await this.redis.eval(BEAT, 1, this.keys.heartbeat(r.id), r.incarnation, r.ttlMs)) === 1;
  }

  /** Starts a new life: new incarnation (and task stream), registered at once. */
  async renew(): Promise<void> {
    this.#record = { ...this.#record, incarnation: newIncarnation(), draining: false, startedAt: Date.now() };
    await this.register();
  }

  async setDraining(): Promise<void> {
    this.#record = { ...this.#record, draining: true };
    await this.redis.hset(this.keys.registry, this.#record.id, JSON.stringify(this.#record));
  }

  async leave(): Promise<void> {
    const r = this.#record;
    await this.redis.eval(LEAVE, 2, this.keys.heartbeat(r.id), this.keys.registry, r.incarnation, r.id);
    await this.redis.del(this.stream);
  }
}
