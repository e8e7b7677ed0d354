/**
 * The engine's side of the dispatch fabric: puts attempts on workers' task streams, publishes
 * cancels, reads results and logs, watches the registry.
 *
 * Results are read with XREADGROUP in the `engine` group (consumer = the engine's owner id) and
 * handed to `onResults` with their entry ids; the caller calls `ack(ids)` once what they changed
 * is committed to the store (write-ahead: a crash before the commit leaves them pending, and the
 * next leader claims them with XAUTOCLAIM after `claimIdleMs`). Logs are appended to the log
 * files at once and acknowledged (a log piece decides nothing).
 * Acknowledged entries are also deleted (XDEL): the streams hold only what is in flight.
 */
import type { Redis } from 'ioredis';
import type { ResolvedBroker } from './broker-options.js';
import { ENGINE_GROUP, FleetKeys } from './keys.js';
import { DELTA, decodeLog, decodeResults, encodeTasks, type ResultMessage, type TaskMessage } from './protocol.js';
import { connectRedis, ensureGroup, isNoGroup, messageOf, readGroup, sleep, type StreamEntry } from './redis.js';
import { OwnPending } from './own-pending.js';
import { RegistryWatch, type RegistryHandlers } from './registry-watch.js';
import { LogSink } from './log-sink.js';

/** One results entry: a worker's results of one event-loop turn. */
export interface ReceivedResult {
  readonly id: string;
  readonly msgs: readonly ResultMessage[];
}

export interface EngineLinkHandlers extends RegistryHandlers {
  results(batch: readonly ReceivedResult[]): void;
}

/** One worker's attempts of this event-loop turn, sent as one task stream entry. */
interface Outgoing {
  readonly stream: string;
  readonly incarnation: string;
  readonly msgs: TaskMessage[];
  readonly delta: boolean;
}

/** Entries read per XREADGROUP: a burst of results becomes one engine tick. */
const READ_COUNT = 4000;

export class EngineLink {
  readonly keys: FleetKeys;
  readonly registry: RegistryWatch;
  readonly #cmd: Redis;
  readonly #block: Redis;
  /**
   * Results entries read and not yet acknowledged, and the recovery of deliveries lost with the
   * read connection (own-pending.ts): without it such an entry waited for the XAUTOCLAIM timer
   * (`claimIdleMs`, 30 s by default) while its run stood still.
   */
  readonly #pending: OwnPending;
  readonly #sink: LogSink;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();
  #claimTimer: NodeJS.Timeout | null = null;
  /**
   * Attempts queued this event-loop turn, by worker id (not by stream name: building and hashing
   * that string per task cost more than the lookup); `delta`: the worker reads delta entries.
   */
  readonly #outbox = new Map<string, Outgoing>();
  #sendQueued = false;

  constructor(readonly broker: ResolvedBroker, readonly consumer: string, logDir: string, readonly on: EngineLinkHandlers) {
    this.keys = new FleetKeys(broker.prefix);
    this.#cmd = connectRedis(broker.url, `kairos-engine:${consumer}`);
    this.#block = connectRedis(broker.url, `kairos-engine-read:${consumer}`, { blocking: true });
    for (const r of [this.#cmd, this.#block]) r.on('error', (e: Error) => on.error(new Error(`redis: ${e.message}`)));
    this.#pending = new OwnPending(this.#block);
    this.#sink = new LogSink(logDir);
    this.registry = new RegistryWatch(this.#cmd, this.keys, broker.workerPollMs, on);
  }

  start(): void {
    this.registry.start();
    this.#loop = this.#readLoop();
    this.#claimTimer = setInterval(() => void this.#claim(), Math.max(1000, this.broker.claimIdleMs / 2));
  }

  /**
   * Queues one attempt for a worker's task stream; the attempts queued in one event-loop turn (a
   * tick's dispatches) go out as one entry per worker (`#send`).
   */
  dispatch(workerId: string, incarnation: string, msg: TaskMessage): void {
    const out = this.#outbox.get(workerId);
    if (out !== undefined && out.incarnation === incarnation) out.msgs.push(msg);
    else {
      if (out !== undefined) this.#xadd(out); // the worker restarted within this turn: its old batch first
      const delta = this.registry.protocolOf(workerId) >= DELTA;
      this.#outbox.set(workerId, { stream: this.keys.tasks(workerId, incarnation), incarnation, msgs: [msg], delta });
    }
    if (!this.#sendQueued) (this.#sendQueued = true), setImmediate(() => this.#send());
  }

  #send(): void {
    this.#sendQueued = false;
    for (const out of this.#outbox.values()) this.#xadd(out);
    this.#outbox.clear();
  }

  #xadd(out: Outgoing): void {
    this.#cmd.xadd(out.stream, '*', 'm', encodeTasks(out.msgs, out.delta)).catch((e: unknown) => this.on.error(e));
  }

  /** Best effort (pub/sub): a worker that misses it lets the attempt finish; its result is then fenced off. */
  cancel(workerId: string, attemptId: string): void {
    this.#cmd.publish(this.keys.control(workerId), JSON.stringify({ cancel: attemptId })).catch((e: unknown) => this.on.error(e));
  }

  ack(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const r = this.keys.results;
    this.#pending.release(r, ids);
    this.#cmd.xack(r, ENGINE_GROUP, ...ids).catch((e: unknown) => this.on.error(e));
    this.#cmd.xdel(r, ...ids).catch((e: unknown) => this.on.error(e));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#send();
    this.registry.stop();
    if (this.#claimTimer) clearInterval(this.#claimTimer);
    this.#block.disconnect();
    await this.#loop;
    await this.#cmd.quit().catch(() => this.#cmd.disconnect());
  }

  async #ensureGroups(): Promise<void> {
    await ensureGroup(this.#cmd, this.keys.results, ENGINE_GROUP);
    await ensureGroup(this.#cmd, this.keys.logs, ENGINE_GROUP);
  }

  async #readLoop(): Promise<void> {
    await this.#ensureGroups().catch((e: unknown) => this.on.error(e));
    while (!this.#closed) {
      let reply;
      try {
        if (this.#pending.due) {
          await this.#recover();
          continue;
        }
        reply = await readGroup(this.#block, ENGINE_GROUP, this.consumer, READ_COUNT, 1000, [this.keys.logs, this.keys.results]);
      } catch (err) {
        if (this.#closed) break;
        // NOGROUP: Redis restarted without its data; the groups are made again from the start.
        if (isNoGroup(err)) await this.#ensureGroups().catch((e: unknown) => this.on.error(e));
        else (this.on.error(err), await sleep(200));
        continue;
      }
      if (reply === null) continue;
      for (const [stream, entries] of reply) {
        if (stream === this.keys.logs) this.#logs(entries);
        else this.#results(entries);
      }
    }
  }

  /** After a (re)connection: this consumer's pending logs and results that it does not hold (own-pending.ts). */
  async #recover(): Promise<void> {
    const logs = await this.#pending.recover(this.#block, ENGINE_GROUP, this.consumer, this.keys.logs);
    const results = await this.#pending.recover(this.#block, ENGINE_GROUP, this.consumer, this.keys.results);
    if (logs.entries.length > 0) this.#logs(logs.entries);
    if (results.entries.length > 0) this.#results(results.entries);
    if (logs.deleted.length > 0) this.#cmd.xack(this.keys.logs, ENGINE_GROUP, ...logs.deleted).catch((e: unknown) => this.on.error(e));
    this.ack(results.deleted);
  }

  #logs(entries: StreamEntry[]): void {
    const ids: string[] = [];
    for (const e of entries) {
      ids.push(e[0]);
      const m = decodeLog(messageOf(e));
      if (m === null) continue;
      try {
        this.#sink.append(m);
      } catch (err) {
        this.on.error(err);
      }
    }
    // Held until acknowledged: a recovery meanwhile must not append a piece twice.
    for (const id of ids) this.#pending.hold(this.keys.logs, id);
    const release = (): void => this.#pending.release(this.keys.logs, ids);
    this.#cmd.xack(this.keys.logs, ENGINE_GROUP, ...ids).then(release, (e: unknown) => (release(), this.on.error(e)));
    this.#cmd.xdel(this.keys.logs, ...ids).catch((e: unknown) => this.on.error(e));
  }

  #results(entries: StreamEntry[]): void {
    const batch: ReceivedResult[] = [];
    const empty: string[] = [];
    let bad = 0;
    for (const e of entries) {
      this.#pending.hold(this.keys.results, e[0]);
      const d = decodeResults(messageOf(e));
      bad += d.bad;
      if (d.items.length === 0) empty.push(e[0]);
      else batch.push({ id: e[0], msgs: d.items });
    }
    if (bad > 0) this.on.error(new Error(`${bad} malformed result(s) dropped`));
    this.ack(empty);
    if (batch.length > 0) this.on.results(batch);
  }

  /** Adopts results left pending by another engine consumer (a dead leader) for claimIdleMs. */
  async #claim(): Promise<void> {
    if (this.#closed) return;
    try {
      let cursor = '0-0';
      for (let i = 0; i < 100; i++) {
        const reply = (await this.#cmd.xautoclaim(this.keys.results, ENGINE_GROUP, this.consumer, this.broker.claimIdleMs, cursor, 'COUNT', 1000)) as [string, StreamEntry[]];
        const entries = reply[1].filter((e) => e !== null && Array.isArray(e[1]));
        if (entries.length > 0) this.#results(entries);
        cursor = reply[0];
        if (cursor === '0-0') break;
      }
    } catch (err) {
      if (!isNoGroup(err)) this.on.error(err);
    }
  }
}
