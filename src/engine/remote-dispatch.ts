/**
 * Remote dispatch: the engine places attempts on `kairos worker` processes through Redis
 * Streams (docs/workers.md) instead of starting them in this process.
 *
 *   registry: a worker that registers is added to the scheduler (its capacity, pool, labels); a
 *             draining one is removed (nothing new is placed on it, its running attempts report);
 *             a dead one (heartbeat key expired) is removed and every attempt in flight on it is
 *             reported `lost` — counted as an attempt, rescheduled elsewhere, as in recovery —
 *             and its task stream is deleted so what was queued there never runs.
 *   start:    the `start` effect (after the tick committed the dispatch) XADDs the attempt to the
 *             placed worker's stream; the attempt number is the fencing token.
 *   results:  applied in the engine's tick through TaskFlow.applyResult, which ignores a result
 *             whose attempt is not the task's current one (a zombie worker's late result) and
 *             records it as `late_result_ignored`; acknowledged only after the tick's commit.
 *   kill:     (cancel, timeout) publishes a cancel to the worker; best effort.
 * Compensation steps still run in the engine process (local executors).
 */
import type { ExecResult } from '../exec/types.js';
import { LazyAbort } from '../exec/lazy-abort.js';
import type { ResolvedBroker } from '../fleet/broker-options.js';
import { EngineLink, type ReceivedResult } from '../fleet/engine-link.js';
import { toTaskMessage, type ResultMessage } from '../fleet/protocol.js';
import type { WorkerRecord } from '../fleet/protocol.js';
import type { LiveRun, LiveTask } from './live-run.js';
import type { ResolvedEngineOptions } from './engine-options.js';
import { execRequest } from './attempt-runner.js';
import type { WorkerCapacity } from './worker-capacity.js';
import { WorkerSpeeds } from './worker-speeds.js';

interface InFlight {
  readonly task: LiveTask;
  readonly attempt: number;
  readonly workerId: string;
  readonly incarnation: string;
}

function lost(error: string): ExecResult {
  return { outcome: 'lost', exitCode: null, signal: null, outputs: {}, error };
}

export class RemoteDispatch {
  readonly link: EngineLink;
  /**
   * Attempts sent and not yet reported, by run id then task id (a task has one attempt in flight
   * at most): a result finds its record from the ids it carries, with no key string built.
   */
  readonly #inflight = new Map<string, Map<string, InFlight>>();
  #inflightCount = 0;
  /** Result entries applied in the tick being committed; acknowledged by `committed()`. */
  #applied: string[] = [];
  #active = false;
  /** Live workers' records (to re-add one with a new learned speed). */
  readonly #records = new Map<string, WorkerRecord>();
  readonly speeds = new WorkerSpeeds();

  constructor(
    readonly o: ResolvedEngineOptions,
    broker: ResolvedBroker,
    /** The scheduler's worker list (worker-capacity.ts): registrations, speeds, removals. */
    readonly workers: WorkerCapacity,
    readonly runs: ReadonlyMap<string, LiveRun>,
    /** Runs `fn` at the start of the engine's next tick. */
    readonly post: (fn: () => void) => void,
    /** Applies a result inside a tick (TaskFlow.applyResult: fenced by attempt). */
    readonly apply: (task: LiveTask, attempt: number, res: ExecResult) => void,
    readonly error: (err: unknown) => void,
  ) {
    this.link = new EngineLink(broker, o.owner, o.logDir, {
      up: (w) => this.post(() => this.#up(w)),
      draining: (id) => this.post(() => (this.workers.remove(id), this.#records.delete(id))),
      gone: (id, incarnation, reason) => this.post(() => this.#gone(id, incarnation, reason)),
      results: (batch) => this.post(() => this.#results(batch)),
      error,
    });
  }

  /**
   * Starts watching workers and reading results: called when the engine adopts its first run.
   * Not before: a server replica also builds an engine but drives no run, and must not take
   * results off the shared stream (only the lease holder reads it).
   */
  activate(): void {
    if (this.#active) return;
    this.#active = true;
    this.link.start();
  }

  /** Attempts sent and not yet reported. */
  get inFlight(): number {
    return this.#inflightCount;
  }

  /** The `start` effect: sends the task's current attempt to the worker it was placed on. */
  start(task: LiveTask): void {
    const row = task.row;
    const attempt = row.attempt;
    const workerId = row.worker!;
    const incarnation = this.link.registry.incarnationOf(workerId);
    if (incarnation === undefined) {
      return this.post(() => this.apply(task, attempt, lost(`worker ${workerId} left before the attempt was sent`)));
    }
    const bound = task.bound!;
    const req = execRequest(task, this.o, bound.action, bound.env, attempt, `${row.taskId}.${attempt}.log`);
    let byTask = this.#inflight.get(row.runId);
    if (byTask === undefined) this.#inflight.set(row.runId, (byTask = new Map()));
    if (!byTask.has(row.taskId)) this.#inflightCount++;
    byTask.set(row.taskId, { task, attempt, workerId, incarnation });
    // Not an AbortController: building one per dispatched task was ~3% of a fleet engine's CPU;
    // the engine only calls abort(), which publishes a cancel to the worker (lazy-abort.ts).
    task.abort = new LazyAbort(() => this.link.cancel(workerId, req.attemptId));
    this.link.dispatch(workerId, incarnation, toTaskMessage(req, this.o.clock.now()));
  }

  /** Called by the engine once the tick's writes are committed: the results they hold are acknowledged. */
  committed(): void {
    this.ack(this.takeApplied());
  }

  /**
   * Pipelined commit (commit-pipeline.ts): the result entries applied since the last take, whose
   * writes go into the batch being taken; `ack` them once that batch is committed.
   */
  takeApplied(): readonly string[] {
    const ids = this.#applied;
    if (ids.length > 0) this.#applied = [];
    return ids;
  }

  ack(ids: readonly string[]): void {
    if (ids.length > 0) this.link.ack(ids);
  }

  close(): Promise<void> {
    return this.link.close(); // also closes the connections of a link never started
  }

  #up(w: WorkerRecord): void {
    // Re-adding an id keeps what is placed on it (scheduler contract); a new incarnation's old
    // attempts were already reported lost by `gone`, which runs first.
    this.#records.set(w.id, w);
    this.workers.set({ id: w.id, pool: w.pool, capacity: w.capacity, speed: this.speeds.speed(w.id), labels: w.labels });
  }

  #gone(id: string, incarnation: string, reason: string): void {
    if (this.link.registry.incarnationOf(id) === undefined) this.workers.remove(id), this.#records.delete(id);
    for (const byTask of this.#inflight.values()) {
      for (const f of byTask.values()) {
        if (f.workerId !== id || f.incarnation !== incarnation) continue;
        this.#forget(f.task);
        this.apply(f.task, f.attempt, lost(reason));
      }
    }
  }

  #results(batch: readonly ReceivedResult[]): void {
    for (const { id, msgs } of batch) {
      this.#applied.push(id);
      for (const msg of msgs) this.#result(msg);
    }
  }

  /** HEFT's worker speed factors, learned from finished attempts (worker-speeds.ts). */
  #learnSpeed(workerId: string, task: LiveTask, runtimeMs: number): void {
    const speed = this.speeds.observe(workerId, task.sched?.estimateMs ?? null, runtimeMs);
    if (speed !== null) this.workers.update(workerId, { speed });
  }

  #forget(task: LiveTask): void {
    const byTask = this.#inflight.get(task.row.runId);
    if (byTask === undefined || !byTask.delete(task.row.taskId)) return;
    this.#inflightCount--;
    if (byTask.size === 0) this.#inflight.delete(task.row.runId);
  }

  #result(msg: ResultMessage): void {
    // The in-flight record of this very attempt; a late result of an earlier attempt leaves the
    // current one's record alone (applyResult fences the result off).
    let f = this.#inflight.get(msg.runId)?.get(msg.taskId);
    if (f !== undefined && f.attempt === msg.attempt) this.#forget(f.task);
    else f = undefined;
    const task = f?.task ?? this.runs.get(msg.runId)?.tasks.get(msg.taskId);
    if (task === undefined) return; // a run this engine does not drive (finished, or not resumed yet)
    if (msg.outcome === 'succeeded' && f !== undefined) this.#learnSpeed(f.workerId, task, msg.finishedAt - msg.startedAt);
    const res: ExecResult = {
      outcome: msg.outcome, exitCode: msg.exitCode, signal: msg.signal, outputs: msg.outputs, error: msg.error,
      ...(msg.usage ? { usage: msg.usage } : {}),
    };
    this.apply(task, msg.attempt, res);
  }
}
