/**
 * The engine on the PostgreSQL store (a real server started by the harness): the same workflow
 * behaviour as on SQLite — a DAG with outputs, a retry, skip propagation and compensation —
 * proves the engine does not depend on the embedded store's synchronous commits.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { startPostgres, type PgServer } from '../store/pg-harness.js';
import { spec } from './helpers.js';

let server: PgServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

test('engine on PostgreSQL: outputs, retries, skips and compensation, all durable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-engine-pg-'));
  const store = await PostgresStore.open({ connectionString: server.url(await server.createDatabase()), log: () => undefined });
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(), killGraceMs: 500, capacity: { cpu: 4, memory: 2 ** 32 } });
  try {
    const counter = join(dir, 'count');
    const undo = join(dir, 'undo');
    const run = await engine.submit(spec(`
name: pg-flow
tasks:
  a:
    run: |
      echo '::kairos-output {"n": 2}'
    compensate: echo undo-a >> ${undo}
  flaky:
    needs: [a]
    run: echo x >> ${counter}; [ $(wc -l < ${counter}) -ge \${{ tasks.a.outputs.n }} ]
    retries: {max: 3, initial: 10ms, jitter: 0}
  broken:
    needs: [flaky]
    run: exit 3
  after:
    needs: [broken]
    run: echo never
`));
    const final = await engine.wait(run.id);
    assert.equal(final.state, 'failed');
    const stored = await store.getRun(run.id);
    assert.equal(stored!.state, 'failed');
    const s = Object.fromEntries((await store.getTasks(run.id)).map((t) => [t.taskId, [t.state, t.attempt]]));
    assert.deepEqual(s, { a: ['compensated', 1], flaky: ['succeeded', 2], broken: ['failed', 1], after: ['skipped', 0] });
    assert.equal(readFileSync(undo, 'utf8').trim(), 'undo-a');
    const attempts = await store.getAttempts(run.id, 'flaky');
    assert.deepEqual(attempts.map((a) => a.status), ['failed', 'succeeded']);
  } finally {
    await engine.close({ kill: true });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
