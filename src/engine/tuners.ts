/**
 * The engine's glue to its tuners (src/learn: right-sizing, anomaly detector, per-worker circuit
 * breaker, deadline risk). The tuners are pure; this file feeds them the engine's events and
 * carries out their decisions, each recorded with its reason (`decisions`, the engine's `tuner`
 * event, a `tuner` event row on the run), and counted (`counters`, for metrics).
 *
 * Hooks (all run inside an engine tick, so every row they touch joins the tick's group commit):
 *   - `enqueue` (TaskFlow): the scheduled request and priority — recommended request when
 *     `apply`, memory grown after an OOM kill, priority boosted for a run at deadline risk;
 *   - `result` (TaskFlow): feeds the breaker (per worker id) and the recommender, and rewrites
 *     two results to `lost` (rescheduled, not counted against `retries`): an attempt killed for
 *     memory that gets a larger request, and an attempt restarted for an anomaly;
 *   - `dispatched` (TaskFlow): tracks running attempts (local or remote) for the runtime check;
 *   - `extend` (local attempt start): the memory limit and the usage callback of shell attempts;
 *   - a periodic check (`checkEveryMs`): breaker cool-downs, runtime anomalies of running
 *     attempts, deadline risk of runs with a deadline.
 */
import type { Clock } from '../core/clock.js';
import type { SchedulerApi } from '../sched/types.js';
import type { ExecRequest, ExecResult } from '../exec/types.js';
import { AnomalyDetector, type Anomaly } from '../learn/anomaly/anomaly-detector.js';
import { BreakerSet, type BreakerState, type BreakerTransition } from '../learn/breaker/circuit-breaker.js';
import { DeadlineRisk, type DeadlineDecision, type DeadlineRiskState } from '../learn/deadline/deadline-risk.js';
import { WaitEstimate } from '../learn/deadline/wait-estimate.js';
import { RightSizingRecommender, type RightSizingRecommendation } from '../learn/rightsizing/recommender.js';
import { afterOom, applied } from '../learn/rightsizing/sizing.js';
import { schedCopy, type LiveRun, type LiveTask } from './live-run.js';
import type { EngineSchedTask, FlowHooks, TaskFlow } from './task-flow.js';
import type { RuntimeEstimates } from './runtime-estimates.js';
import type { ResolvedTunerOptions } from './tuners-options.js';
import { ModelFile } from './model-file.js';
import { WorkerFences } from './tuners-fences.js';
import type { WorkerCapacity } from './worker-capacity.js';
import { boostQueued, boostedPriority, remainingOf } from './tuners-deadline.js';
import { postAlert } from './tuners-webhook.js';

export interface TunerDecision {
  readonly at: number;
  readonly tuner: 'rightsizing' | 'anomaly' | 'breaker' | 'deadline';
  /** Task key `run/task`, signature, worker id or run id. */
  readonly subject: string;
  readonly action: string;
  readonly reason: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface TunerCounters {
  anomalies: { runtime: number; memory: number };
  anomalyRestarts: number;
  oomKills: number;
  oomRetries: number;
  rightsizingApplied: number;
  breakerTransitions: { open: number; half_open: number; close: number };
  deadlineAtRisk: number;
  deadlineAlerts: { sent: number; failed: number };
  priorityBoosts: number;
  /** Every decision made, by `tuner/action` (monotone; `decisions` keeps only the last 1,000). */
  decisions: Record<string, number>;
}

export interface TunerHost {
  readonly scheduler: SchedulerApi;
  readonly workers: WorkerCapacity;
  readonly flow: TaskFlow;
  readonly estimates: RuntimeEstimates;
  readonly clock: Clock;
  readonly runs: ReadonlyMap<string, LiveRun>;
  post(fn: () => void): void;
  emit(d: TunerDecision): void;
}

const MAX_DECISIONS = 1000;

export class EngineTuners implements FlowHooks {
  readonly options: ResolvedTunerOptions;
  readonly decisions: TunerDecision[] = [];
  readonly counters: TunerCounters = {
    anomalies: { runtime: 0, memory: 0 }, anomalyRestarts: 0, oomKills: 0, oomRetries: 0, rightsizingApplied: 0,
    breakerTransitions: { open: 0, half_open: 0, close: 0 }, deadlineAtRisk: 0, deadlineAlerts: { sent: 0, failed: 0 }, priorityBoosts: 0, decisions: {},
  };
  /** The right-sizing recommender, persisted like the runtime model (model-file.ts). */
  readonly model: ModelFile<RightSizingRecommender>;
  readonly anomalies: AnomalyDetector;
  readonly breakers: BreakerSet | null;
  readonly deadlines: DeadlineRisk;
  /** Recent queue waits (readyAt -> dispatch): deadline risk adds one per task not started. */
  readonly queueWait = new WaitEstimate();
  readonly #h: TunerHost;
  readonly #fences: WorkerFences | null;
  readonly #running = new Set<LiveTask>();
  /** The anomaly detector was asked about some task (before that, it has nothing to forget). */
  #anomaliesSeen = false;
  /** Memory request of a task after OOM retries, and how many it had (by task key). */
  readonly #memory = new Map<string, number>();
  readonly #ooms = new Map<string, number>();
  /** Attempts killed for an anomaly (key -> attempt): their `cancelled` result becomes `lost`. */
  readonly #restarting = new Map<string, number>();
  /** Anomaly restarts so far per task key (bounded by `anomalyMaxRestarts`). */
  readonly #restarts = new Map<string, number>();
  /** Last applied request per signature (a decision is recorded when it changes). */
  readonly #appliedShown = new Map<string, string>();
  readonly #timer: NodeJS.Timeout;

  constructor(options: ResolvedTunerOptions, host: TunerHost) {
    this.options = options;
    this.#h = host;
    this.model = new ModelFile(options.model, 'right-sizing model', (json) => RightSizingRecommender.fromJSON(json, options.rightsizing), () => new RightSizingRecommender(options.rightsizing));
    this.anomalies = new AnomalyDetector(options.anomaly);
    this.breakers = options.breaker === null ? null : new BreakerSet(options.breaker);
    this.#fences = this.breakers === null ? null : new WorkerFences(host.scheduler, host.workers, this.breakers.options.probes);
    this.deadlines = new DeadlineRisk(options.deadline);
    host.flow.hooks = this;
    this.#timer = setInterval(() => this.#busy() && host.post(() => this.check()), options.checkEveryMs);
    this.#timer.unref();
  }

  get rightsizing() {
    return this.model.model;
  }

  recommendations(): RightSizingRecommendation[] {
    return this.model.model.all();
  }

  breakerStates(): BreakerState[] {
    return this.breakers?.states(this.#h.clock.now()) ?? [];
  }

  atRiskRuns(): DeadlineRiskState[] {
    return this.deadlines.atRisk();
  }

  /** Saves the model and stops the timer; returns why the model could not be saved, if so. */
  close(): string | null {
    clearInterval(this.#timer);
    return this.model.close();
  }

  // ---- hooks ----

  enqueue(s: EngineSchedTask): EngineSchedTask {
    const task = s.live;
    const boost = this.deadlines.boostOf(task.run.row.id);
    // Size checks before the lookups by key: most engines never have an entry, and a lookup
    // builds the task's key string and hashes it (per task, on the engine's hot path).
    const mem = this.#memory.size === 0 ? undefined : this.#memory.get(task.key);
    if (boost === 0 && mem === undefined && !this.options.apply) return s;
    let resources = s.resources;
    if (this.options.apply) {
      const a = applied(resources, this.model.model.recommend(task.signature));
      if (a.changed) {
        resources = a.resources;
        this.counters.rightsizingApplied++;
        const shown = JSON.stringify(resources);
        if (this.#appliedShown.get(task.signature) !== shown) {
          this.#appliedShown.set(task.signature, shown);
          this.#decide({ tuner: 'rightsizing', subject: task.signature, action: 'apply', reason: a.reason, data: { resources } }, task);
        }
      }
    }
    if (mem !== undefined) resources = { ...resources, memory: Math.max(mem, resources.memory ?? 0) };
    const priority = boostedPriority(task, boost, this.deadlines.options.maxPriority);
    return resources === s.resources && priority === s.priority ? s : schedCopy(s, priority, resources);
  }

  result(task: LiveTask, res: ExecResult, now: number): ExecResult {
    this.#running.delete(task);
    if (this.#anomaliesSeen) this.anomalies.forget(task.key);
    if (task.row.startedAt !== null && task.row.readyAt !== null) this.queueWait.observe(task.row.startedAt - task.row.readyAt);
    const restartOf = this.#restarting.size === 0 ? undefined : this.#restarting.get(task.key);
    if (restartOf !== undefined) {
      this.#restarting.delete(task.key);
      if (restartOf === task.row.attempt && res.outcome === 'cancelled') {
        // A stuck attempt counts against its worker: a slow or hung worker opens its breaker too.
        this.#recordBreaker(task.row.worker, false, now);
        return { ...res, outcome: 'lost', error: 'restarted: flagged as anomalous' };
      }
    }
    const oomAt = this.#oomLimit(task, res);
    if (oomAt !== null) return this.#onOom(task, res, oomAt, now);
    if (res.outcome !== 'cancelled') this.#recordBreaker(task.row.worker, res.outcome === 'succeeded', now);
    const u = res.usage;
    if (u !== undefined && (res.outcome === 'succeeded' || res.outcome === 'failed') && task.row.startedAt !== null) {
      const d = task.spec.resources;
      const declared = { ...(d.cpu === undefined ? {} : { cpu: d.cpu }), ...(d.memory === undefined ? {} : { memory: d.memory }) };
      const sample = { wallMs: u.cpuWindowMs ?? now - task.row.startedAt, declared, ...(u.maxRssBytes === undefined ? {} : { peakRssBytes: u.maxRssBytes }), ...(u.cpuMs === undefined ? {} : { cpuMs: u.cpuMs }) };
      if (this.model.model.observe(task.signature, sample, now)) this.model.changed();
    }
    return res;
  }

  dispatched(task: LiveTask): void {
    this.#running.add(task);
  }

  /** Adds the memory limit and the usage feed to a starting attempt of a task with a memory request. */
  readonly extend = (task: LiveTask, req: ExecRequest): ExecRequest => {
    const limit = task.sched?.resources.memory;
    if (limit === undefined || !(limit > 0)) return req;
    const key = task.key;
    const attempt = task.row.attempt;
    return {
      ...req,
      ...(this.options.enforceMemory ? { memoryLimitBytes: limit } : {}),
      onUsage: (u) => {
        this.#anomaliesSeen = true;
        const a = this.anomalies.observeMemory(key, u.rssBytes, limit, this.#h.clock.now());
        if (a !== null) this.#h.post(() => this.#onAnomaly(task, attempt, a));
      },
    };
  };

  // ---- periodic check ----

  /** Whether a check could do anything (an idle engine is not woken every second for nothing). */
  #busy(): boolean {
    if (this.#running.size > 0) return true;
    if (this.breakers !== null && this.breakers.states(this.#h.clock.now()).some((b) => b.state !== 'closed')) return true;
    for (const run of this.#h.runs.values()) if (run.row.deadlineAt !== null) return true;
    return this.#memory.size > 0 || this.#ooms.size > 0 || this.#restarting.size > 0 || this.#restarts.size > 0;
  }

  check(): void {
    const now = this.#h.clock.now();
    if (this.breakers !== null) {
      for (const t of this.breakers.tick(now)) this.#breakerMoved(t);
    }
    for (const task of this.#running) {
      if (task.row.state !== 'running' || task.row.startedAt === null) continue;
      const p = this.#h.estimates.predictor.predict(task.signature);
      if (p === null || p.source !== 'signature') continue;
      this.#anomaliesSeen = true;
      const a = this.anomalies.checkRuntime({ key: task.key, startedAt: task.row.startedAt, p99Ms: p.p99Ms, samples: p.count }, now);
      if (a !== null) this.#onAnomaly(task, task.row.attempt, a);
    }
    for (const run of this.#h.runs.values()) {
      if (run.row.deadlineAt !== null && run.row.state === 'running') this.#assessDeadline(run, now);
    }
    this.#prune();
  }

  #assessDeadline(run: LiveRun, now: number): void {
    const est = this.#h.estimates;
    const remaining = remainingOf(run, now, (t) => t.spec.estimateMs ?? est.estimate(t.signature, now) ?? 0, this.queueWait.valueMs);
    const out = this.deadlines.assess({ runId: run.row.id, deadlineAt: run.row.deadlineAt!, remainingMs: remaining, basePriority: run.row.priority }, now);
    for (const d of out) this.#onDeadline(run, d);
  }

  #onDeadline(run: LiveRun, d: DeadlineDecision): void {
    const data = { deadlineAt: d.deadlineAt, predictedEndAt: d.predictedEndAt, ...(d.priority === undefined ? {} : { priority: d.priority }) };
    if (d.action === 'boost') {
      const moved = boostQueued(run, this.#h.scheduler, this.deadlines.boostOf(run.row.id), this.deadlines.options.maxPriority);
      this.counters.priorityBoosts += moved;
      this.#decide({ tuner: 'deadline', subject: run.row.id, action: 'boost', reason: `${d.reason}; ${moved} queued task(s) moved`, data: { ...data, moved } }, run);
      return;
    }
    this.#decide({ tuner: 'deadline', subject: run.row.id, action: d.action, reason: d.reason, data }, run);
    if (d.action !== 'at_risk') return;
    this.counters.deadlineAtRisk++;
    const url = this.options.webhookUrl;
    if (url === null) return;
    const body = { kind: 'kairos.deadline_risk', runId: run.row.id, workflow: run.row.workflow, namespace: run.row.namespace,
      deadlineAt: new Date(d.deadlineAt).toISOString(), predictedEndAt: new Date(d.predictedEndAt).toISOString(), reason: d.reason };
    void postAlert(url, body, { timeoutMs: this.options.webhookTimeoutMs, tries: this.options.webhookTries }).then((r) => this.#h.post(() => {
      this.counters.deadlineAlerts[r.ok ? 'sent' : 'failed']++;
      const reason = r.ok ? `webhook ${url} answered ${r.status} (try ${r.tries})` : `webhook ${url} failed after ${r.tries} tries: ${r.error}`;
      this.#decide({ tuner: 'deadline', subject: run.row.id, action: r.ok ? 'alert_sent' : 'alert_failed', reason, data: { url, status: r.status, tries: r.tries } }, run);
    }));
  }

  // ---- decisions ----

  #onAnomaly(task: LiveTask, attempt: number, a: Anomaly): void {
    if (task.row.attempt !== attempt || task.row.state !== 'running') return; // it ended meanwhile
    this.counters.anomalies[a.kind]++;
    let action = this.options.anomalyAction;
    let reason = a.reason;
    if (action === 'restart') {
      const done = this.#restarts.get(task.key) ?? 0;
      if (done >= this.options.anomalyMaxRestarts) (action = 'alert'), (reason += `: already restarted ${done} time(s) (max ${this.options.anomalyMaxRestarts}), alert only`);
      else if (task.abort === null) (action = 'alert'), (reason += ': cannot be killed from here, alert only');
      else {
        this.#restarts.set(task.key, done + 1);
        this.#restarting.set(task.key, attempt);
        task.abort.abort();
        this.counters.anomalyRestarts++;
        reason += ': killed, to be retried (not counted against retries)';
      }
    }
    this.#decide({ tuner: 'anomaly', subject: task.key, action, reason, data: { kind: a.kind, attempt } }, task);
  }

  #oomLimit(task: LiveTask, res: ExecResult): number | null {
    if (res.usage?.memoryExceeded !== undefined) return res.usage.memoryExceeded;
    // SIGKILL that the engine did not send (timeouts and cancels set their own outcome): the
    // kernel's OOM killer, most likely. Classified only for tasks with a memory request.
    if (res.outcome === 'failed' && res.signal === 'SIGKILL') return task.sched?.resources.memory ?? null;
    return null;
  }

  #onOom(task: LiveTask, res: ExecResult, killedAt: number, now: number): ExecResult {
    const sig = task.signature;
    this.counters.oomKills++;
    this.model.model.observeOom(sig, killedAt, now);
    this.model.changed();
    const n = this.#ooms.get(task.key) ?? 0;
    const grown = n < this.options.oomRetries ? afterOom(killedAt, this.model.model.recommend(sig), { growth: this.options.oomGrowth, capBytes: this.options.oomCapBytes }) : null;
    if (grown === null) {
      const why = n >= this.options.oomRetries ? `${n} OOM retries already (limit ${this.options.oomRetries})` : `already at the cap of ${this.options.oomCapBytes} bytes`;
      this.#decide({ tuner: 'rightsizing', subject: task.key, action: 'oom_give_up', reason: `killed for memory at ${killedAt} bytes; ${why}: failed as usual`, data: { killedAt } }, task);
      return res;
    }
    this.#ooms.set(task.key, n + 1);
    this.#memory.set(task.key, grown.memory);
    this.counters.oomRetries++;
    this.#decide({ tuner: 'rightsizing', subject: task.key, action: 'oom_retry', reason: grown.reason, data: { killedAt, memory: grown.memory, retry: n + 1 } }, task);
    return { ...res, outcome: 'lost', error: `${res.error ?? 'killed for memory'}; ${grown.reason}` };
  }

  #recordBreaker(worker: string | null, ok: boolean, now: number): void {
    if (this.breakers === null || worker === null) return;
    const t = this.breakers.record(worker, ok, now);
    if (t !== null) this.#breakerMoved(t);
  }

  #breakerMoved(t: BreakerTransition): void {
    const placed = this.#fences!.set(t.key, t.to);
    const action = t.to === 'closed' ? 'close' : t.to;
    this.counters.breakerTransitions[action]++;
    this.#decide({ tuner: 'breaker', subject: t.key, action, reason: placed ? t.reason : `${t.reason} (worker not registered: nothing to fence)`, data: { from: t.from, to: t.to } }, null);
  }

  #decide(d: Omit<TunerDecision, 'at'>, about: LiveTask | LiveRun | null): void {
    const at = this.#h.clock.now();
    const full: TunerDecision = { at, ...d };
    this.decisions.push(full);
    const k = `${d.tuner}/${d.action}`;
    this.counters.decisions[k] = (this.counters.decisions[k] ?? 0) + 1;
    if (this.decisions.length > MAX_DECISIONS) this.decisions.splice(0, this.decisions.length - MAX_DECISIONS);
    if (about !== null) {
      const isTask = 'spec' in about && 'run' in about;
      const runId = isTask ? (about as LiveTask).run.row.id : (about as LiveRun).row.id;
      this.#h.flow.writes.event({ runId, taskId: isTask ? (about as LiveTask).id : null, at, type: 'tuner', data: { tuner: d.tuner, action: d.action, reason: d.reason, ...d.data } });
    }
    this.#h.emit(full);
  }

  /** Forgets what is kept about runs that left the engine. */
  #prune(): void {
    const runs = this.#h.runs;
    const gone = (key: string) => !runs.has(key.slice(0, key.indexOf('/')));
    for (const m of [this.#memory, this.#ooms, this.#restarting, this.#restarts]) for (const k of m.keys()) if (gone(k)) m.delete(k);
    this.deadlines.forgetExcept(runs);
    for (const t of this.#running) if (t.row.state !== 'running' && t.row.state !== 'dispatched') this.#running.delete(t);
  }
}
