/**
 * History retention on PostgreSQL: the runs that ended before a time, oldest first, deleted with
 * everything stored under them in ONE statement (data-modifying CTEs: atomic, one round trip).
 * The runs are picked through runs_finished (migration 8) and locked `FOR UPDATE SKIP LOCKED`,
 * so two replicas pruning at once take different runs and never wait on each other; every other
 * table is deleted from by its `run_id` index.
 */
import type pg from 'pg';
import { TERMINAL_RUN_STATES } from '../../core/model.js';
import { query } from './sql.js';

export function deleteFinishedRunsSql(s: string): string {
  const ended = [...TERMINAL_RUN_STATES].map((x) => `'${x}'`).join(', ');
  const children = ['tasks', 'attempts', 'events', 'task_log', 'run_spec_tasks'].map((t, i) => `d${i} AS (DELETE FROM ${s}.${t} WHERE run_id IN (SELECT id FROM doomed))`);
  return `WITH doomed AS (SELECT id FROM ${s}.runs WHERE finished_at < $1 AND state IN (${ended}) ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED),
    ${children.join(',\n    ')}
    DELETE FROM ${s}.runs WHERE id IN (SELECT id FROM doomed) RETURNING id, finished_at`;
}

export async function deleteFinishedRuns(pool: pg.Pool, sql: string, finishedBefore: number, limit: number): Promise<string[]> {
  // RETURNING gives no order: oldest first, as on SQLite.
  const rows = (await query(pool, sql, [finishedBefore, limit])).rows as { id: string; finished_at: number }[];
  return rows.sort((a, b) => a.finished_at - b.finished_at || (a.id < b.id ? -1 : 1)).map((r) => r.id);
}
