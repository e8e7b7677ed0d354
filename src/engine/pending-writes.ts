/**
 * The rows changed since the last commit. A row object is the live one (mutated in place), so a
 * task changed five times in one tick is written once, in its final state: group commit.
 *
 * A submitted run's task rows are inserted in chunks (`take(maxNewRows)`), so that the first
 * tasks start while the rest are written: a 20,000-row insert in one commit held every start for
 * its whole length (~50-75 ms of a ~370 ms run, serial with the first decide). Until its insert,
 * a row carries its changes itself, except a change that may have an effect (the task dispatched,
 * skipped, cancelled: any state past pending/ready/queued): that row is inserted in the very next
 * batch, whatever the chunk, so write-ahead holds — no effect is carried out before the commit
 * that holds its row. A crash between chunks leaves the run with some of its rows; recovery
 * creates the others from the spec as pending (missing-rows.ts), which is what they were.
 */
import type { AttemptRow, EventRow, RunRow, TaskRow, WriteBatch } from '../store/types.js';

/** A live task as this class sees it: its row and the stamp of the batch it was last given to. */
export interface WriteTask {
  readonly row: TaskRow;
  writeGen: number;
}

/**
 * Rows of a submitted run in its first chunk; each later chunk of it is twice the one before, up
 * to MAX_CHUNK. Chunks are costlier per row than one insert (each commit writes again the index
 * pages it touched), so they grow; the cap bounds the wait of the effects riding with a chunk
 * (16,384 rows ~25-50 ms of the writer here).
 *
 * A chunk riding with other rows (a batch that carries starts or results) is at most the FIRST
 * chunk, whatever the run's chunk has grown to: the effects of that batch wait for its commit,
 * and SQLite inserts a task row in ~2.4 µs, so 1,024 rows add ~2.5 ms, about a steady batch's
 * own commit time; the grown chunks go in batches of their own (nothing else to write). Riding
 * chunks of up to 16,384 rows held the 20,000-task DAG's first ~2,500 starts behind 15-25 ms
 * commits, half its run; capped, its tasks/s rose 9% in fresh processes, 16-30% in one warm process
 * (issue 2, docs/benchmarks.md session 10).
 *
 * And a chunk rides only with a LIGHT batch (at most a quarter of the first chunk's rows of its
 * own), or after RIDE_EVERY heavy batches in a row went without one. A busy engine's batches are
 * heavy (hundreds of starts and results), and the rows a chunk would have inserted as pending are
 * mostly inserted soon anyway, by the batch that dispatches their task (DUE below), in their
 * running state: one write instead of an insert and an update. Measured in session 11 (warm
 * engines, old and new code alternated, medians of 18-24 runs): the writer thread's CPU per
 * 20,000-task run fell 16% on the DAG (108.7 -> 91.4 ms) and 21% on independent tasks
 * (104.6 -> 82.6 ms); wall time 198 -> 190 and 178 -> 163 ms (the engine's thread is the
 * bottleneck now). RIDE_EVERY
 * keeps the rows of a run whose tasks wait (a big run behind a full pool) coming in under any
 * load, and an idle engine writes them in batches of their own at once, as before.
 */
export const FIRST_CHUNK = 1024;
const MAX_CHUNK = 16_384;
/** Heavy batches in a row without a chunk, after which the next one carries one anyway. */
export const RIDE_EVERY = 16;

/** `writeGen` of a submitted task whose row is not inserted yet. */
const UNSAVED = -1;
/** `writeGen` of a not-yet-inserted task whose row must go in the next batch (see the header). */
const DUE = -2;

export class PendingWrites {
  /** `firstChunk`: rows of a submitted run in its first chunk (FIRST_CHUNK; tests use less). */
  constructor(readonly firstChunk = FIRST_CHUNK) {}

  #newRuns = new Set<RunRow>();
  #runs = new Set<RunRow>();
  /**
   * Submitted runs' tasks whose rows are not all inserted, each with the index of the next one
   * to look at (a task list, not a Set add per task: ~33 B and a hash insert each on 20,000-task
   * submits). The rows still to insert are those whose task is UNSAVED or DUE.
   */
  #unsaved: { readonly tasks: readonly WriteTask[]; next: number; chunk: number }[] = [];
  /** Tasks marked DUE since the last take (inserted by it even beyond its chunk). */
  #due: WriteTask[] = [];
  /** New rows added one by one (a foreach group's instances). */
  #newTasks = new Set<TaskRow>();
  /**
   * Changed rows, deduplicated by a stamp on their task (`writeGen`), not a Set — a Set add per
   * task write (~2.5 a task), its growth and the copy out of it were ~0.1 µs a no-op task. `gen`
   * is this batch's stamp.
   */
  #taskList: TaskRow[] = [];
  #gen = 1;
  /** Each attempt row is a new object written once, when its attempt ends: no Set needed. */
  #attempts: AttemptRow[] = [];
  /** The live task row of each of #attempts, where given (WriteBatch.attemptTasks). */
  #attemptTasks: (TaskRow | undefined)[] = [];
  #events: EventRow[] = [];
  /** Heavy batches taken in a row without a chunk while rows were waiting (see RIDE_EVERY). */
  #heavyWithout = 0;

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
   * Tasks whose rows are new (a submitted run's, in spec order; or rows recovery had to create):
   * inserted over the next batches, in this order, each row as it is when its batch is taken.
   */
  newRunTasks(tasks: readonly WriteTask[]): void {
    if (tasks.length === 0) return;
    for (let i = 0; i < tasks.length; i++) tasks[i]!.writeGen = UNSAVED;
    this.#unsaved.push({ tasks, next: 0, chunk: this.firstChunk });
  }
  /** `t.row` changed (a live task's row): in the batch once, whatever the number of changes. */
  task(t: WriteTask): void {
    const g = t.writeGen;
    if (g === this.#gen) return;
    if (g < 0) {
      // Not inserted yet: the insert will carry this change, unless it may have an effect.
      if (g === DUE) return;
      const s = t.row.state;
      if (s === 'pending' || s === 'ready' || s === 'queued') return;
      t.writeGen = DUE;
      this.#due.push(t);
      return;
    }
    t.writeGen = this.#gen;
    const row = t.row;
    if (this.#newTasks.size !== 0 && this.#newTasks.has(row)) return;
    this.#taskList.push(row);
  }
  /** `task`: the live row of the attempt's task, which a store may keep a succeeded attempt in (WriteBatch.attemptTasks). */
  attempt(a: AttemptRow, task?: TaskRow): void {
    this.#attempts.push(a);
    this.#attemptTasks.push(task);
  }
  event(e: EventRow): void {
    this.#events.push(e);
  }

  /** Some submitted rows are not inserted yet. */
  get unsaved(): boolean {
    return this.#unsaved.length > 0;
  }

  /**
   * Takes everything pending as one batch and starts afresh.
   *
   * `chunked` (pipelined commits): the submitted runs' rows not inserted yet go in chunks, the
   * next chunk of the oldest run in this batch (in submit order), every DUE row whatever its
   * chunk; the rest wait for later batches. Not chunked: all of them now.
   *
   * `alone`: a chunk may make a batch of its own. Pass false when a batch with other rows is
   * coming soon (the commit just acknowledged carried effects, so their results will follow):
   * the chunk then waits to ride with it instead of holding those effects' next commit back
   * behind a commit of inserts (measured: every third commit carried results, the rest inserts).
   * A chunk that rides with other rows is at most `firstChunk` rows (see FIRST_CHUNK).
   */
  take(chunked = false, alone = true): WriteBatch {
    const budget = !chunked ? Infinity : this.#chunkBudget(alone);
    const b: WriteBatch = {
      newRuns: [...this.#newRuns],
      runs: [...this.#runs],
      newTasks: this.#takeNewTasks(budget),
      tasks: this.#taskList,
      attempts: this.#attempts,
      attemptTasks: this.#attemptTasks,
      events: this.#events,
    };
    this.#newRuns = new Set();
    this.#runs = new Set();
    this.#newTasks = new Set();
    this.#taskList = [];
    this.#gen++;
    this.#attempts = [];
    this.#attemptTasks = [];
    this.#events = [];
    return b;
  }

  /** New rows of submitted runs this batch may take (chunked), DUE rows aside. */
  #chunkBudget(alone: boolean): number {
    const chunk = this.#unsaved[0]?.chunk ?? 0;
    if (chunk === 0) return 0;
    const own = this.#ownRows();
    if (own === 0) return alone ? chunk : 0;
    // A heavy batch goes without (see RIDE_EVERY), but not forever.
    if (own > Math.max(1, this.firstChunk >> 2) && ++this.#heavyWithout < RIDE_EVERY) return 0;
    this.#heavyWithout = 0;
    return Math.min(chunk, this.firstChunk);
  }

  /** Rows the batch holds without any chunk (DUE rows included). */
  #ownRows(): number {
    return this.#newRuns.size + this.#runs.size + this.#newTasks.size + this.#taskList.length + this.#due.length +
      this.#attempts.length + this.#events.length;
  }

  #takeNewTasks(budget: number): TaskRow[] {
    const out: TaskRow[] = [];
    const lists = this.#unsaved;
    let done = 0;
    for (; done < lists.length && budget > 0; done++) {
      const l = lists[done]!;
      const ts = l.tasks;
      let i = l.next;
      for (; i < ts.length && budget > 0; i++) {
        const t = ts[i]!;
        if (t.writeGen >= 0) continue; // inserted already, as DUE
        t.writeGen = 0;
        out.push(t.row);
        budget--;
      }
      l.next = i;
      l.chunk = Math.min(MAX_CHUNK, l.chunk * 2);
      if (i < ts.length) break;
    }
    if (done > 0) lists.splice(0, done);
    const due = this.#due;
    for (let i = 0; i < due.length; i++) {
      const t = due[i]!;
      if (t.writeGen !== DUE) continue; // within the chunk above
      t.writeGen = 0;
      out.push(t.row);
    }
    if (due.length > 0) this.#due = [];
    this.#newTasks.forEach((t) => void out.push(t));
    return out;
  }
}
