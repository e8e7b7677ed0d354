/**
 * The store rows of one run of N independent no-op `fn` tasks, all queued: what the PostgreSQL
 * write benchmarks (pg-writes.ts, pg-floor.ts) insert before replaying the engine's write pattern (`noopTicks`).
 */
import { emptyBatch, type RunRow, type TaskRow, type WriteBatch } from '../../src/store/types.js';

export function noopRunRows(id: string, now: number, n: number): { run: RunRow; tasks: TaskRow[] } {
  const tasks: TaskRow[] = [];
  const specTasks = [];
  for (let i = 0; i < n; i++) {
    tasks.push({
      runId: id, taskId: `t${i}`, specId: null, itemIndex: null, item: null, state: 'queued', attempt: 0, readyAt: now, startedAt: null,
      finishedAt: null, retryAt: null, worker: null, outputs: null, error: null, reason: null, doneSeq: null,
    });
    specTasks.push({ id: `t${i}`, needs: [], action: { kind: 'fn', fn: 'noop', args: null }, env: {}, secretEnv: [], timeoutMs: null, priority: 50 });
  }
  const spec = { name: 'bench', namespace: 'default', priority: 50, deadline: null, params: [], labels: {}, tasks: specTasks };
  const run: RunRow = {
    id, workflow: 'bench', namespace: 'default', priority: 50, state: 'running', params: {}, spec: spec as unknown as RunRow['spec'], labels: {},
    createdAt: now, startedAt: now, finishedAt: null, deadlineAt: null, error: null, owner: 'bench', ownerSeenAt: now, paused: false,
  };
  return { run, tasks };
}

/**
 * The steady-state ticks of that run as a fleet engine writes them: each tick's batch holds the
 * previous tick's tasks succeeded (with their attempt rows, written once when the attempt ends,
 * unless `attempts` is false) and the next `tick` tasks running. The last batch ends with the
 * tasks before it succeeded and none started; the run row is left to the caller.
 */
export function* noopTicks(tasks: readonly TaskRow[], now: number, tick: number, attempts = true): Generator<WriteBatch> {
  let previous: TaskRow[] = [];
  for (let i = 0; i <= tasks.length; i += tick) {
    const b = emptyBatch();
    for (const t of previous) {
      t.state = 'succeeded';
      t.finishedAt = now + 2;
      t.outputs = { at: now + 1 };
      b.tasks.push(t);
      if (attempts) {
        b.attempts.push({ runId: t.runId, taskId: t.taskId, attempt: 1, kind: 'run', status: 'succeeded', worker: 'w1', startedAt: now + 1, finishedAt: now + 2, exitCode: null, error: null });
      }
    }
    previous = tasks.slice(i, i + tick);
    for (const t of previous) {
      t.state = 'running';
      t.attempt = 1;
      t.worker = 'w1';
      t.startedAt = now + 1;
      b.tasks.push(t);
    }
    yield b;
  }
}
