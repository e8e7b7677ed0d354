/**
 * Where the CLI keeps state and how it opens it: `--state DIR`, else `$KAIROS_HOME`, else
 * `.kairos/` in the current folder. The store is `--store URL`, else `$KAIROS_STORE`, else
 * SQLite at `<state>/kairos.db` (see src/store/open-store.ts for the schemes).
 */
import { resolve } from 'node:path';
import { KairosError } from '../core/errors.js';
import { openStoreUrl } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { CliExit } from './fail.js';

export function stateDir(opt: string | undefined): string {
  return resolve(opt ?? process.env.KAIROS_HOME ?? '.kairos');
}

/** The help text of every command's `--store` option. */
export const STORE_OPTION_HELP = 'store URL: postgres://... or sqlite:PATH (default $KAIROS_STORE, else SQLite in the state folder)';

export async function openStore(dir: string, url?: string): Promise<Store> {
  try {
    return await openStoreUrl(url ?? process.env.KAIROS_STORE, dir);
  } catch (e) {
    if (e instanceof KairosError) throw new CliExit(2, e.message);
    throw new CliExit(1, `cannot open the store: ${(e as Error).message}`);
  }
}
