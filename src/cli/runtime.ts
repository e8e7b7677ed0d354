/**
 * Assembles an embedded engine for a CLI command: the SQLite store in the state folder, the
 * local executors, and the scheduling configuration from flags.
 */
import type { Executor, FnHandler } from '../exec/types.js';
import { ShellExecutor } from '../exec/shell-executor.js';
import { HttpExecutor } from '../exec/http-executor.js';
import { FnExecutor } from '../exec/fn-executor.js';
import { Engine } from '../engine/engine.js';
import type { SchedulerConfig } from '../sched/types.js';
import { openStore } from './state.js';
import type { Store } from '../store/types.js';

export interface RuntimeOptions {
  readonly stateDir: string;
  /** Store URL (`--store`); default $KAIROS_STORE, else SQLite in the state folder. */
  readonly store?: string;
  readonly scheduler?: SchedulerConfig;
  readonly concurrency?: number;
  readonly functions?: ReadonlyMap<string, FnHandler>;
}

export function localExecutors(functions: ReadonlyMap<string, FnHandler> = new Map()): Record<string, Executor> {
  return { shell: new ShellExecutor(), http: new HttpExecutor(), fn: new FnExecutor(functions) };
}

export async function openRuntime(o: RuntimeOptions): Promise<{ store: Store; engine: Engine }> {
  const store = await openStore(o.stateDir, o.store);
  const engine = new Engine({
    store,
    stateDir: o.stateDir,
    executors: localExecutors(o.functions),
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
  });
  return { store, engine };
}
