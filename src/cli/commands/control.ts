/** Commands that change a run: `cancel`, `retry`, `resume`. */
import type { Command } from 'commander';
import { stateDir, STORE_OPTION_HELP } from '../state.js';
import { openRuntime } from '../runtime.js';
import { drive } from './drive.js';

interface Opts {
  state?: string;
  store?: string;
  json?: boolean;
  policy?: string;
}

export function registerControl(program: Command): void {
  program
    .command('cancel')
    .description('cancel a running run: queued tasks are dropped, running ones killed (no compensation)')
    .argument('<run>', 'run id')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .action(async (id: string, opts: Opts) => {
      const { store, engine } = await openRuntime({ stateDir: stateDir(opts.state), ...(opts.store ? { store: opts.store } : {}) });
      try {
        const row = await engine.cancelStored(id);
        process.stdout.write(`run ${id}: ${row.state}\n`);
      } finally {
        await engine.close();
        await store.close();
      }
    });

  program
    .command('resume')
    .description('finish an interrupted run from the store: succeeded tasks never rerun; lost attempts rerun')
    .argument('<run>', 'run id')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .option('--policy <name>', 'scheduling policy', 'priority')
    .option('--json', 'print the final run record as JSON')
    .action(async (id: string, opts: Opts) => {
      const { store, engine } = await openRuntime({ stateDir: stateDir(opts.state), ...(opts.store ? { store: opts.store } : {}), scheduler: { policy: opts.policy ?? 'priority' } });
      const run = await engine.resume(id);
      process.exitCode = await drive(engine, store, run, { json: Boolean(opts.json) });
      await store.close();
    });

  program
    .command('retry')
    .description('rerun the failed tasks of a finished run (or TASK and everything downstream of it)')
    .argument('<run>', 'run id')
    .argument('[task]', 'task id to rerun with its downstream tasks')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .option('--policy <name>', 'scheduling policy', 'priority')
    .option('--json', 'print the final run record as JSON')
    .action(async (id: string, task: string | undefined, opts: Opts) => {
      const { store, engine } = await openRuntime({ stateDir: stateDir(opts.state), ...(opts.store ? { store: opts.store } : {}), scheduler: { policy: opts.policy ?? 'priority' } });
      const run = await engine.retry(id, task);
      process.exitCode = await drive(engine, store, run, { json: Boolean(opts.json) });
      await store.close();
    });
}
