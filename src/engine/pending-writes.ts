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
    if (!this.#newTasks.has(t)) this.#tasks.add(t);
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
    return b;
  }
}
