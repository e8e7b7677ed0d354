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
  #tasks = new Set<TaskRow>();
  #attempts = new Set<AttemptRow>();
  #events: EventRow[] = [];
  /**
   * The task row added last: a task's transitions come in runs (dispatch + start, deps_met +
   * enqueue), so most repeats are caught without a Set lookup.
   */
  #lastTask: TaskRow | null = null;

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
  task(t: TaskRow): void {
    if (t === this.#lastTask) return;
    this.#lastTask = t;
    if (this.#newRunIds.size !== 0 && this.#newRunIds.has(t.runId)) return;
    if (this.#newTasks.size === 0 || !this.#newTasks.has(t)) this.#tasks.add(t);
  }
  attempt(a: AttemptRow): void {
    this.#attempts.add(a);
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
      tasks: [...this.#tasks],
      attempts: [...this.#attempts],
      events: this.#events,
    };
    this.#newRuns = new Set();
    this.#runs = new Set();
    this.#newTasks = new Set();
    this.#newTaskLists = [];
    this.#newRunIds = new Set();
    this.#tasks = new Set();
    this.#attempts = new Set();
    this.#events = [];
    this.#lastTask = null;
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
