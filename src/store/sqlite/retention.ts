/**
 * History retention on SQLite: the runs that ended before a time, oldest first, deleted with
 * everything stored under them, in one IMMEDIATE transaction (the writer's connection, so it
 * queues behind the engine's commits like any other write). Every table is deleted from by its
 * `run_id` index (tasks: UNIQUE (run_id, task_id); attempts_run; events_run; run_spec_tasks'
 * primary key), the runs picked through runs_finished (migration 4).
 */
import type Database from 'better-sqlite3';
import { TERMINAL_RUN_STATES } from '../../core/model.js';

const ENDED = [...TERMINAL_RUN_STATES].map((s) => `'${s}'`).join(', ');

export class SqliteRetention {
  readonly #pick: Database.Statement;
  readonly #deletes: Database.Statement[];
  readonly #tx: Database.Transaction<(before: number, limit: number) => string[]>;

  constructor(db: Database.Database) {
    this.#pick = db.prepare(`SELECT id FROM runs WHERE finished_at < ? AND state IN (${ENDED}) ORDER BY finished_at LIMIT ?`).pluck();
    this.#deletes = ['tasks', 'attempts', 'events', 'run_spec_tasks'].map((t) => db.prepare(`DELETE FROM ${t} WHERE run_id = ?`));
    this.#deletes.push(db.prepare('DELETE FROM runs WHERE id = ?'));
    this.#tx = db.transaction((before: number, limit: number) => {
      const ids = this.#pick.all(before, limit) as string[];
      for (const id of ids) for (const d of this.#deletes) d.run(id);
      return ids;
    });
  }

  deleteFinishedRuns(finishedBefore: number, limit: number): string[] {
    return this.#tx.immediate(finishedBefore, limit);
  }
}
