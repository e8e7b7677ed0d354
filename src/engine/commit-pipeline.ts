/**
 * Pipelined group commit, for stores whose `commit` copies the batch and resolves in call order
 * (SQLite's writer thread, PostgreSQL): the engine's ticks go on while a commit is in flight, and
 * what they change accumulates into the next batch. Write-ahead holds as in the plain tick: an
 * effect is carried out only once the commit that holds its transitions is acknowledged.
 *
 * Depth: how many commits may be in flight at once (`commitDepth` on the store; 1 if absent).
 * With depth 1 a batch grows with the writer's latency (group commit adapts to load), but with
 * no-op tasks the engine and the writer work in lockstep: every attempt of a wave waits for the
 * same commit and its results all arrive in one tick, so the engine idles while the writer
 * commits and the other way round. With depth 2 (SQLite's writer thread) an acknowledgement that
 * leaves nothing else in flight starts half its effects at once and the other half one
 * event-loop turn later, after the tick that applies the first half's results has posted its own
 * batch: from then on two groups alternate, one being committed on the writer thread while the
 * engine applies the other's results (measured in docs/benchmarks.md, session 5). The split was
 * tried with depth 1 when the engine cost ~31 µs a task and lost (9,716 vs 10,984 tasks/s):
 * the second group could not be posted before the first group's commit came back. When the
 * writer is faster than the engine, two acknowledgements can arrive in one turn; carried out
 * together their results would merge into one tick (lockstep again), so an acknowledgement that
 * comes before the previous one's results have been through a tick is held one turn.
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
  /**
   * Everything the ticks changed since the last take (rows, effects, finished runs). `alone`:
   * no tick is known to be coming (false right after the acknowledgement of a commit whose
   * effects were carried out: their results will make one), so background rows (a large
   * submit's chunks, pending-writes.ts) may go in a batch of their own.
   */
  take(alone: boolean): Tick<R>;
  /** Rows still to write that no tick is needed for (a large submit's chunks). */
  background(): boolean;
  /** The commit holding these runs' and effects' transitions is durable. */
  committed(finished: readonly R[], effects: readonly Effect[], acks: readonly string[]): void;
  error(err: unknown): void;
}

/** A store may let more than one pipelined commit be in flight (still resolving in call order). */
interface DepthStore extends Store {
  readonly commitDepth?: number;
}

const NONE: readonly string[] = [];
const NO_RUNS: readonly never[] = [];
const NO_EFFECTS: readonly Effect[] = [];

const isEmptyBatch = (b: WriteBatch): boolean =>
  b.newRuns.length + b.runs.length + b.newTasks.length + b.tasks.length + b.attempts.length + b.events.length === 0;

export class CommitPipeline<R> {
  #inFlight = 0;
  #last: Promise<void> | null = null;
  /** Acknowledged effects not carried out yet, one group per event-loop turn (see #acknowledged). */
  readonly #held: Effect[][] = [];
  #releaseQueued = false;
  /** Effects were carried out and no tick has ended since (their results are not applied yet). */
  #ranSinceTick = false;
  /** Posts background rows if nothing was posted by then (see #post). */
  #nudge: NodeJS.Timeout | null = null;
  /** Commits posted so far, and that count when the nudge was armed. */
  #posts = 0;
  #postsAtNudge = 0;

  constructor(
    readonly store: Store,
    readonly host: PipelineHost<R>,
  ) {}

  /** Read on every use: a store may change it (SQLite writes inline until its thread is up). */
  get #depth(): number {
    return Math.max(1, (this.store as DepthStore).commitDepth ?? 1);
  }

  /** Resolves once no commit is in flight, no held effect waits and no background row is left (close). */
  async drain(): Promise<void> {
    while (this.#inFlight > 0 || this.#held.length > 0 || this.host.background()) {
      if (this.#inFlight > 0) await this.#last;
      else if (this.#held.length === 0) this.#post(true);
      else await new Promise<void>((r) => setImmediate(r));
    }
    if (this.#nudge !== null) clearTimeout(this.#nudge);
    this.#nudge = null;
  }

  /** Called at the end of every tick: posts what the ticks changed (see #post). */
  flush(): void {
    this.#ranSinceTick = false;
    this.#post();
  }

  /** Posts what the ticks changed, unless `depth` commits are in flight (an acknowledgement posts again). */
  #post(alone = true): void {
    if (this.#inFlight >= this.#depth) return;
    const { batch, effects, finished, acks = NONE } = this.host.take(alone);
    // Background rows held back for a tick that may not come (the effects just carried out may
    // never finish: a long task): a timer posts them, after the tick their results would make.
    if (!alone && this.#nudge === null && this.host.background()) {
      this.#postsAtNudge = this.#posts;
      this.#nudge = setTimeout(this.#nudged, 1);
    }
    if (effects.length === 0 && finished.length === 0 && acks.length === 0 && isEmptyBatch(batch)) return;
    this.#inFlight++;
    this.#posts++;
    const p: Promise<void> = this.store.commit(batch).then(
      () => {
        this.#inFlight--;
        if (this.#last === p) this.#last = null;
        // What accumulated meanwhile goes out first: the writer starts on it while the effects run.
        this.#post(effects.length === 0);
        this.#acknowledged(finished, effects, acks);
      },
      (err: unknown) => {
        // As when a plain tick's commit fails: its effects are not carried out.
        this.#inFlight--;
        if (this.#last === p) this.#last = null;
        this.host.error(err);
        this.#post();
      },
    );
    this.#last = p;
  }

  readonly #nudged = (): void => {
    this.#nudge = null;
    // A tick posted meanwhile: the acknowledgements go on from there.
    if (this.#posts === this.#postsAtNudge) this.#post(true);
  };

  #acknowledged(finished: readonly R[], effects: Effect[], acks: readonly string[]): void {
    if (effects.length === 0 || this.#depth === 1) return this.#carryOut(finished, effects, acks); // depth 1 never holds
    if (this.#held.length > 0 || this.#ranSinceTick) {
      // The previous acknowledgement's results are not applied yet (two acknowledgements in one
      // turn, when the writer is faster than the engine): carried out together, the two groups
      // would merge into one tick and the pipeline fall back into lockstep. One turn later.
      this.host.committed(finished, NO_EFFECTS, acks);
      this.#hold(effects);
      return;
    }
    if (this.#inFlight === 0 && effects.length > 1) {
      // Nothing else in flight: split (see the header).
      const half = effects.length >> 1;
      const rest = effects.slice(half);
      effects.length = half;
      this.#carryOut(finished, effects, acks);
      this.#hold(rest);
      return;
    }
    this.#carryOut(finished, effects, acks);
  }

  #carryOut(finished: readonly R[], effects: readonly Effect[], acks: readonly string[]): void {
    this.#ranSinceTick = true;
    this.host.committed(finished, effects, acks);
  }

  /**
   * Queues a group to be carried out one event-loop turn later: the release is queued behind the
   * tick that the carried-out effects' results requested.
   */
  #hold(effects: Effect[]): void {
    this.#held.push(effects);
    if (this.#releaseQueued) return;
    this.#releaseQueued = true;
    setImmediate(this.#release);
  }

  readonly #release = (): void => {
    this.#releaseQueued = false;
    const group = this.#held.shift();
    if (group !== undefined) this.#carryOut(NO_RUNS, group, NONE);
    if (this.#held.length > 0) {
      this.#releaseQueued = true;
      setImmediate(this.#release);
    }
  };
}
