/**
 * `kairos worker`: runs the tasks the engine places on it, with the ordinary executors.
 *
 * Modes (the loop's state table):
 *   starting  -> register (heartbeat key + registry record), subscribe to cancels, then running
 *   running   -> XREADGROUP from its own task stream while a slot is free; each attempt of an
 *                entry runs at once; when an attempt ends: its last log piece, then its result is
 *                queued; once per event-loop turn the queued results go out as ONE entry, then the
 *                task entries whose attempts all reported are XACKed and XDELed (in this order on
 *                one connection, so the engine never sees a result before the log before it)
 *   draining  -> (SIGTERM) marked `draining` in the registry so the engine places nothing more;
 *                reads nothing new; running attempts finish and report; then leave
 *   stopped   -> heartbeat key and record deleted, connections closed
 * A lost lease (heartbeat found another or no incarnation: frozen past the TTL, or Redis lost its
 * data) aborts what runs — the engine has already rescheduled it; the late results it still sends
 * are fenced off by attempt number — and starts a new incarnation with a new task stream.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ExecResult } from '../exec/types.js';
import { failed } from '../exec/result.js';
import { LazyAbort } from '../exec/lazy-abort.js';
import { resolveBroker } from './broker-options.js';
import { FleetKeys, WORKER_GROUP } from './keys.js';
import { decodeTasks, fromTaskMessage, type LogMessage, type ResultMessage, type TaskMessage } from './protocol.js';
import { connectRedis, ensureGroup, isNoGroup, messageOf, readGroup, sleep, type StreamEntry } from './redis.js';
import { WorkerLease } from './worker-lease.js';
import { OwnPending } from './own-pending.js';
import { ResultOutbox, type Entry } from './result-outbox.js';
import { LogTail } from './log-tail.js';
import type { FleetWorkerOptions } from './worker-options.js';

export type { FleetWorkerOptions } from './worker-options.js';

interface Running {
  readonly msg: TaskMessage;
  readonly entry: Entry;
  readonly incarnation: string;
  readonly ac: LazyAbort; // its AbortSignal made only if an executor or handler reads it
  /** Shell/http: tailed while running. fn: null until the end (a fn handler rarely logs; see #fnEnded). */
  tail: LogTail | null;
  readonly startedAt: number;
  readonly logPath: string;
}

/** A fn attempt that ended, its result not yet queued: did its handler log? (see #fnEnded) */
interface FnEnded {
  readonly r: Running;
  readonly res: ExecResult;
  /** The log file's name in the fn log folder. */
  readonly name: string;
}

type Mode = 'starting' | 'running' | 'draining' | 'stopped';

const EMPTY: ReadonlySet<string> = new Set();

export class FleetWorker {
  readonly id: string;
  readonly #o: FleetWorkerOptions;
  readonly #keys: FleetKeys;
  readonly #cmd: Redis;
  readonly #block: Redis;
  readonly #sub: Redis;
  readonly #lease: WorkerLease;
  readonly #slots: number;
  readonly #logDir: string;
  /** fn attempts' logs: a folder of their own, listed once per flush (see #fnEnded). */
  readonly #fnLogDir: string;
  readonly #running = new Map<string, Running>();
  /** Entries read and not acknowledged; the recovery of lost deliveries (own-pending.ts). */
  readonly #pending: OwnPending;
  #mode: Mode = 'starting';
  #loop: Promise<void> = Promise.resolve();
  #beat: NodeJS.Timeout | null = null;
  #ship: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  #renewing = false;
  /** Results of this event-loop turn and the entries they finish (see #flush). */
  readonly #outbox: ResultOutbox;
  #fnEnded: FnEnded[] = [];
  #flushing: Promise<void> | null = null;
  /** Attempts finished since start (for the CLI's summary). */
  completed = 0;

  constructor(o: FleetWorkerOptions) {
    const b = resolveBroker({ url: o.url, ...(o.prefix ? { prefix: o.prefix } : {}) });
    this.#o = o;
    this.id = o.id ?? `${hostname()}-${process.pid}`;
    this.#keys = new FleetKeys(b.prefix);
    this.#slots = o.capacity.slots ?? 1;
    this.#cmd = connectRedis(b.url, `kairos-worker:${this.id}`);
    this.#block = connectRedis(b.url, `kairos-worker-read:${this.id}`, { blocking: true });
    this.#sub = connectRedis(b.url, `kairos-worker-ctl:${this.id}`, { blocking: true });
    for (const r of [this.#cmd, this.#block, this.#sub]) r.on('error', (e: Error) => this.#note('error', `redis: ${e.message}`));
    this.#pending = new OwnPending(this.#block);
    this.#outbox = new ResultOutbox(this.#cmd, this.#keys, this.#pending, () => this, (detail) => this.#note('error', detail));
    const ttlMs = o.ttlMs ?? 10_000;
    this.#lease = new WorkerLease(this.#cmd, this.#keys, { id: this.id, pool: o.pool ?? 'default', labels: o.labels ?? {}, capacity: o.capacity, ttlMs });
    this.#logDir = join(o.stateDir ?? join(tmpdir(), `kairos-worker-${this.id}`), 'logs');
    this.#fnLogDir = join(this.#logDir, 'fn');
    mkdirSync(this.#fnLogDir, { recursive: true });
  }

  get mode(): Mode {
    return this.#mode;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  get incarnation(): string {
    return this.#lease.record.incarnation;
  }

  async start(): Promise<void> {
    await ensureGroup(this.#cmd, this.#lease.stream, WORKER_GROUP);
    await this.#lease.register();
    await this.#sub.subscribe(this.#keys.control(this.id));
    this.#sub.on('message', (_ch: string, text: string) => this.#onControl(text));
    const ttl = this.#lease.record.ttlMs;
    this.#beat = setInterval(() => void this.#heartbeat(), this.#o.heartbeatMs ?? Math.max(50, Math.floor(ttl / 3)));
    this.#ship = setInterval(() => this.#shipRunningLogs(), this.#o.logShipMs ?? 500);
    this.#mode = 'running';
    this.#note('registered', `worker ${this.id} (incarnation ${this.incarnation}) pool=${this.#lease.record.pool} slots=${this.#slots}`);
    this.#loop = this.#readLoop();
  }

  /** SIGTERM: takes nothing new, lets running attempts finish and report, then leaves. */
  async drain(): Promise<void> {
    if (this.#mode !== 'running') return;
    this.#mode = 'draining';
    this.#note('draining', `${this.#running.size} attempt(s) still running`);
    await this.#lease.setDraining().catch((e: Error) => this.#note('error', `draining: ${e.message}`));
    this.#wake?.();
    await this.#loop;
    while (this.#running.size > 0) await new Promise<void>((r) => (this.#wake = r));
    await this.#shutdown();
  }

  /** Stops at once: running attempts are aborted (they report `cancelled`, then it leaves). */
  async stop(): Promise<void> {
    if (this.#mode === 'stopped') return;
    this.#mode = 'draining';
    for (const r of this.#running.values()) r.ac.abort();
    this.#wake?.();
    await this.#loop;
    while (this.#running.size > 0) await new Promise<void>((r) => (this.#wake = r));
    await this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    await this.#flush();
    if (this.#beat) clearInterval(this.#beat);
    if (this.#ship) clearInterval(this.#ship);
    await this.#lease.leave().catch((e: Error) => this.#note('error', `leave: ${e.message}`));
    this.#mode = 'stopped';
    this.#note('stopped', `${this.completed} attempt(s) completed`);
    this.#block.disconnect();
    this.#sub.disconnect();
    await this.#cmd.quit().catch(() => this.#cmd.disconnect());
  }

  async #readLoop(): Promise<void> {
    while (this.#mode === 'running') {
      const free = this.#slots - this.#running.size;
      if (free <= 0 || this.#renewing) {
        await new Promise<void>((r) => {
          this.#wake = r;
          setTimeout(r, 1000); // also re-checks the mode now and then
        });
        continue;
      }
      const stream = this.#lease.stream;
      const incarnation = this.incarnation;
      let reply;
      try {
        if (this.#pending.due) {
          const lost = await this.#pending.recover(this.#block, WORKER_GROUP, this.id, stream);
          const n = lost.entries.length;
          if (n > 0) this.#note('recovered', `${n} task entr${n === 1 ? 'y' : 'ies'} delivered on a lost connection taken again`);
          if (incarnation !== this.incarnation) continue;
          for (const entry of lost.entries) this.#take(entry, stream, incarnation, true);
          // Deleted meanwhile: nothing to run, only to acknowledge.
          for (const id of lost.deleted) this.#pending.hold(stream, id), this.#outbox.done({ id, stream, form: 1, left: 0 });
          if (lost.deleted.length > 0) this.#scheduleFlush();
          continue;
        }
        reply = await readGroup(this.#block, WORKER_GROUP, this.id, free, 1000, [stream]);
      } catch (err) {
        // NOGROUP: Redis lost its data (recreate ours), or the engine deleted a previous
        // incarnation's stream while we read it (leave it deleted).
        if (isNoGroup(err)) {
          if (stream === this.#lease.stream) await ensureGroup(this.#cmd, stream, WORKER_GROUP).catch(() => undefined);
        }
        else if (this.#mode === 'running') (this.#note('error', `read: ${(err as Error).message}`), await sleep(200));
        continue;
      }
      if (reply === null) continue;
      // Entries of a previous incarnation (read before a lost lease) were rescheduled: drop them.
      if (incarnation !== this.incarnation) continue;
      for (const [, entries] of reply) for (const entry of entries) this.#take(entry, stream, incarnation);
    }
  }

  /** Runs an entry's attempts; `recovered` (own-pending.ts): except any it already runs (#running is keyed by attempt). */
  #take(entry: StreamEntry, stream: string, incarnation: string, recovered = false): void {
    this.#pending.hold(stream, entry[0]);
    const { items, bad, form } = decodeTasks(messageOf(entry));
    if (bad > 0) this.#note('error', `${bad} malformed task(s) in entry ${entry[0]} dropped`);
    const fresh = recovered ? items.filter((m) => !this.#running.has(m.attemptId)) : items;
    const e: Entry = { id: entry[0], stream, form, left: fresh.length };
    if (fresh.length === 0) this.#outbox.done(e), this.#scheduleFlush();
    for (const msg of fresh) this.#run(msg, e, incarnation);
  }

  #run(msg: TaskMessage, entry: Entry, incarnation: string): void {
    const fn = msg.action.kind === 'fn';
    const logPath = `${fn ? this.#fnLogDir : this.#logDir}/${msg.runId}__${msg.taskId}.${msg.attempt}.log`;
    const req = fromTaskMessage(msg, logPath);
    const r: Running = { msg, entry, incarnation, ac: new LazyAbort(), tail: fn ? null : new LogTail(logPath), startedAt: Date.now(), logPath };
    this.#running.set(msg.attemptId, r);
    let p: Promise<ExecResult>;
    try {
      // As the engine's attempt runner: no AbortController per attempt (workers 27 -> 18 µs/task).
      const e = this.#o.executors.get(msg.action.kind);
      p = e?.executeLazy !== undefined ? e.executeLazy(req, r.ac) : this.#o.executors.execute(req, r.ac.signal);
    } catch (err) {
      p = Promise.resolve(failed(`executor error: ${(err as Error).message}`));
    }
    p.then((res) => this.#ended(r, res), (err: unknown) => this.#ended(r, failed(`executor error: ${(err as Error)?.message ?? String(err)}`)));
  }

  #ended(r: Running, res: ExecResult): void {
    if (r.tail !== null) return void this.#shipThenReport(r, res);
    this.#fnEnded.push({ r, res, name: r.logPath.slice(this.#fnLogDir.length + 1) });
    this.#scheduleFlush();
  }

  /**
   * fn attempts that ended since the last flush. A fn handler's log file exists only if it called
   * ctx.log() (the executor opens it on the first line and has closed it when the attempt ends):
   * ONE listing of the fn log folder per flush tells which — not a stat per attempt, which was a
   * third of a no-op worker's CPU (bench/fleet/commit-share.ts, FLEET_WORKER_PROF). The folder
   * is usually empty: shipped logs are deleted.
   */
  #fnResults(): void {
    const ended = this.#fnEnded;
    if (ended.length === 0) return;
    this.#fnEnded = [];
    let logged: ReadonlySet<string>;
    try {
      const names = readdirSync(this.#fnLogDir);
      logged = names.length === 0 ? EMPTY : new Set(names);
    } catch {
      logged = EMPTY; // the folder is gone (cleaned up under us): nothing was logged there since
    }
    for (const e of ended) {
      if (!logged.has(e.name)) this.#report(e.r, e.res);
      else (e.r.tail = new LogTail(e.r.logPath)), void this.#shipThenReport(e.r, e.res);
    }
  }

  /** The attempt's last log piece, then its result (the engine never sees a result before its log). */
  async #shipThenReport(r: Running, res: ExecResult): Promise<void> {
    try {
      await this.#shipLog(r);
      void unlink(r.logPath).catch(() => undefined);
    } catch (err) {
      this.#note('error', `shipping the log of ${r.msg.attemptId}: ${(err as Error).message}`);
    }
    this.#report(r, res);
  }

  /** Queues the result for the next flush and frees the attempt's slot. */
  #report(r: Running, res: ExecResult): void {
    const m = r.msg;
    const result: ResultMessage = {
      runId: m.runId, taskId: m.taskId, attempt: m.attempt, workerId: this.id, incarnation: r.incarnation, outcome: res.outcome,
      exitCode: res.exitCode, signal: res.signal, outputs: res.outputs, error: res.error, startedAt: r.startedAt, finishedAt: Date.now(),
    };
    this.#outbox.result(r.entry.form, res.usage === undefined ? result : { ...result, usage: res.usage });
    if (--r.entry.left === 0) this.#outbox.done(r.entry);
    this.#scheduleFlush();
    this.completed++;
    this.#running.delete(m.attemptId);
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  #scheduleFlush(): void {
    if (this.#flushing === null) this.#flushing = new Promise<void>((resolve) => setImmediate(() => void this.#flush().then(resolve)));
  }

  /** The fn attempts that ended, then the queued results and finished entries (result-outbox.ts). */
  async #flush(): Promise<void> {
    this.#flushing = null;
    this.#fnResults();
    await this.#outbox.send();
  }

  #shipLog(r: Running): Promise<void> {
    const m = r.msg;
    return r.tail!.read((chunk) => {
      const log: LogMessage = { runId: m.runId, taskId: m.taskId, attempt: m.attempt, chunk };
      void this.#cmd.xadd(this.#keys.logs, '*', 'm', JSON.stringify(log)).catch((e: Error) => this.#note('error', `log: ${e.message}`));
    });
  }

  #shipRunningLogs(): void {
    for (const r of this.#running.values()) if (r.tail !== null) void this.#shipLog(r);
  }

  #onControl(text: string): void {
    try {
      const m = JSON.parse(text) as { cancel?: unknown };
      if (typeof m.cancel === 'string') this.#running.get(m.cancel)?.ac.abort();
    } catch {
      this.#note('error', 'malformed control message dropped');
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#mode === 'stopped' || this.#renewing) return;
    let held: boolean;
    try {
      held = await this.#lease.beat();
    } catch (err) {
      return this.#note('error', `heartbeat: ${(err as Error).message}`); // Redis away: retried next period
    }
    if (held) return;
    this.#renewing = true;
    try {
      this.#note('lease_lost', `heartbeat key expired or replaced; aborting ${this.#running.size} attempt(s) (rescheduled by the engine)`);
      for (const r of this.#running.values()) r.ac.abort();
      const draining = this.#mode === 'draining';
      await this.#lease.renew();
      await ensureGroup(this.#cmd, this.#lease.stream, WORKER_GROUP);
      if (draining) await this.#lease.setDraining();
      this.#note('registered', `new incarnation ${this.incarnation}`);
    } catch (err) {
      this.#note('error', `re-register: ${(err as Error).message}`);
    } finally {
      this.#renewing = false;
      this.#wake?.();
    }
  }

  #note(kind: Parameters<NonNullable<FleetWorkerOptions['onEvent']>>[0], detail: string): void {
    this.#o.onEvent?.(kind, detail);
  }
}
