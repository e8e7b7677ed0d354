/**
 * Prometheus metrics (prom-client), in Prometheus naming conventions: base units (seconds),
 * `_total` counters, labels of bounded cardinality (priority, namespace, workflow, pool,
 * resource, outcome, policy). Two kinds of source:
 *   - engine events (task changes, run ends) feed counters and histograms as they happen;
 *   - gauges read the scheduler at scrape time (queue depth, running, allocation, policy).
 * deploy/grafana/kairos.json queries only names exported here (test/server/grafana.test.ts).
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../engine/engine.js';
import type { TaskChange } from '../engine/task-flow.js';
import type { RunRow } from '../store/types.js';
import { registerTuningMetrics } from './tuning-metrics.js';

const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600];
const DURATION_BUCKETS = [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];
const DECISION_BUCKETS = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5];
const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'skipped', 'cancelled', 'compensated']);
const RAN = new Set(['succeeded', 'failed', 'timed_out']);

export class KairosMetrics {
  readonly registry = new Registry();
  readonly #engine: Engine;
  /** Tasks queued now: when and under which labels (for the wait histogram at dispatch). */
  readonly #queued = new Map<string, { at: number; priority: string; namespace: string }>();
  readonly #taskWait: Histogram<'priority' | 'namespace'>;
  readonly #duration: Histogram<'workflow'>;
  readonly #outcomes: Counter<'outcome' | 'workflow'>;
  readonly #retries: Counter<'workflow'>;
  readonly #deadlineMisses: Counter<'workflow' | 'namespace'>;
  readonly #runs: Counter<'state' | 'workflow'>;
  readonly #runsDeleted: Counter<string>;
  readonly #decision: Histogram<string>;
  readonly #onTask = (c: TaskChange) => this.#task(c);
  readonly #onRun = (r: RunRow) => this.#run(r);

  constructor(engine: Engine) {
    this.#engine = engine;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const sched = engine.scheduler;

    new Gauge({
      name: 'kairos_queue_depth', help: 'Tasks waiting in the scheduler queue', labelNames: ['priority', 'namespace'], registers,
      collect() {
        this.reset();
        for (const w of sched.waiting()) this.inc({ priority: String(w.task.priority), namespace: w.task.job.namespace });
      },
    });
    new Gauge({ name: 'kairos_tasks_running', help: 'Tasks placed on a worker (dispatched or running)', registers, collect() { this.set(sched.runningCount); } });
    new Gauge({ name: 'kairos_runs_active', help: 'Runs driven by this server now', registers, collect() { this.set(engine.runs.size); } });
    const perPool = (pick: (id: string, capacity: Record<string, number>) => Record<string, number>) => {
      const out = new Map<string, Map<string, number>>();
      for (const w of sched.workers()) {
        const values = pick(w.id, { ...w.capacity });
        const pool = out.get(w.pool) ?? new Map<string, number>();
        for (const [r, v] of Object.entries(values)) pool.set(r, (pool.get(r) ?? 0) + v);
        out.set(w.pool, pool);
      }
      return out;
    };
    new Gauge({
      name: 'kairos_resource_allocated', help: 'Resources allocated to placed tasks, per pool (cpu in cores, memory in bytes, slots)', labelNames: ['resource', 'pool'], registers,
      collect() {
        this.reset();
        for (const [pool, m] of perPool((id) => ({ ...sched.allocated(id) }))) for (const [resource, v] of m) this.set({ resource, pool }, v);
      },
    });
    new Gauge({
      name: 'kairos_resource_capacity', help: 'Resource capacity of the workers, per pool', labelNames: ['resource', 'pool'], registers,
      collect() {
        this.reset();
        for (const [pool, m] of perPool((_, cap) => cap)) for (const [resource, v] of m) this.set({ resource, pool }, v);
      },
    });
    new Gauge({
      name: 'kairos_scheduler_policy', help: 'The active scheduling policy (value 1)', labelNames: ['policy'], registers,
      collect() {
        this.reset();
        this.set({ policy: sched.config.policy }, 1);
      },
    });

    registerTuningMetrics(engine, registers);
    // Tuners (right-sizing, anomalies, breaker, deadline risk; src/engine/tuners.ts): read at scrape
    // time from the engine's monotone counters and states.
    const tuners = engine.tuners;
    const fromCounts = (name: string, help: string, labelNames: string[], read: () => [Record<string, string>, number][]) =>
      new Counter({ name, help, labelNames, registers, collect() { this.reset(); for (const [l, v] of read()) this.inc(l, v); } });
    fromCounts('kairos_anomalies_total', 'Attempts flagged as anomalous, by kind', ['kind'], () => Object.entries(tuners.counters.anomalies).map(([kind, v]) => [{ kind }, v]));
    fromCounts('kairos_anomaly_restarts_total', 'Anomalous attempts killed and rerun', [], () => [[{}, tuners.counters.anomalyRestarts]]);
    fromCounts('kairos_oom_kills_total', 'Attempts killed for memory', [], () => [[{}, tuners.counters.oomKills]]);
    fromCounts('kairos_oom_retries_total', 'Attempts killed for memory and retried with a larger request', [], () => [[{}, tuners.counters.oomRetries]]);
    fromCounts('kairos_rightsizing_applied_total', 'Tasks queued with a recommended request instead of the declared one', [], () => [[{}, tuners.counters.rightsizingApplied]]);
    fromCounts('kairos_deadline_alerts_total', 'Deadline-risk webhook alerts, by result', ['result'], () => Object.entries(tuners.counters.deadlineAlerts).map(([result, v]) => [{ result }, v]));
    fromCounts('kairos_priority_boosts_total', 'Queued tasks whose priority was boosted for deadline risk', [], () => [[{}, tuners.counters.priorityBoosts]]);
    new Gauge({
      name: 'kairos_breaker_state', help: 'Circuit breaker per worker: 0 closed, 1 half-open, 2 open', labelNames: ['worker'], registers,
      collect() {
        this.reset();
        for (const b of tuners.breakerStates()) this.set({ worker: b.key }, b.state === 'open' ? 2 : b.state === 'half_open' ? 1 : 0);
      },
    });
    new Gauge({ name: 'kairos_deadline_runs_at_risk', help: 'Live runs predicted to miss their deadline', registers, collect() { this.set(tuners.atRiskRuns().length); } });
    new Gauge({ name: 'kairos_rightsizing_signatures', help: 'Task signatures with a right-sizing recommendation', registers, collect() { this.set(tuners.rightsizing.size); } });

    this.#taskWait = new Histogram({ name: 'kairos_queue_wait_seconds', help: 'Time from queued to dispatched', labelNames: ['priority', 'namespace'], buckets: WAIT_BUCKETS, registers });
    this.#duration = new Histogram({ name: 'kairos_task_duration_seconds', help: 'Duration of finished attempts (start to end)', labelNames: ['workflow'], buckets: DURATION_BUCKETS, registers });
    this.#outcomes = new Counter({ name: 'kairos_task_outcomes_total', help: 'Tasks that reached a final state, by state', labelNames: ['outcome', 'workflow'], registers });
    this.#retries = new Counter({ name: 'kairos_task_retries_total', help: 'Attempts that failed and will be retried', labelNames: ['workflow'], registers });
    this.#deadlineMisses = new Counter({ name: 'kairos_deadline_misses_total', help: 'Runs that finished after their deadline', labelNames: ['workflow', 'namespace'], registers });
    this.#runs = new Counter({ name: 'kairos_runs_finished_total', help: 'Runs that finished, by final state', labelNames: ['state', 'workflow'], registers });
    this.#runsDeleted = new Counter({ name: 'kairos_runs_deleted_total', help: 'Ended runs deleted by history retention, with everything stored under them', registers });
    this.#decision = new Histogram({ name: 'kairos_scheduler_decision_seconds', help: 'Time of one scheduling round', buckets: DECISION_BUCKETS, registers });
    for (const o of ['succeeded', 'failed', 'timed_out', 'cancelled']) this.#outcomes.inc({ outcome: o, workflow: '' }, 0);

    // The engine has no round hook: time each round by wrapping this scheduler instance's method.
    const schedule = sched.schedule.bind(sched);
    const decision = this.#decision;
    sched.schedule = (now: number) => {
      const t0 = performance.now();
      try {
        return schedule(now);
      } finally {
        decision.observe((performance.now() - t0) / 1000);
      }
    };
    engine.on('task', this.#onTask);
    engine.on('run', this.#onRun);
  }

  #task(c: TaskChange): void {
    const key = `${c.runId}/${c.taskId}`;
    const live = this.#engine.runs.get(c.runId);
    const task = live?.tasks.get(c.taskId);
    const workflow = live?.row.workflow ?? '';
    if (c.state === 'queued') {
      const priority = String(task?.sched?.priority ?? task?.spec.priority ?? live?.row.priority ?? '');
      this.#queued.set(key, { at: c.at, priority, namespace: live?.row.namespace ?? '' });
      return;
    }
    const q = this.#queued.get(key);
    if (q) {
      this.#queued.delete(key);
      if (c.state === 'dispatched') this.#taskWait.observe({ priority: q.priority, namespace: q.namespace }, Math.max(0, c.at - q.at) / 1000);
    }
    if (c.state === 'retry_wait') this.#retries.inc({ workflow });
    if (RAN.has(c.state) || c.state === 'retry_wait') {
      const started = task?.row.startedAt;
      if (typeof started === 'number') this.#duration.observe({ workflow }, Math.max(0, c.at - started) / 1000);
    }
    if (TERMINAL.has(c.state)) this.#outcomes.inc({ outcome: c.state, workflow });
  }

  #run(r: RunRow): void {
    if (r.state === 'running' || r.state === 'compensating') return;
    this.#runs.inc({ state: r.state, workflow: r.workflow });
    if (r.deadlineAt !== null && r.finishedAt !== null && r.finishedAt > r.deadlineAt) {
      this.#deadlineMisses.inc({ workflow: r.workflow, namespace: r.namespace });
    }
  }

  /** History retention deleted `n` runs (history-retention.ts). */
  runsDeleted(n: number): void {
    this.#runsDeleted.inc(n);
  }

  close(): void {
    this.#engine.off('task', this.#onTask);
    this.#engine.off('run', this.#onRun);
  }
}
