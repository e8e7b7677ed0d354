/** Builders for engine tests: a temp state folder, a real SQLite store, real executors. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import type { WorkflowSpec } from '../../src/core/model.js';
import { Engine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/engine-options.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { localExecutors } from '../../src/cli/runtime.js';
import type { FnHandler } from '../../src/exec/types.js';

export function spec(yaml: string): WorkflowSpec {
  const r = parseWorkflow(yaml);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return r.spec;
}

export interface TestEngine {
  engine: Engine;
  store: SqliteStore;
  dir: string;
  close(): Promise<void>;
}

export function testEngine(opts: Partial<EngineOptions> & { functions?: Map<string, FnHandler> } = {}): TestEngine {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-engine-'));
  const store = new SqliteStore(join(dir, 'kairos.db'));
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(opts.functions), killGraceMs: 500, capacity: { cpu: 8, memory: 8 * 2 ** 30 }, ...opts });
  return {
    engine, store, dir,
    async close() {
      await engine.close({ kill: true });
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
