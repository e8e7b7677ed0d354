/**
 * A small hand-built live history in a real SQLite store, for the digital-twin tests: runs,
 * their task rows and attempt rows written through the Store's own commit, exactly as the
 * engine writes them.
 *
 * `contendedHistory` is what a FIFO engine with one slot really does with: a 10 s run at 0,
 * a 100 s run at 1 s, then three 1 s runs at 2 s — the long run blocks the short ones
 * (FIFO avg JCT (10 + 109 + 109 + 110 + 111) / 5 = 89.8 s); SJF would run the short ones first.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyBatch, type AttemptRow, type RunRow, type TaskRow } from '../../src/store/types.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { spec } from './helpers.js';

export interface FixtureTask {
  readonly id: string;
  readonly needs?: readonly string[];
  /** ms offsets from the run's creation; null readyAt/startedAt = never ran. */
  readonly readyAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly estimate?: string;
  readonly state?: TaskRow['state'];
  /** A failed attempt before the recorded one (its runtime). */
  readonly failedFirstMs?: number;
  readonly specId?: string;
}

export interface FixtureRun {
  readonly id: string;
  readonly workflow: string;
  readonly priority?: 'high' | 'normal' | 'low';
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly state?: RunRow['state'];
  readonly deadline?: string;
  readonly tasks: readonly FixtureTask[];
  /** Extra spec YAML for tasks not listed as rows (e.g. a foreach group). */
  readonly specTasks?: string;
}

export async function writeHistory(dir: string, runs: readonly FixtureRun[]): Promise<SqliteStore> {
  const store = new SqliteStore(join(dir, 'kairos.db'));
  await store.migrate();
  const batch = emptyBatch();
  for (const r of runs) {
    const specTasks = r.tasks.filter((t) => t.specId === undefined);
    const yaml = [
      `name: ${r.workflow}`,
      `priority: ${r.priority ?? 'normal'}`,
      ...(r.deadline ? [`deadline: ${r.deadline}`] : []),
      'tasks:',
      ...specTasks.map((t) => [`  ${t.id}:`, '    run: "true"', ...(t.needs?.length ? [`    needs: [${t.needs.join(', ')}]`] : []), ...(t.estimate ? [`    estimate: ${t.estimate}`] : [])].join('\n')),
      ...(r.specTasks ? [r.specTasks] : []),
    ].join('\n');
    const s = spec(yaml);
    const deadlineAt = s.deadline === null ? null : s.deadline.kind === 'relative' ? r.createdAt + s.deadline.ms : s.deadline.at;
    const row: RunRow = {
      id: r.id, workflow: s.name, namespace: s.namespace, priority: s.priority, state: r.state ?? 'succeeded', params: {}, spec: s, labels: {},
      createdAt: r.createdAt, startedAt: r.createdAt, finishedAt: r.finishedAt, deadlineAt, error: null, owner: null, ownerSeenAt: null, paused: false,
    };
    batch.newRuns.push(row);
    const ids = new Set(r.tasks.map((t) => t.id));
    for (const st of s.tasks) {
      if (ids.has(st.id)) continue;
      batch.newTasks.push(taskRow(r.id, st.id, null, 'succeeded', null, null, null, 0));
    }
    for (const t of r.tasks) {
      const abs = (x: number | null): number | null => (x === null ? null : r.createdAt + x);
      const attempts = (t.startedAt === null ? 0 : 1) + (t.failedFirstMs !== undefined ? 1 : 0);
      batch.newTasks.push({ ...taskRow(r.id, t.id, t.specId ?? null, t.state ?? (t.startedAt === null ? 'skipped' : 'succeeded'), abs(t.readyAt), abs(t.startedAt), abs(t.finishedAt), attempts) });
      if (t.failedFirstMs !== undefined && t.startedAt !== null) {
        const s0 = r.createdAt + t.startedAt - t.failedFirstMs - 1000;
        batch.attempts.push(attempt(r.id, t.id, 1, 'failed', s0, s0 + t.failedFirstMs));
      }
      if (t.startedAt !== null) batch.attempts.push(attempt(r.id, t.id, attempts, 'succeeded', abs(t.startedAt)!, abs(t.finishedAt)!));
    }
  }
  await store.commit(batch);
  return store;
}

function taskRow(runId: string, taskId: string, specId: string | null, state: TaskRow['state'], readyAt: number | null, startedAt: number | null, finishedAt: number | null, attempt: number): TaskRow {
  return {
    runId, taskId, specId, itemIndex: specId === null ? null : Number(taskId.match(/\d+/)?.[0] ?? 0), item: null, state, attempt, readyAt, startedAt, finishedAt,
    retryAt: null, worker: startedAt === null ? null : 'local', outputs: null, error: null, reason: null, doneSeq: null,
  };
}

function attempt(runId: string, taskId: string, n: number, status: AttemptRow['status'], startedAt: number, finishedAt: number): AttemptRow {
  return { runId, taskId, attempt: n, status, worker: 'local', startedAt, finishedAt, exitCode: status === 'succeeded' ? 0 : 1, error: null, kind: 'run' };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kairos-whatif-'));
}

/** FIFO on one slot: see the file comment. Times in ms from `t0`. */
export function contendedHistory(t0: number, prefix = 'r'): FixtureRun[] {
  const S = 1000;
  const one = (id: string, workflow: string, created: number, start: number, runMs: number): FixtureRun => ({
    id, workflow, createdAt: t0 + created, finishedAt: t0 + start + runMs,
    tasks: [{ id: 'work', readyAt: 0, startedAt: start - created, finishedAt: start - created + runMs }],
  });
  return [
    one(`${prefix}0`, 'warmup', 0, 0, 10 * S),
    one(`${prefix}1`, 'long', 1 * S, 10 * S, 100 * S),
    one(`${prefix}2`, 'short', 2 * S, 110 * S, 1 * S),
    one(`${prefix}3`, 'short', 2 * S, 111 * S, 1 * S),
    one(`${prefix}4`, 'short', 2 * S, 112 * S, 1 * S),
  ];
}
