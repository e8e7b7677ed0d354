/**
 * Where the CLI keeps state and how it opens it: `--state DIR`, else `$KAIROS_HOME`, else
 * `.kairos/` in the current folder. The embedded store is `<state>/kairos.db`.
 */
import { join, resolve } from 'node:path';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';

export function stateDir(opt: string | undefined): string {
  return resolve(opt ?? process.env.KAIROS_HOME ?? '.kairos');
}

export function openStore(dir: string): SqliteStore {
  return new SqliteStore(join(dir, 'kairos.db'));
}
