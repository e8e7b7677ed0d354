/**
 * The live engine: drives the scheduler with real time, the store and real executors.
 *
 * One tick (coalesced with setImmediate, so a burst of results becomes one tick):
 *   1. apply queued messages (results, retry timers, commands) through the task state machine;
 *   2. ask the scheduler for placements and dispatch them (attempt N, fencing token);
 *   3. commit every row the tick changed in ONE transaction (group commit);
 *   4. only then carry out the effects: start attempts, kill, arm retry timers (write-ahead).
 * A crash between 3 and 4 loses no decision: recovery finds the attempts `running` and reruns
 * them as `lost`. A result whose attempt number is not the task's current one is ignored.
 *
 * Pipelined commit (stores with `pipelinedCommit`: SQLite's writer thread, PostgreSQL;
 * commit-pipeline.ts): step 3 posts the batch and the tick ends; the next ticks run while
 * the writer commits, and step 4 happens when the commit is acknowledged (remote mode: with
 * the acknowledgement of the results it applied).
 */
import { EventEmitter } from 'node:events';
import type { WorkflowSpec } from '../core/model.js';
import { KairosError } from '../core/errors.js';
import { Scheduler } from '../sched/scheduler.js';
import type { SchedulerConfig } from '../sched/types.js';
import type { RunRow } from '../store/types.js';
import type { ExecResult } from '../exec/types.js';
import { buildRun } from './build-run.js';
import { newRun, type SubmitOptions } from './new-run.js';
import type { LiveRun, LiveTask } from './live-run.js';
import { PendingWrites } from './pending-writes.js';
import { continueCompensation, onRunSettled } from './run-finish.js';
import { TaskFlow, type Effect, type EngineSchedTask, type TaskChange } from './task-flow.js';
import { CommitPipeline } from './commit-pipeline.js';
import { storedRun } from './missing-rows.js';
import { resolveEngineOptions, withLearnedGuards, type EngineOptions, type ResolvedEngineOptions } from './engine-options.js';
import { startAttempt, startCompensation } from './attempt-runner.js';
import { RemoteDispatch } from './remote-dispatch.js';
import { WorkerCapacity } from './worker-capacity.js';
import { recoverRun } from './recovery.js';
import { cancelThroughStore, retryBatch, storedRunRow } from './stored-ops.js';
import { claimForDrive, startOwnerHeartbeat } from './owner.js';
import { RuntimeEstimates } from './runtime-estimates.js';
import { createConcurrencyController, type ConcurrencyController } from '../learn/concurrency/index.js';
import { SelfTuning } from './self-tuning.js';
import type { TuningDecision } from './tuning-log.js';
import { EngineTuners, type TunerDecision } from './tuners.js';

export type { SubmitOptions } from './new-run.js';

export interface EngineEvents {
  task: [TaskChange];
  run: [RunRow];
  error: [unknown];
  /** A self-tuning decision (concurrency limit, WRR shares, policy switch), with its reason. */
  tuning: [TuningDecision];
  /** A decision of the right-sizing, anomaly, breaker or deadline-risk tuner, with its reason. */
  tuner: [TunerDecision];
}

export class Engine extends EventEmitter<EngineEvents> {
  readonly options: ResolvedEngineOptions;
  readonly scheduler: Scheduler;
  /** Learned runtimes per task signature (see runtime-estimates.ts). */
  readonly estimates: RuntimeEstimates;
  /** The adaptive concurrency controller when `autoConcurrency` is set (its decisions, with reasons). */
  readonly concurrencyController: ConcurrencyController | null;
  /** The scheduler's workers: real infos and the tuners' adjustments (worker-capacity.ts). */
  readonly workers: WorkerCapacity;
  /** Right-sizing, anomalies, per-worker breaker, deadline risk (tuners.ts): decisions, counters. */
  readonly tuners: EngineTuners;
  /** Concurrency, priority shares, what-if policy switch: state and recent decisions (self-tuning.ts). */
  readonly selfTuning: SelfTuning;
  readonly #writes: PendingWrites;
  readonly #flow: TaskFlow;
  /** Remote workers over Redis Streams (`broker` option); null in embedded mode. */
  readonly #remote: RemoteDispatch | null;
  readonly #runs = new Map<string, LiveRun>();
  /** Messages for the next tick, in order: a function, or a result as 3 entries (task, attempt, result: no closure). */
  #inbox: unknown[] = [];
  #tickQueued = false;
  #ticking = false;
  /** A tick was requested while one was running: run another when it ends. */
  #tickAgain = false;
  #finished: LiveRun[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #heartbeat: NodeJS.Timeout | null = null;
  #closed = false;
  #tickNow = 0;
  #concurrency: number;
  #systemPaused = false;
  /** Ticks post their batch and go on (see the header); null: each tick awaits its commit. */
  readonly #pipeline: CommitPipeline<LiveRun> | null;

  constructor(options: EngineOptions) {
    super();
    this.options = resolveEngineOptions(options);
    const o = this.options;
    this.#writes = new PendingWrites(o.submitChunkRows);
    this.scheduler = new Scheduler(o.scheduler, { rng: o.rng });
    this.#concurrency = o.concurrency;
    this.concurrencyController = o.autoConcurrency === null ? null : createConcurrencyController({ initialLimit: o.concurrency, ...o.autoConcurrency });
    this.workers = new WorkerCapacity(this.scheduler);
    this.#remote = o.broker === null ? null : new RemoteDispatch(o, o.broker, this.workers, this.#runs, (fn) => this.#post(fn), (t, a, r) => this.#flow.applyResult(t, a, r), (e) => this.emit('error', e));
    if (this.#remote === null) this.workers.set({ id: 'local', pool: 'default', capacity: { ...o.capacity, slots: o.concurrency }, speed: 1, labels: {} });
    // The flow reads the time of the tick it runs in: one clock read per tick, not per transition.
    const tickClock = { now: () => this.#tickNow };
    this.estimates = new RuntimeEstimates(o.runtimeModel);
    this.#flow = new TaskFlow(
      this.scheduler, this.#writes, tickClock, o.rng, { maxForeach: o.maxForeach }, this.estimates,
      (c) => this.emit('task', c),
      (run) => this.#runSettled(run),
    );
    this.#flow.honourPools = this.#remote !== null;
    // Remote dispatch acknowledges a commit's results with it (`acks`).
    this.#pipeline = o.store.pipelinedCommit !== true ? null : new CommitPipeline(o.store, {
      background: () => this.#writes.unsaved,
      take: (alone) => ({ batch: this.#writes.take(true, alone), effects: this.#flow.effects.splice(0), finished: this.#finished.splice(0), acks: this.#remote?.takeApplied() }),
      committed: (finished, effects, acks) => (this.#remote?.ack(acks), finished.forEach((run) => this.#retire(run)), effects.forEach((e) => this.#carryOut(e))),
      error: (err) => this.emit('error', err),
    });
    this.selfTuning = new SelfTuning(this, o);
    this.#flow.onAttemptEnd = this.selfTuning.concurrencyFeed();
    this.tuners = new EngineTuners(o.tuners, { scheduler: this.scheduler, workers: this.workers, flow: this.#flow, estimates: this.estimates, clock: o.clock, runs: this.#runs, post: (fn) => this.#post(fn), emit: (d) => this.emit('tuner', d) });
  }

  get runs(): ReadonlyMap<string, LiveRun> {
    return this.#runs;
  }

  /** Creates a run of `spec` and starts it. `params` are checked against the spec's declarations. */
  async submit(spec: WorkflowSpec, params: Record<string, unknown> = {}, opts: SubmitOptions = {}): Promise<RunRow> {
    const now = this.options.clock.now();
    const { row, tasks } = newRun(spec, params, opts, now, this.options.rng, this.options.owner);
    const id = row.id;
    const run = buildRun(row, tasks);
    this.#writes.newRun(row);
    this.#writes.newRunTasks(run.tasks.toArray());
    this.#writes.event({ runId: id, taskId: null, at: now, type: 'run_submitted', data: { params: row.params } });
    this.#adopt(run);
    this.#post(() => {
      run.tasks.forEach((t) => void (t.unsettledParents === 0 && t.row.state === 'pending' && this.#flow.decide(t))); // no iterator results
      if (run.unsettled === 0) this.#runSettled(run);
    });
    this.emit('run', row);
    return row;
  }

  /** Takes over an unfinished run from the store and drives it to the end. */
  async resume(runId: string): Promise<RunRow> {
    const row = await this.#loadOwned(runId);
    // A crash between a large submit's chunks left some rows out: made again, pending.
    const { run, created } = storedRun(row, await this.options.store.getTasks(runId));
    this.#writes.newRunTasks(created);
    this.#adopt(run);
    this.#post(() => recoverRun(run, this.#flow, this.#writes, this.options.clock.now()));
    return row;
  }

  /** Reruns a finished run's failed tasks (or `taskId` and everything downstream of it). */
  async retry(runId: string, taskId?: string): Promise<RunRow> {
    await this.options.store.commit(await retryBatch(this.options.store, runId, taskId, this.options.clock.now()));
    return this.resume(runId);
  }

  /** Cancels a run: queued tasks are dropped, running attempts killed; no compensation. */
  async cancel(runId: string, reason = 'cancelled by request'): Promise<RunRow> {
    const run = this.#runs.get(runId);
    if (!run) throw new KairosError('ILLEGAL_TRANSITION', `run '${runId}' is ${(await storedRunRow(this.options.store, runId)).state} and not driven by this engine; only a live run can be cancelled`);
    if (run.row.state === 'compensating') throw new KairosError('ILLEGAL_TRANSITION', `run '${runId}' is compensating and cannot be cancelled`);
    return new Promise((resolve) => {
      run.waiters.push(resolve);
      this.#post(() => {
        run.cancelling = true;
        this.#flow.cancelAll(run, reason);
        if (run.unsettled === 0) this.#runSettled(run);
      });
    });
  }

  /**
   * Cancels a run this engine does not drive: asks its live owner to (it polls for requests),
   * or, when the owner is gone, writes the cancellation straight to the store.
   */
  async cancelStored(runId: string, reason = 'cancelled by request'): Promise<RunRow> {
    if (this.#runs.has(runId)) return this.cancel(runId, reason);
    return cancelThroughStore(this.options.store, runId, reason, this.options.owner, (id) => this.#loadOwned(id), this.options.clock);
  }

  /**
   * Pauses a live run: nothing of it starts until `resumeRun` (attempts already running finish).
   * The pause is stored, so it survives a restart. Returns the run row.
   */
  pauseRun(runId: string): RunRow {
    return this.#setPaused(runId, true);
  }

  resumeRun(runId: string): RunRow {
    return this.#setPaused(runId, false);
  }

  #setPaused(runId: string, paused: boolean): RunRow {
    const run = this.#runs.get(runId);
    if (!run) throw new KairosError('ILLEGAL_TRANSITION', `run '${runId}' is not running in this engine; only a live run can be ${paused ? 'paused' : 'resumed'}`, { field: 'run' });
    if (run.row.paused === paused) return run.row;
    run.row.paused = paused;
    this.#post(() => {
      this.#writes.run(run.row);
      this.#writes.event({ runId, taskId: null, at: this.#tickNow, type: paused ? 'run_paused' : 'run_unpaused', data: null });
      if (paused) this.#flow.holdQueued(run);
      else this.#flow.releaseHeld(run);
    });
    return run.row;
  }

  /**
   * Pauses the whole engine: no attempt starts until `resumeAll` (running ones finish). Not
   * stored: a restarted engine runs again.
   */
  pauseAll(): void {
    this.#systemPaused = true;
  }

  resumeAll(): void {
    this.#systemPaused = false;
    this.#requestTick();
  }

  get paused(): boolean {
    return this.#systemPaused;
  }

  /** Resolves with the final run row once the run is over. */
  wait(runId: string): Promise<RunRow> {
    const run = this.#runs.get(runId);
    return run === undefined ? storedRunRow(this.options.store, runId) : new Promise((resolve) => run.waiters.push(resolve));
  }

  /**
   * Changes how many attempts may run at once on the local worker (its `slots`), while running:
   * the adaptive concurrency controller's knob. Lowering it below what runs now starts nothing
   * new until enough attempts finish; nothing running is stopped.
   */
  setConcurrency(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new KairosError('LIMIT_EXCEEDED', `concurrency must be an integer >= 1, got ${n}`, { field: 'concurrency' });
    this.#concurrency = n;
    // Re-adding a worker under its id keeps its placed tasks and recomputes what is free.
    if (this.#remote === null) this.workers.set({ id: 'local', pool: 'default', capacity: { ...this.options.capacity, slots: n }, speed: 1, labels: {} });
    this.#requestTick();
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  /** Switches the scheduling policy or its settings while running. */
  configureScheduler(config: SchedulerConfig): void {
    this.scheduler.configure(withLearnedGuards(config));
    this.#requestTick();
  }

  /**
   * Stops the engine. `kill: true` kills running attempts (their rows stay `running`, so a later
   * resume reruns them as lost); otherwise waits for the tick in progress only.
   */
  async close(opts: { kill?: boolean } = {}): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const saveError = [this.estimates.close(), this.tuners.close()].find((e) => e !== null) ?? null;
    if (saveError !== null) this.emit('error', new Error(saveError));
    const kill = () => {
      if (opts.kill) for (const run of this.#runs.values()) for (const t of run.tasks.values()) t.abort?.abort();
    };
    kill();
    // The ticks that ran have their writes committed (and their effects carried out) before close returns.
    while (this.#ticking) await new Promise((r) => setImmediate(r));
    await this.#pipeline?.drain();
    kill();
    await this.#remote?.close();
  }

  #loadOwned(runId: string): Promise<RunRow> {
    const o = this.options;
    return claimForDrive(o.store, runId, o.owner, o.heartbeatMs, o.clock.now());
  }

  #adopt(run: LiveRun): void {
    this.#runs.set(run.row.id, run);
    this.#remote?.activate();
    this.#heartbeat ??= startOwnerHeartbeat(this.options, (id) => {
      if (this.#runs.has(id)) void this.cancel(id, 'cancelled by request');
    });
  }

  #runSettled(run: LiveRun): void {
    const done = onRunSettled(run, this.#flow, this.options.clock.now());
    if (done) this.#finished.push(run);
  }

  #post(fn: () => void): void {
    this.#inbox.push(fn);
    this.#requestTick();
  }

  /** A local attempt's result, queued for the next tick (see #inbox). */
  readonly #resultDone = (task: LiveTask, attempt: number, res: ExecResult): void => void (this.#inbox.push(task, attempt, res), this.#requestTick());

  #requestTick(): void {
    if (this.#tickQueued || this.#closed) return;
    this.#tickQueued = true;
    setImmediate(() => void this.#tick());
  }

  async #tick(): Promise<void> {
    this.#tickQueued = false;
    if (this.#closed) return;
    // Not re-polled with setImmediate while a tick awaits its commit: that spun the event loop
    // (2 immediates per turn) for the whole commit and was most of a remote fleet engine's CPU
    // (bench/fleet/commit-share.ts). The tick in progress runs the next one when it ends.
    if (this.#ticking) return void (this.#tickAgain = true);
    this.#ticking = true;
    try {
      this.#flow.observed = this.listenerCount('task') > 0;
      const now = (this.#tickNow = this.options.clock.now());
      const inbox = this.#inbox;
      this.#inbox = [];
      this.#flow.applyInbox(inbox);
      if (!this.#systemPaused) {
        const round = this.scheduler.schedule(now);
        for (const p of round.placements) this.#flow.dispatch((p.task as EngineSchedTask).live, p.workerId, p.handle ?? null);
        this.selfTuning.onRound(now, round.placements);
        for (const e of round.expired) this.#flow.apply((e.task as EngineSchedTask).live, { type: 'cancel', reason: e.detail });
      }
      if (this.#pipeline !== null) return this.#pipeline.flush();
      const batch = this.#writes.take();
      const effects = this.#flow.effects.splice(0);
      const finished = this.#finished.splice(0);
      await this.options.store.commit(batch);
      this.#remote?.committed();
      for (const run of finished) this.#retire(run);
      for (const e of effects) this.#carryOut(e);
    } catch (err) {
      this.emit('error', err);
    } finally {
      this.#ticking = false;
      if (this.#inbox.length > 0 || this.#tickAgain) (this.#tickAgain = false), this.#requestTick();
    }
  }

  #retire(run: LiveRun): void {
    this.#runs.delete(run.row.id);
    this.emit('run', run.row);
    for (const w of run.waiters.splice(0)) w(run.row);
  }

  #carryOut(e: Effect): void {
    const task = e.task;
    switch (e.kind) {
      case 'start':
        // A pipelined commit's starts run after later ticks (commit-pipeline.ts), which may have
        // cancelled the task: start only while its attempt is the one running.
        if (task.row.state !== 'running' || task.row.attempt !== e.attempt) break;
        if (this.#remote !== null) this.#remote.start(task);
        else startAttempt(task, this.options, this.#resultDone, this.tuners.extend);
        break;
      case 'kill':
        task.abort?.abort();
        break;
      case 'retry_timer': {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#post(() => {
            if (task.row.state !== 'retry_wait' || task.row.retryAt !== e.at) return;
            this.#flow.apply(task, { type: 'retry_due' });
            this.#flow.makeReady(task);
          });
        }, Math.max(0, e.at - this.options.clock.now()));
        this.#timers.add(timer);
        break;
      }
      case 'compensate':
        startCompensation(task, this.options, this.#writes, (res) => this.#post(() => this.#onCompensated(task, res)));
        break;
    }
  }

  #onCompensated(task: LiveTask, res: ExecResult): void {
    this.#flow.apply(task, res.outcome === 'succeeded' ? { type: 'compensated' } : { type: 'compensate_failed', error: `compensation: ${res.error ?? res.outcome}` });
    const run = task.run;
    run.compensationQueue?.shift();
    const done = continueCompensation(run, this.#flow, this.options.clock.now());
    if (done) this.#finished.push(run);
  }
}

