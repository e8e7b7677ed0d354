/**
 * The store rows of one run of N independent no-op `fn` tasks, all queued: what the PostgreSQL
 * write benchmarks (pg-writes.ts, pg-floor.ts) insert before replaying the engine's write pattern.
 */
import type { RunRow, TaskRow } from '../../src/store/types.js';

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
