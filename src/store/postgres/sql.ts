/** Small SQL helpers shared by the PostgreSQL adapter's files. */
import pg from 'pg';

/** A quoted SQL identifier. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** FNV-1a of a string as a signed 32-bit integer (an advisory-lock id, a statement-name key). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** First key of every advisory lock Kairos takes ('KR'); the second is per purpose. */
export const LOCK_CLASS = 0x4b52;

const INT8_OID = 20;
const toNumber = (v: string): number => Number(v);
/**
 * Type parsers passed with every query (so they hold on a caller's pool too): bigint columns
 * (millisecond times, counts) come back as numbers, not strings; all stay below 2^53.
 */
export const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? toNumber : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export type Queryable = pg.Pool | pg.PoolClient;

/** Runs a statement; a `name` makes it a prepared statement, parsed once per connection. */
export function query(c: Queryable, text: string, values: unknown[] = [], name?: string): Promise<pg.QueryResult<any>> {
  return c.query({ text, values, types: TYPES, ...(name === undefined ? {} : { name }) });
}

/** SQLSTATE of a database error, or undefined. */
export const sqlState = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined;

/** Runs `fn` in one transaction on one connection: COMMIT on success, ROLLBACK on any error. */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    try {
      await c.query('ROLLBACK');
    } catch {
      broken = true; // the connection is unusable: destroy it rather than return it to the pool
    }
    throw e;
  } finally {
    c.release(broken);
  }
}
