/**
 * Pipelined group commit, for stores whose `commit` copies the batch and resolves in call order
 * (SQLite's writer thread): the engine's ticks go on while a commit is in flight, and what they
 * change accumulates into the next batch. Write-ahead holds as in the plain tick: an effect is
 * carried out only once the commit that holds its transitions is acknowledged.
 *
 * One commit in flight at a time, so a batch grows with the writer's latency (group commit adapts
 * to load). Tried and dropped: splitting an acknowledged commit's starts into two groups (half
 * started at once, half after the next post) so that one group's results are applied while the
 * other's commit is written — with no-op tasks the engine and the writer otherwise work in
 * lockstep. On the shared 2-core machine it doubled the commits (80 -> 141 for 20,000 tasks) and
 * lost throughput: 9,716 vs 10,984 tasks/s (bench/engine/diagnose.ts, load 6, docs/benchmarks.md).
 */
import type { Store, WriteBatch } from '../store/types.js';
import type { Effect } from './task-flow.js';

export interface Tick<R> {
  readonly batch: WriteBatch;
  readonly effects: Effect[];
  readonly finished: R[];
  /**
   * Remote mode: the result entries applied by the ticks whose writes are in `batch`, acknowledged
   * on the broker only once it is durable (an engine that dies first leaves them pending, and the
   * next leader re-reads them).
   */
  readonly acks?: readonly string[];
}

export interface PipelineHost<R> {
  /** Everything the ticks changed since the last take (rows, effects, finished runs). */
  take(): Tick<R>;
  /** The commit holding these runs' and effects' transitions is durable. */
  committed(finished: readonly R[], effects: readonly Effect[], acks: readonly string[]): void;
  error(err: unknown): void;
}

const NONE: readonly string[] = [];

const isEmptyBatch = (b: WriteBatch): boolean =>
  b.newRuns.length + b.runs.length + b.newTasks.length + b.tasks.length + b.attempts.length + b.events.length === 0;

export class CommitPipeline<R> {
  #inFlight: Promise<void> | null = null;

  constructor(
    readonly store: Store,
    readonly host: PipelineHost<R>,
  ) {}

  /** Resolves once no commit is in flight (close). */
  async drain(): Promise<void> {
    while (this.#inFlight !== null) await this.#inFlight;
  }

  /**
   * Posts what the ticks changed, unless a commit is in flight (its acknowledgement posts again).
   * Called at the end of every tick.
   */
  flush(): void {
    if (this.#inFlight !== null) return;
    const { batch, effects, finished, acks = NONE } = this.host.take();
    if (effects.length === 0 && finished.length === 0 && acks.length === 0 && isEmptyBatch(batch)) return;
    this.#inFlight = this.store.commit(batch).then(
      () => {
        this.#inFlight = null;
        // What accumulated meanwhile goes out first: the writer starts on it while the effects run.
        this.flush();
        this.host.committed(finished, effects, acks);
      },
      (err: unknown) => {
        // As when a plain tick's commit fails: its effects are not carried out.
        this.#inFlight = null;
        this.host.error(err);
        this.flush();
      },
    );
  }
}
