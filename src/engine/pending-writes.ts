/**
 * The rows changed since the last commit. A row object is the live one (mutated in place), so a
 * task changed five times in one tick is written once, in its final state: group commit.
 */
import type { AttemptRow, EventRow, RunRow, TaskRow, WriteBatch } from '../store/types.js';

export class PendingWrites {
  #newRuns = new Set<RunRow>();
  #runs = new Set<RunRow>();
  #newTasks = new Set<TaskRow>();
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
  task(t: TaskRow): void {
    if (t === this.#lastTask) return;
    this.#lastTask = t;
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
      newTasks: [...this.#newTasks],
      tasks: [...this.#tasks],
      attempts: [...this.#attempts],
      events: this.#events,
    };
    this.#newRuns = new Set();
    this.#runs = new Set();
    this.#newTasks = new Set();
    this.#tasks = new Set();
    this.#attempts = new Set();
    this.#events = [];
    this.#lastTask = null;
    return b;
  }
}
