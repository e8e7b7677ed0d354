/**
 * PostgresStore options, compiled once into a fully-resolved object (inner code never checks for
 * a missing field).
 */
import pg from 'pg';
import { fnv1a, ident } from './sql.js';

export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:port/database` (every libpq-style parameter pg accepts). The
   * store opens its own pool and `close()` ends it. Give this or `pool`.
   */
  readonly connectionString?: string;
  /** A pool the caller owns and shares: the store uses it and `close()` leaves it open. */
  readonly pool?: pg.Pool;
  /**
   * Schema that holds Kairos's tables; `migrate()` creates it when missing (the role then needs
   * CREATE on the database; otherwise create it beforehand, owned by the role). Default 'kairos'.
   */
  readonly schema?: string;
  /** Connections of the store's own pool (ignored with `pool`). Default 10. */
  readonly maxConnections?: number;
  /**
   * Partial-string search of runs. 'auto' (default): create the pg_trgm extension and a GIN
   * trigram index where the database allows it, plain ILIKE otherwise; 'off': never try (ILIKE).
   */
  readonly trigram?: 'auto' | 'off';
  /** Where the store's rare operational lines go (the pg_trgm fallback). Default: stderr. */
  readonly log?: (msg: string) => void;
  /**
   * A run's task-log rows appended (task-log.ts) before the store folds them into the tasks table
   * and deletes them, bounding what reading a long run's tasks parses. Default 256.
   */
  readonly logFoldRows?: number;
  /**
   * The same bound in task tuples (the task rows held by those log rows): a fold after this many.
   * Default 100,000: a read of the run's tasks parses at most ~11 MB of log JSON. A fold costs
   * about what the upserts it replaces did, so a run that ends before its first fold (up to
   * ~50,000 tasks run once) saves its upserts, and a longer one costs about what it did before
   * results went to the log (docs/benchmarks.md, session 6).
   */
  readonly logFoldTuples?: number;
}

export interface ResolvedOptions {
  readonly pool: pg.Pool;
  readonly ownsPool: boolean;
  readonly schema: string;
  /** The schema as a quoted SQL identifier, ready to prefix table names. */
  readonly s: string;
  /** Per-schema key: advisory-lock object id and prepared-statement name prefix. */
  readonly key: number;
  readonly trigram: 'auto' | 'off';
  readonly log: (msg: string) => void;
  readonly logFoldRows: number;
  readonly logFoldTuples: number;
}

const stderrLog = (msg: string): void => void process.stderr.write(msg + '\n');

export function resolveOptions(o: PostgresStoreOptions): ResolvedOptions {
  if ((o.pool === undefined) === (o.connectionString === undefined)) {
    throw new TypeError('PostgresStore: give exactly one of `connectionString` or `pool`');
  }
  const schema = o.schema ?? 'kairos';
  if (schema.length === 0 || schema.length > 63) throw new TypeError(`PostgresStore: invalid schema name '${schema}'`);
  const log = o.log ?? stderrLog;
  let pool = o.pool;
  if (pool === undefined) {
    pool = new pg.Pool({ connectionString: o.connectionString, max: o.maxConnections ?? 10, application_name: 'kairos' });
    // An idle connection that breaks (server restart) emits 'error' on the pool; unhandled, that
    // would end the process. The next query opens a fresh connection.
    pool.on('error', (err) => log(`kairos store: idle PostgreSQL connection lost: ${err.message}`));
  }
  const logFoldRows = Math.max(1, Math.floor(o.logFoldRows ?? 256));
  const logFoldTuples = Math.max(1, Math.floor(o.logFoldTuples ?? 100_000));
  return { pool, ownsPool: o.pool === undefined, schema, s: ident(schema), key: fnv1a(schema), trigram: o.trigram ?? 'auto', log, logFoldRows, logFoldTuples };
}
