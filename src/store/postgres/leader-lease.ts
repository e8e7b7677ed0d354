/**
 * The scheduler lease on PostgreSQL: a session-level advisory lock (LOCK_CLASS, per-schema key)
 * held on a dedicated connection, outside the store's pool. PostgreSQL releases it when that
 * session ends, so a killed leader frees it within the server's detection of the dead socket
 * (immediate on a local kill; TCP keepalive bounds a network partition). Wake-ups ride on
 * LISTEN/NOTIFY: only the holder listens; any replica notifies.
 *
 * Invariant: a session lock is never released behind our back while the session lives, so the
 * holder proves it still leads by proving its session alive (`SELECT 1` on that connection).
 */
import pg from 'pg';
import type { LeaderLease } from '../types.js';
import { fnv1a, ident, LOCK_CLASS } from './sql.js';

export interface LeaseTarget {
  /** The store's pool: the lease takes one connection of it for itself until `release`. */
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly log: (msg: string) => void;
}

export class PostgresLeaderLease implements LeaderLease {
  readonly #t: LeaseTarget;
  readonly #key: number;
  readonly #channel: string;
  readonly #listeners: (() => void)[] = [];
  #client: pg.PoolClient | null = null;
  #held = false;
  #lost = false;

  constructor(target: LeaseTarget) {
    this.#t = target;
    this.#key = fnv1a(`${target.schema}:leader`);
    // NOTIFY channels are identifiers: keep them short, lower-case and per schema.
    this.#channel = `kairos_leader_${(this.#key >>> 0).toString(36)}`;
  }

  async acquire(): Promise<boolean> {
    if (this.#held) return this.check();
    if (this.#lost) return false;
    try {
      const c = await this.#session();
      const r = await c.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS, this.#key]);
      if (r.rows[0]?.ok !== true) return false;
      await c.query(`LISTEN ${ident(this.#channel)}`);
      this.#held = true;
      return true;
    } catch (e) {
      this.#drop(`kairos lease: could not try the leader lock: ${(e as Error).message}`);
      return false;
    }
  }

  async check(): Promise<boolean> {
    if (!this.#held || this.#client === null) return false;
    try {
      await this.#client.query('SELECT 1');
      return true;
    } catch (e) {
      this.#lose(`kairos lease: the leader session broke: ${(e as Error).message}`);
      return false;
    }
  }

  async wake(): Promise<void> {
    await this.#t.pool.query('SELECT pg_notify($1, $2)', [this.#channel, '']);
  }

  onWake(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async release(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    this.#held = false;
    if (c === null) return;
    try {
      await c.query('SELECT pg_advisory_unlock_all()');
    } catch {
      // The session is gone: so is the lock.
    }
    c.release(true);
  }

  /** The dedicated session, taken on first use; `release(true)` destroys it rather than pooling it. */
  async #session(): Promise<pg.PoolClient> {
    if (this.#client !== null) return this.#client;
    const c = await this.#t.pool.connect();
    c.on('error', (err: Error) => (this.#held ? this.#lose(`kairos lease: the leader session broke: ${err.message}`) : this.#drop(`kairos lease: session error: ${err.message}`)));
    c.on('notification', (n: pg.Notification) => {
      if (n.channel === this.#channel) for (const l of this.#listeners) l();
    });
    this.#client = c;
    return c;
  }

  /** The holder's session died: leadership is gone for good (the process must stop leading). */
  #lose(msg: string): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#held = false;
    this.#t.log(msg);
    this.#discard();
  }

  /** A non-holder's session failed: forget it; the next acquire opens a fresh one. */
  #drop(msg: string): void {
    this.#t.log(msg);
    this.#discard();
  }

  #discard(): void {
    const c = this.#client;
    this.#client = null;
    if (c !== null) c.release(true);
  }
}
