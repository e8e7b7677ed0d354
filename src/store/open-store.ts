/**
 * Opens the store a URL names — the one place that knows the schemes:
 *   (none)            SQLite at `<stateDir>/kairos.db` (the embedded default)
 *   sqlite:PATH       SQLite at PATH
 *   postgres://...    PostgreSQL (also postgresql://), migrated on open
 * Unknown schemes are refused with the list of known ones.
 */
import { join } from 'node:path';
import { KairosError } from '../core/errors.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import type { Store } from './types.js';

export async function openStoreUrl(url: string | null | undefined, stateDir: string, log?: (msg: string) => void): Promise<Store> {
  if (url === null || url === undefined || url === '') return new SqliteStore(join(stateDir, 'kairos.db'));
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresStore.open({ connectionString: url, ...(log ? { log } : {}) });
  throw new KairosError('PARAM_INVALID', `store '${redactUrl(url)}': unknown scheme; use postgres://user:pass@host/db, sqlite:PATH, or nothing for SQLite in the state folder`, { field: 'store' });
}

/** A URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
