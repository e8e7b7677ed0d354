/**
 * The rows changed since the last commit. A row object is the live one (mutated in place), so a
 * task changed five times in one tick is written once, in its final state: group commit.
 */
import type { AttemptRow, EventRow, RunRow, TaskRow, WriteBatch } from '../store/types.js';

export class PendingWrites {
  #newRuns = new Set<RunRow>();
  #runs = new Set<RunRow>();
  /**
   * New task rows: whole submitted runs as their row arrays (no Set add per task: ~33 B and a
   * hash insert each on 20,000-task submits), rows added one by one (a group's instances) in a Set.
   */
  #newTaskLists: (readonly TaskRow[])[] = [];
  #newTasks = new Set<TaskRow>();
  /** Ids of the runs whose rows all go in this batch as new (`newRunTasks`). */
  #newRunIds = new Set<string>();
  /**
   * Changed rows, deduplicated by a stamp on their task (`writeGen`), not a Set — a Set add per
   * task write (~2.5 a task), its growth and the copy out of it were ~0.1 µs a no-op task. `gen`
   * is this batch's stamp.
   */
  #taskList: TaskRow[] = [];
  #gen = 1;
  /** Each attempt row is a new object written once, when its attempt ends: no Set needed. */
  #attempts: AttemptRow[] = [];
  #events: EventRow[] = [];

  newRun(r: RunRow): void {
    this.#newRuns.add(r);
  }
  run(r: RunRow): void {
    if (!this.#newRuns.has(r)) this.#runs.add(r);
  }
  newTask(t: TaskRow): void {
    this.#newTasks.add(t);
  }
  /**
   * Every task row of a run submitted in this batch (with `newRun`): each later change of a row
   * of that run before the batch is taken is part of its insert.
   */
  newRunTasks(runId: string, rows: readonly TaskRow[]): void {
    this.#newRunIds.add(runId);
    this.#newTaskLists.push(rows);
  }
  /** `t.row` changed (a live task's row): in the batch once, whatever the number of changes. */
  task(t: { readonly row: TaskRow; writeGen: number }): void {
    if (t.writeGen === this.#gen) return;
    t.writeGen = this.#gen;
    const row = t.row;
    if (this.#newRunIds.size !== 0 && this.#newRunIds.has(row.runId)) return;
    if (this.#newTasks.size !== 0 && this.#newTasks.has(row)) return;
    this.#taskList.push(row);
  }
  attempt(a: AttemptRow): void {
    this.#attempts.push(a);
  }
  event(e: EventRow): void {
    this.#events.push(e);
  }

  /** Takes everything pending as one batch and starts afresh. */
  take(): WriteBatch {
    const b: WriteBatch = {
      newRuns: [...this.#newRuns],
      runs: [...this.#runs],
      newTasks: this.#takeNewTasks(),
      tasks: this.#taskList,
      attempts: this.#attempts,
      events: this.#events,
    };
    this.#newRuns = new Set();
    this.#runs = new Set();
    this.#newTasks = new Set();
    this.#newTaskLists = [];
    this.#newRunIds = new Set();
    this.#taskList = [];
    this.#gen++;
    this.#attempts = [];
    this.#events = [];
    return b;
  }

  #takeNewTasks(): TaskRow[] {
    const lists = this.#newTaskLists;
    if (lists.length === 1 && this.#newTasks.size === 0) return lists[0]!.slice();
    const out: TaskRow[] = [];
    for (let i = 0; i < lists.length; i++) for (let j = 0, l = lists[i]!; j < l.length; j++) out.push(l[j]!);
    this.#newTasks.forEach((t) => void out.push(t));
    return out;
  }
}
