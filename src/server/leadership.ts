/**
 * Which server replica drives runs (docs/operations.md "Several servers").
 *
 * Every replica serves the whole API; exactly one — the holder of the store's leader lease (a
 * PostgreSQL advisory lock) — drives runs: its engine schedules and dispatches. Replicas write
 * submits and retries to the store with no owner (engine/stored-ops.ts) and wake the leader.
 *
 *   replica --acquire ok--> leader     adopts every unfinished run whose owner is absent, dead
 *                                      or silent (3 heartbeats), then polls every `adoptMs` and
 *                                      on each wake-up
 *   leader  --check fails-> lost       the session that held the lock broke: another replica may
 *                                      lead already, so this one stops driving at once (`onLost`:
 *                                      the server exits; its supervisor restarts it as a replica)
 *
 * Takeover time after a leader dies = the database noticing the dead session (immediate for a
 * killed process; TCP keepalive for a partition) + at most `checkMs` until a replica's next
 * acquire + the run owners' staleness (3 x heartbeat; the dead leader's pid is recognised at
 * once on the same host).
 *
 * A store without a lease (SQLite: one process) makes this server the leader from the start; it
 * adopts once, at start (the runs its previous life left unfinished), when `adoptAtStart`.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Engine } from '../engine/engine.js';
import type { LeaderLease, Store } from '../store/types.js';
import { KairosError } from '../core/errors.js';

export interface LeadershipOptions {
  readonly store: Store;
  readonly engine: Engine;
  readonly log: FastifyBaseLogger;
  /** How often a replica tries the lease and the leader proves it still holds it. Default 1,000 ms. */
  readonly checkMs?: number;
  /** How often the leader looks for runs nobody drives. Default 2,000 ms. */
  readonly adoptMs?: number;
  /** The leader lost its lease. Default: log and exit the process with status 1. */
  readonly onLost?: () => void;
  /** Without a lease: take over the unfinished runs at start (config `resumeOnStart`). Default true. */
  readonly adoptAtStart?: boolean;
}

export class Leadership {
  readonly #o: Required<Omit<LeadershipOptions, 'onLost'>> & { onLost: () => void };
  readonly #lease: LeaderLease | null;
  #leader: boolean;
  #timer: NodeJS.Timeout | null = null;
  #lastAdopt = 0;
  #adopting: Promise<void> | null = null;
  #adoptAgain = false;
  #stopped = false;

  constructor(o: LeadershipOptions) {
    this.#o = {
      checkMs: 1000, adoptMs: 2000, adoptAtStart: true,
      onLost: () => {
        o.log.fatal('lost the scheduler lease: stopping at once so that two servers never drive the same runs');
        process.exit(1);
      },
      ...o,
    };
    this.#lease = o.store.leaderLease?.() ?? null;
    this.#leader = this.#lease === null;
    this.#lease?.onWake(() => void this.adopt());
  }

  /** True when this server drives runs. */
  get isLeader(): boolean {
    return this.#leader;
  }

  /** 'leader' or 'replica', for /healthz and logs. */
  get role(): 'leader' | 'replica' {
    return this.#leader ? 'leader' : 'replica';
  }

  /** Whether several replicas coordinate through a lease (false on SQLite). */
  get shared(): boolean {
    return this.#lease !== null;
  }

  /** First acquire attempt, then the periodic loop (without a lease: the adoption at start). */
  async start(): Promise<void> {
    if (this.#lease === null) return this.#o.adoptAtStart ? this.adopt() : undefined;
    await this.#step();
    const tick = (): void => {
      this.#timer = setTimeout(() => void this.#step().finally(() => !this.#stopped && tick()), this.#o.checkMs);
      this.#timer.unref();
    };
    tick();
  }

  /** Tells the leader that new work is in the store (a no-op on the leader itself or on SQLite). */
  async wake(): Promise<void> {
    if (this.#lease === null || this.#leader) return;
    try {
      await this.#lease.wake();
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 'could not wake the leader (it will find the work on its next poll)');
    }
  }

  /**
   * Drives every unfinished run this engine does not drive yet and may claim (owner absent,
   * dead or silent). Calls made while one is in progress coalesce into one more pass.
   */
  adopt(): Promise<void> {
    if (!this.#leader || this.#stopped) return Promise.resolve();
    if (this.#adopting) {
      this.#adoptAgain = true;
      return this.#adopting;
    }
    this.#adopting = (async () => {
      do {
        this.#adoptAgain = false;
        this.#lastAdopt = Date.now();
        await this.#adoptOnce();
      } while (this.#adoptAgain && this.#leader && !this.#stopped);
    })().finally(() => (this.#adopting = null));
    return this.#adopting;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#adopting;
    await this.#lease?.release();
  }

  async #step(): Promise<void> {
    if (this.#stopped || this.#lease === null) return;
    if (this.#leader) {
      if (!(await this.#lease.check())) {
        this.#leader = false;
        if (!this.#stopped) this.#o.onLost();
        return;
      }
      if (Date.now() - this.#lastAdopt >= this.#o.adoptMs) await this.adopt();
      return;
    }
    if (await this.#lease.acquire()) {
      this.#leader = true;
      this.#o.log.info('took the scheduler lease: this server now drives runs');
      await this.adopt();
    }
  }

  async #adoptOnce(): Promise<void> {
    const { engine, store, log } = this.#o;
    let adopted = 0;
    let rows;
    try {
      rows = await store.unfinishedRuns();
    } catch (err) {
      return void log.warn({ err: (err as Error).message }, 'could not list unfinished runs (retrying on the next poll)');
    }
    for (const run of rows) {
      if (engine.runs.has(run.id) || this.#stopped) continue;
      try {
        await engine.resume(run.id);
        adopted++;
      } catch (err) {
        // Another live owner (heartbeat fresh) or a run that just finished: not ours, not now.
        if (err instanceof KairosError && (err.code === 'STORE_LOCKED' || err.code === 'ILLEGAL_TRANSITION')) continue;
        log.warn({ run: run.id, err: (err as Error).message }, 'could not take over run');
      }
    }
    if (adopted > 0) log.info({ adopted }, 'driving runs found in the store');
  }
}
