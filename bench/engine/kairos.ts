/**
 * Kairos's side: the embedded engine with a real SQLite file in a temp state folder (WAL,
 * synchronous=NORMAL — the default durability), `fn` executors with a no-op handler. Timed from
 * `submit` to the run's end (`wait` resolving: every transition committed). Engine and store
 * creation are outside the timing; the store is checked afterwards (every task succeeded, in
 * the file), so a fast wrong answer cannot pass. `kairosRunOn` runs through an engine kept open
 * across runs (a server's case: one engine, many runs); `kairosRun` through a fresh one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowSpec } from '../../src/core/model.js';
import { Engine } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { localExecutors } from '../../src/cli/runtime.js';
import type { FnHandler } from '../../src/exec/types.js';

export interface KairosResult {
  readonly tasks: number;
  readonly ms: number;
}

export interface Bench {
  readonly engine: Engine;
  readonly store: SqliteStore;
  readonly dir: string;
  close(): Promise<void>;
}

export function openBench(concurrency: number, functions: Map<string, FnHandler>, writer?: 'thread' | 'inline'): Bench {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-bench-'));
  // `writer` unset: the store's default (the writer thread for files).
  const store = new SqliteStore(join(dir, 'kairos.db'), writer === undefined ? {} : { writer });
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(functions), concurrency });
  engine.on('error', (e) => {
    console.error('engine error:', e);
    process.exitCode = 1;
  });
  return {
    engine, store, dir,
    async close() {
      await engine.close({ kill: true });
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const NOOP: FnHandler = () => undefined;

/**
 * One run through an open bench, timed from `submit` to `wait` resolving; the store is checked
 * afterwards (outside the timing). The engine stays open, as a server's does between runs.
 */
export async function kairosRunOn(b: Bench, spec: WorkflowSpec): Promise<KairosResult> {
  const t0 = performance.now();
  const row = await b.engine.submit(spec);
  const end = await b.engine.wait(row.id);
  const ms = performance.now() - t0;
  if (end.state !== 'succeeded') throw new Error(`run ${row.id} ended ${end.state}: ${end.error}`);
  const tasks = await b.store.getTasks(row.id);
  const ok = tasks.filter((t) => t.state === 'succeeded').length;
  if (ok !== spec.tasks.length) throw new Error(`run ${row.id}: ${ok} of ${spec.tasks.length} tasks succeeded in the store`);
  return { tasks: spec.tasks.length, ms };
}

/** One run through a fresh engine and store file, closed afterwards. */
export async function kairosRun(spec: WorkflowSpec, concurrency: number, writer?: 'thread' | 'inline'): Promise<KairosResult> {
  const b = openBench(concurrency, noopFunctions(), writer);
  try {
    return await kairosRunOn(b, spec);
  } finally {
    await b.close();
  }
}

/** The no-op function handler map the benchmark's runs use. */
export function noopFunctions(): Map<string, FnHandler> {
  return new Map([['noop', NOOP]]);
}
