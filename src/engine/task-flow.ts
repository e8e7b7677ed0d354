/**
 * How tasks move: applies state-machine transitions to live tasks, records the rows they
 * change, and queues their effects to be carried out after the tick commits (write-ahead).
 * Also decides a task once its parents settle (condition, fan-out, templates) and settles
 * groups and runs' counters. Pure bookkeeping: nothing here starts a process or touches a disk.
 */
import type { Clock, Rng } from '../core/clock.js';
import type { Effect, EngineSchedTask, FlowHooks, FlowLimits, TaskChange } from './flow-types.js';
import { groupOutcome } from '../core/group-outcome.js';
import { isSettled, isTerminal, transition, type TaskEvent } from '../core/task-machine.js';
import type { SchedulerApi } from '../sched/types.js';
import type { ExecResult } from '../exec/types.js';
import type { TaskRow } from '../store/types.js';
import { bindTask, evalCondition, evalExpr, exprContext } from './bind-task.js';
import { LiveTask, type LiveRun } from './live-run.js';
import { taskWorkMs } from './build-run.js';
import { groupExpanded, groupSettledUnexpanded } from './job-facts.js';
import type { RuntimeEstimates } from './runtime-estimates.js';
import type { PendingWrites } from './pending-writes.js';

/** States a run's cancel leaves alone: ended, or already compensating. */
const NOT_CANCELLABLE: ReadonlySet<string> = new Set(['succeeded', 'failed', 'timed_out', 'skipped', 'cancelled', 'compensated', 'compensating']);

const PAUSED_RUN = Object.freeze({ kind: 'paused', scope: 'run' } as const);

/** The events every task goes through, shared (the hot path makes no event object for them). */
const START: TaskEvent = Object.freeze({ type: 'start' });
const SUCCEED: TaskEvent = Object.freeze({ type: 'succeed' });
const DEPS_MET: TaskEvent = Object.freeze({ type: 'deps_met' });
const ENQUEUE: TaskEvent = Object.freeze({ type: 'enqueue' });

export type { Effect, EngineSchedTask, FlowHooks, FlowLimits, TaskChange } from './flow-types.js';

export class TaskFlow {
  readonly effects: Effect[] = [];
  /** False while nobody listens to task changes: then no change object is built (hot path). */
  observed = false;
  /** Called for every finished attempt (latency from start, success, the worker it ran on): the tuners' feed. */
  onAttemptEnd: ((latencyMs: number, ok: boolean, now: number, worker: string | null) => void) | null = null;
  /** Tasks' `pool:`/`selector:` reach the scheduler only with remote workers; embedded mode's one local worker runs everything. */
  honourPools = false;
  /** The tuners' hooks, when the engine has tuners. */
  hooks: FlowHooks | null = null;
  #seq = 0;
  /** Children whose parents have all settled, waiting to be decided (see #drain). */
  readonly #toDecide: LiveTask[] = [];
  #draining = false;

  constructor(
    readonly scheduler: SchedulerApi,
    readonly writes: PendingWrites,
    readonly clock: Clock,
    readonly rng: Rng,
    readonly limits: FlowLimits,
    readonly estimates: RuntimeEstimates,
    /** Called on every task state change while `observed` (a display or API client listens). */
    readonly onChange: (change: TaskChange) => void,
    readonly onRunSettled: (run: LiveRun) => void,
  ) {}

  /** Applies one event; an illegal one (a late message) is recorded and changes nothing. */
  apply(task: LiveTask, event: TaskEvent): boolean {
    const from = task.row.state;
    const t = transition(from, event);
    const now = this.clock.now();
    if (!t.ok) {
      this.writes.event({ runId: task.row.runId, taskId: task.id, at: now, type: 'ignored', data: { event: event.type, reason: t.reason } });
      return false;
    }
    const row = task.row;
    row.state = t.state;
    if (t.reason !== undefined && t.state !== 'retry_wait') row.error = t.reason;
    const effects = t.effects;
    for (let i = 0; i < effects.length; i++) {
      const e = effects[i]!;
      switch (e.kind) {
        case 'enqueue':
          this.#enqueue(task, now);
          break;
        case 'execute':
          this.effects.push({ kind: 'start', task, attempt: row.attempt });
          break;
        case 'release':
          if (task.placed) {
            const h = task.schedHandle;
            if (h !== null && this.scheduler.releaseHandle !== undefined) this.scheduler.releaseHandle(h, task.sched!);
            else this.scheduler.release(task.key);
            task.schedHandle = null;
            task.run.job.running--;
            task.placed = false;
          }
          break;
        case 'kill':
          this.effects.push({ kind: 'kill', task });
          break;
        case 'retry_after':
          row.retryAt = now + e.delayMs;
          row.reason = { kind: 'backoff', until: row.retryAt, attempt: row.attempt + 1 };
          if (t.reason !== undefined) row.error = t.reason;
          this.effects.push({ kind: 'retry_timer', task, at: row.retryAt });
          break;
        case 'run_compensation':
          this.effects.push({ kind: 'compensate', task });
          break;
      }
    }
    if (from === 'queued' && t.state !== 'dispatched') this.scheduler.remove(task.key);
    if (t.state === 'ready' || t.state === 'queued' || t.state === 'dispatched') row.retryAt = null;
    if (isTerminal(t.state) && t.state !== 'compensated') row.finishedAt = now;
    this.writes.task(task);
    if (this.observed) this.onChange({ runId: row.runId, taskId: row.taskId, state: row.state, attempt: row.attempt, error: row.error, at: now });
    if (isSettled(t.state) && !isSettled(from)) this.#settled(task);
    return true;
  }

  #enqueue(task: LiveTask, now: number): void {
    const run = task.run;
    const spec = task.spec;
    const deadline = spec.deadlineMs !== null && run.row.startedAt !== null ? run.row.startedAt + spec.deadlineMs : run.row.deadlineAt;
    // A declared estimate has no learned spread (no estimateCv: the feature reads 0).
    const est = this.estimates;
    const learned = spec.estimateMs !== null ? null : est.keepsSignatures(run.spec.tasks.length) ? est.lookup(task.signature, now) : est.lookupShared(task.signature, now);
    // The task is its own scheduler view (live-run.ts): fields set here, no object per enqueue.
    task.priority = spec.priority;
    // Every attempt also takes one of the local worker's `slots` (the engine's concurrency limit).
    task.resources = task.demand;
    task.readyAt = now;
    task.seq = this.#seq++;
    task.deadline = deadline;
    task.estimateMs = learned === null ? spec.estimateMs : learned.value;
    task.estimateCv = learned?.cv ?? undefined;
    if (this.honourPools) (task.pool = spec.pool ?? null), (task.selector = spec.selector ?? null);
    const sched: EngineSchedTask = this.hooks === null ? task : this.hooks.enqueue(task);
    task.sched = sched;
    if (run.row.paused) {
      // A paused run's ready tasks wait outside the scheduler until it is resumed.
      task.row.reason = PAUSED_RUN;
      run.held.push(task);
      return;
    }
    task.row.reason = null;
    // Fresh: a task becomes queued only from ready, and a ready task is in the scheduler neither
    // waiting (left it when it stopped being queued) nor placed (released when its attempt
    // ended), so the checked enqueue's lookup by key is not needed (sched/task-index.ts).
    if (this.scheduler.enqueueFresh !== undefined) this.scheduler.enqueueFresh(sched);
    else this.scheduler.enqueue(sched);
  }

  /** Cancels every task of a run that has not ended (cancel of the run: no compensation). */
  cancelAll(run: LiveRun, reason: string): void {
    for (const t of run.tasks.values()) {
      if (t.isGroup && t.row.state === 'running') continue; // settles when its instances do
      if (!NOT_CANCELLABLE.has(t.row.state)) this.apply(t, { type: 'cancel', reason });
    }
  }

  /** Takes a run's queued tasks out of the scheduler (pause); they keep their place in line. */
  holdQueued(run: LiveRun): void {
    for (const t of run.tasks.values()) {
      if (t.row.state !== 'queued' || t.sched === null || run.held.includes(t)) continue;
      this.scheduler.remove(t.key);
      t.row.reason = PAUSED_RUN;
      this.writes.task(t);
      run.held.push(t);
    }
  }

  /** Puts a resumed run's held tasks back in the scheduler, with their original arrival order. */
  releaseHeld(run: LiveRun): void {
    for (const t of run.held.splice(0)) {
      if (t.row.state !== 'queued' || t.sched === null) continue;
      t.row.reason = null;
      this.writes.task(t);
      this.scheduler.enqueue(t.sched);
    }
  }

  /** Marks a queued task dispatched as attempt N and running (local execution starts at once). */
  dispatch(task: LiveTask, workerId: string, handle: unknown = null): void {
    const row = task.row;
    task.schedHandle = handle;
    row.attempt += 1;
    row.worker = workerId;
    row.startedAt = this.clock.now();
    row.reason = null;
    task.run.job.running++;
    task.placed = true;
    // The attempt row is written once, when the attempt ends, and made then (applyResult) from
    // the task row, which records the attempt number, worker and start: what recovery needs to
    // mark it lost. One write fewer per task is 24% more throughput (bench/engine/diagnose.ts,
    // "lean"); one object fewer living from dispatch to result is less for the young GC to copy.
    this.apply(task, { type: 'dispatch', attempt: row.attempt });
    this.apply(task, START);
    if (this.hooks !== null) this.hooks.dispatched(task);
  }

  /**
   * Applies an attempt's result. Fencing: only the current attempt of a running task counts; a
   * late result of a superseded attempt is recorded as `late_result_ignored` and changes nothing.
   */
  applyResult(task: LiveTask, attempt: number, res: ExecResult): void {
    const row = task.row;
    const now = this.clock.now();
    if (attempt !== row.attempt || row.state !== 'running') {
      this.writes.event({ runId: row.runId, taskId: row.taskId, at: now, type: 'late_result_ignored', data: { attempt, outcome: res.outcome } });
      return;
    }
    if (this.hooks !== null) res = this.hooks.result(task, res, now);
    task.abort = null;
    this.writes.attempt({
      runId: row.runId, taskId: row.taskId, attempt, kind: 'run', status: res.outcome, worker: row.worker,
      startedAt: row.startedAt!, finishedAt: now, exitCode: res.exitCode, error: res.error,
    }, row);
    if (this.onAttemptEnd !== null && row.startedAt !== null) this.onAttemptEnd(now - row.startedAt, res.outcome === 'succeeded', now, row.worker);
    const retries = task.spec.retries;
    switch (res.outcome) {
      case 'succeeded':
        if (row.startedAt !== null) {
          const est = this.estimates;
          if (est.keepsSignatures(task.run.spec.tasks.length)) est.observe(task.signature, now - row.startedAt, now);
          else est.observeShared(task.signature, now - row.startedAt, now);
        }
        row.outputs = { ...res.outputs };
        row.error = null;
        this.apply(task, SUCCEED);
        break;
      case 'timed_out':
        this.#failedAttempt(task);
        this.apply(task, { type: 'timeout', attempt, retries, u: this.rng.next() });
        break;
      case 'lost':
        this.apply(task, { type: 'lose', reason: res.error ?? 'lost' });
        this.apply(task, { type: 'reschedule' });
        this.makeReady(task);
        break;
      default:
        this.#failedAttempt(task);
        this.apply(task, { type: 'fail', attempt, retries, u: this.rng.next(), error: res.error ?? res.outcome });
    }
  }

  /** Runs a tick's messages in order: a function, or a result as 3 entries (task, attempt, result). */
  applyInbox(inbox: readonly unknown[]): void {
    for (let i = 0; i < inbox.length; i++) {
      const m = inbox[i];
      if (typeof m === 'function') m();
      else this.applyResult(m as LiveTask, inbox[++i] as number, inbox[++i] as ExecResult);
    }
  }

  /** A failed or timed-out attempt counts in its job's failedAttempts (simulator.ts #fail); a lost one does not, there either. */
  #failedAttempt(task: LiveTask): void {
    task.run.job.failedAttempts = (task.run.job.failedAttempts ?? 0) + 1;
  }

  /** All parents of `task` have settled: run it, skip it, or reject it. */
  decide(task: LiveTask): void {
    const run = task.run;
    if (run.cancelling) {
      this.apply(task, { type: 'cancel', reason: 'run cancelled' });
      return;
    }
    // The first parent that did not succeed (a loop: `find` made a closure per decided task).
    let blocked: LiveTask | undefined;
    for (let i = 0, ps = task.parents; i < ps.length; i++) {
      if (ps[i]!.row.state !== 'succeeded') {
        blocked = ps[i];
        break;
      }
    }
    if (blocked !== undefined) {
      this.apply(task, { type: 'skip', reason: `upstream ${blocked.id} ${blocked.row.state}` });
      return;
    }
    if (task.spec.when !== undefined) {
      const c = evalCondition(task.spec.when, exprContext(run, task));
      if (!c.ok) return void this.apply(task, { type: 'reject', error: `when: ${c.error}` });
      if (!c.value) return void this.apply(task, { type: 'skip', reason: `condition false: ${task.spec.when}` });
    }
    if (task.isGroup) return this.#expand(task);
    this.makeReady(task);
  }

  /** Binds templates and moves a pending (or rescheduled) task into the scheduler's queue. */
  makeReady(task: LiveTask): void {
    const b = bindTask(task.run, task);
    if (!b.ok) return void this.apply(task, { type: 'reject', error: b.error });
    task.bound = b.value;
    task.row.readyAt = this.clock.now();
    if (task.row.state === 'pending') this.apply(task, DEPS_MET);
    this.apply(task, ENQUEUE);
  }

  #expand(group: LiveTask): void {
    const run = group.run;
    const list = evalExpr(group.spec.foreach!, exprContext(run, group));
    if (!list.ok) return void this.apply(group, { type: 'reject', error: `foreach: ${list.error}` });
    if (!Array.isArray(list.value)) {
      return void this.apply(group, { type: 'reject', error: `foreach: expected a list, got ${typeof list.value}` });
    }
    if (list.value.length > this.limits.maxForeach) {
      return void this.apply(group, { type: 'reject', error: `foreach: ${list.value.length} items exceed the limit of ${this.limits.maxForeach}` });
    }
    // A group has no attempts of its own: it is 'running' while its instances run.
    group.row.state = 'running';
    group.row.startedAt = this.clock.now();
    this.writes.task(group);
    group.instances = [];
    list.value.forEach((item, index) => {
      const id = `${group.id}[${index}]`;
      let inst = run.tasks.get(id);
      if (inst === undefined) {
        const row: TaskRow = {
          runId: run.row.id, taskId: id, specId: group.id, itemIndex: index, item, state: 'pending', attempt: 0,
          readyAt: null, startedAt: null, finishedAt: null, retryAt: null, worker: null, outputs: null, error: null,
          reason: null, doneSeq: null,
        };
        inst = new LiveTask(run, group.spec, row);
        run.tasks.add(inst);
        this.writes.newTask(row);
      }
      inst.joinGroup(group);
      group.instances!.push(inst);
      run.unsettled++;
    });
    // The instances replace the group's expected ones in the job's facts (job-facts.ts).
    groupExpanded(group);
    if (this.observed) this.onChange({ runId: run.row.id, taskId: group.id, state: 'running', attempt: 0, error: null, at: this.clock.now() });
    if (group.instances.length === 0) this.settleGroup(group);
    else for (const inst of group.instances) this.makeReady(inst);
  }

  /** Settles a group whose instances have all settled (also used on recovery). */
  settleGroup(group: LiveTask): void {
    const outcome = groupOutcome(group.instances!.map((i) => i.row.state));
    if (outcome === null || isSettled(group.row.state)) return;
    const row = group.row;
    row.state = outcome;
    row.finishedAt = this.clock.now();
    row.outputs = { items: group.instances!.map((i) => i.row.outputs ?? {}) };
    if (outcome !== 'succeeded') {
      const bad = group.instances!.find((i) => i.row.state !== 'succeeded' && i.row.state !== 'skipped');
      row.error = bad ? `instance ${bad.id} ${bad.row.state}: ${bad.row.error ?? ''}`.trim() : null;
    } else row.doneSeq = group.run.nextDoneSeq++;
    this.writes.task(group);
    if (this.observed) this.onChange({ runId: row.runId, taskId: row.taskId, state: row.state, attempt: 0, error: row.error, at: row.finishedAt });
    this.#settled(group);
  }

  #settled(task: LiveTask): void {
    const run = task.run;
    const row = task.row;
    if (row.state === 'succeeded' && row.doneSeq === null) row.doneSeq = run.nextDoneSeq++;
    run.unsettled--;
    if (!task.isGroup) {
      run.job.doneTasks++;
      run.job.remainingWorkMs = Math.max(0, run.job.remainingWorkMs - taskWorkMs(task.spec));
    } else if (task.instances === null) groupSettledUnexpanded(task);
    if (task.group !== null) {
      this.settleGroup(task.group);
    } else if (row.state !== 'compensating' && row.state !== 'compensated') {
      // Indexed: the for-of made an iterator result per settled task (alloc-profile.ts).
      for (let i = 0, children = task.children; i < children.length; i++) {
        const child = children[i]!;
        if (child.row.state === 'pending' && --child.unsettledParents === 0) this.#toDecide.push(child);
      }
    }
    if (run.unsettled === 0) this.onRunSettled(run);
    this.#drain();
  }

  /**
   * Decides the children a settlement released, iteratively: deciding a child can settle it
   * (skip, reject, cancel) and release its own children, so a recursive walk would use one stack
   * frame per level and overflow on a 5,000-deep chain. The outermost call drains the worklist.
   */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let i = 0; i < this.#toDecide.length; i++) {
        const t = this.#toDecide[i]!;
        if (t.row.state === 'pending') this.decide(t);
      }
    } finally {
      this.#toDecide.length = 0;
      this.#draining = false;
    }
  }
}
