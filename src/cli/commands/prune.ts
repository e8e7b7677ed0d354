/**
 * `kairos prune --older-than 30d`: history retention once, from the command line — the pass
 * `kairos server --retention` makes periodically (src/engine/history-retention.ts,
 * docs/operations.md "History retention"), over the whole history at once. Safe beside a running
 * server: each batch is one transaction, and runs that have not ended are never deleted.
 */
import type { Command } from 'commander';
import { isKairosError } from '../../core/errors.js';
import { HistoryRetention, retentionSettings, type HistoryRetentionOptions } from '../../engine/history-retention.js';
import { CliExit } from '../fail.js';
import { openStore, stateDir, STORE_OPTION_HELP } from '../state.js';

interface Opts {
  olderThan: string;
  batch: string;
  state?: string;
  store?: string;
}

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('delete the runs that ended longer ago than --older-than, with their tasks, attempts, events and logs')
    .requiredOption('--older-than <duration>', 'e.g. 30d (at least 1m)')
    .option('--batch <n>', 'runs per transaction', '20')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .action(async (opts: Opts) => {
      const batch = Number(opts.batch);
      if (!Number.isInteger(batch) || batch < 1) throw new CliExit(2, `--batch ${opts.batch}: expected an integer >= 1`);
      const options: HistoryRetentionOptions = { keep: opts.olderThan, batch, maxPerPass: Number.MAX_SAFE_INTEGER };
      try {
        retentionSettings(options); // --older-than checked before the store is opened
      } catch (e) {
        if (isKairosError(e)) throw new CliExit(2, `--older-than ${opts.olderThan}: ${e.message.replace(/^retention\.keep: /, '')}`);
        throw e;
      }
      const store = await openStore(stateDir(opts.state), opts.store);
      try {
        // No isLeader: a one-shot always passes; a store error ends the command with exit 1.
        const pass = (await new HistoryRetention(store, options, { now: Date.now, log: () => {} }).pass())!;
        process.stdout.write(`deleted ${pass.deleted} run(s) that ended before ${new Date(pass.before).toISOString()}\n`);
      } finally {
        await store.close();
      }
    });
}
