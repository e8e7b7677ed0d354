/**
 * The digital twin's replay (issue 7): the recorded live history (a `HistoryTrace`, plain data
 * filled from the store by src/engine/history-trace.ts) replayed in the simulator, with the real
 * Scheduler, under the current policy and each alternative, with the predicted metrics side by
 * side and a calibration line: how close the replay of the CURRENT policy comes to what really
 * happened (replayed vs recorded average JCT). Policies are only comparable through the twin as
 * far as that calibration says it is faithful; what it leaves out is listed in
 * src/sim/workloads/live-history.ts (per-task priorities, retries' extra attempts, the engine's
 * own dispatch latency).
 *
 * Deterministic: the replay uses recorded runtimes and one seed for the scheduler's stream, so
 * the same trace and candidates always give the same numbers (the auto mode relies on that).
 */
import { PRIORITY_LEVELS } from '../core/model.js';
import type { SchedulerConfig } from '../sched/types.js';
import { compileExperiment, placementObserver, runExperiment } from '../sim/experiment.js';
import { mean, quantileSorted, sorted } from '../sim/stats.js';
import { historyWorkload, recordedJctMs, type HistoryTrace } from '../sim/workloads/live-history.js';

export type { HistoryTrace, TraceRun, TraceTask } from '../sim/workloads/live-history.js';

export interface WhatIfCandidate {
  readonly label: string;
  readonly config: SchedulerConfig;
}

export interface WaitStats {
  readonly tasks: number;
  readonly avgMs: number;
  readonly p95Ms: number;
}

/** Metrics of one schedule of the trace's runs (recorded or replayed), ms. */
export interface PredictedMetrics {
  readonly runs: number;
  /** Runs that finished (in the replay: every run whose tasks all ran). */
  readonly completed: number;
  readonly avgJctMs: number;
  readonly p95JctMs: number;
  readonly makespanMs: number;
  /** Runs with a deadline, and how many of them finished after it (or not at all). */
  readonly deadlineRuns: number;
  readonly deadlineMisses: number;
  /** Queue wait (ready -> started) per priority level: high (>= 100), normal (>= 50), low. */
  readonly waitByPriority: Readonly<Record<string, WaitStats>>;
}

export interface WhatIfRow {
  readonly label: string;
  readonly config: SchedulerConfig;
  /** The policy in effect when the history was recorded. */
  readonly current: boolean;
  readonly metrics: PredictedMetrics;
  /** avg JCT relative to the replay of the current policy (0.9 = 10% lower). */
  readonly avgJctVsCurrent: number;
}

export interface WhatIfReport {
  readonly fromMs: number;
  readonly toMs: number;
  readonly runs: number;
  readonly tasks: number;
  readonly recorded: PredictedMetrics;
  /** The current policy first, then the alternatives in the order given. */
  readonly rows: readonly WhatIfRow[];
  readonly calibration: {
    readonly recordedAvgJctMs: number;
    readonly replayedAvgJctMs: number;
    /** (replayed - recorded) / recorded; NaN without runs. */
    readonly avgJctError: number;
    readonly recordedP95JctMs: number;
    readonly replayedP95JctMs: number;
  };
  readonly notes: readonly string[];
}

export interface WhatIfOptions {
  /** The policy the history was recorded under. */
  readonly current: WhatIfCandidate;
  readonly alternatives: readonly WhatIfCandidate[];
  /** Seed of the scheduler's random stream (default 1). */
  readonly seed?: number;
}

export function levelOf(priority: number): string {
  return priority >= PRIORITY_LEVELS.high ? 'high' : priority >= PRIORITY_LEVELS.normal ? 'normal' : 'low';
}

function waitStats(byLevel: Map<string, number[]>): Record<string, WaitStats> {
  const out: Record<string, WaitStats> = {};
  for (const level of ['high', 'normal', 'low']) {
    const xs = byLevel.get(level);
    if (!xs || xs.length === 0) continue;
    const s = sorted(xs);
    out[level] = { tasks: xs.length, avgMs: mean(s), p95Ms: quantileSorted(s, 0.95) };
  }
  return out;
}

/** What really happened, in the same terms as a replay. */
export function recordedMetrics(trace: HistoryTrace): PredictedMetrics {
  const jcts = sorted(trace.runs.map(recordedJctMs));
  const waits = new Map<string, number[]>();
  let first = Infinity;
  let last = -Infinity;
  let deadlineRuns = 0;
  let misses = 0;
  for (const r of trace.runs) {
    first = Math.min(first, r.arrivalAt);
    last = Math.max(last, r.finishedAt);
    if (r.deadlineAt !== null) {
      deadlineRuns++;
      if (r.finishedAt > r.deadlineAt || r.state !== 'succeeded') misses++;
    }
    const level = levelOf(r.priority);
    for (const t of r.tasks) {
      if (t.readyAt === null) continue;
      const list = waits.get(level) ?? [];
      list.push(Math.max(0, t.startedAt - t.readyAt));
      waits.set(level, list);
    }
  }
  return {
    runs: trace.runs.length,
    completed: trace.runs.filter((r) => r.state === 'succeeded').length,
    avgJctMs: mean(jcts),
    p95JctMs: quantileSorted(jcts, 0.95),
    makespanMs: trace.runs.length > 0 ? last - first : 0,
    deadlineRuns,
    deadlineMisses: misses,
    waitByPriority: waitStats(waits),
  };
}

/** Replays the trace under one scheduler configuration. */
export function replay(trace: HistoryTrace, config: SchedulerConfig, seed = 1): PredictedMetrics {
  const exp = compileExperiment({ workload: historyWorkload(trace), arrivals: 'trace', seed });
  const waits = new Map<string, number[]>();
  const { result } = runExperiment(exp, config, {
    makeScheduler: placementObserver((p, now) => {
      const level = levelOf(p.task.priority);
      const list = waits.get(level) ?? [];
      list.push(now - p.task.readyAt);
      waits.set(level, list);
    }),
  });
  const done = result.jobs.filter((j) => j.finished && j.failed === null);
  const jcts = sorted(done.map((j) => j.finishedAt - j.arrivalMs));
  let first = Infinity;
  let last = 0;
  for (const j of result.jobs) first = Math.min(first, j.arrivalMs);
  for (const j of done) last = Math.max(last, j.finishedAt);
  let deadlineRuns = 0;
  let misses = 0;
  for (const j of result.jobs) {
    const d = j.info.deadline;
    if (d === null) continue;
    deadlineRuns++;
    if (j.failed !== null || !j.finished || j.finishedAt > d) misses++;
  }
  return {
    runs: result.jobs.length,
    completed: done.length,
    avgJctMs: mean(jcts),
    p95JctMs: quantileSorted(jcts, 0.95),
    makespanMs: done.length > 0 ? last - first : 0,
    deadlineRuns,
    deadlineMisses: misses,
    waitByPriority: waitStats(waits),
  };
}

export function whatIf(trace: HistoryTrace, o: WhatIfOptions): WhatIfReport {
  const seed = o.seed ?? 1;
  const recorded = recordedMetrics(trace);
  const base = replay(trace, o.current.config, seed);
  const rows: WhatIfRow[] = [{ label: o.current.label, config: o.current.config, current: true, metrics: base, avgJctVsCurrent: 1 }];
  for (const c of o.alternatives) {
    const m = replay(trace, c.config, seed);
    rows.push({ label: c.label, config: c.config, current: false, metrics: m, avgJctVsCurrent: base.avgJctMs > 0 ? m.avgJctMs / base.avgJctMs : 1 });
  }
  const notes: string[] = [];
  const sk = trace.skipped;
  if (sk.unfinishedRuns > 0) notes.push(`${sk.unfinishedRuns} run(s) still running at the end of the window were left out`);
  if (sk.tasksNotStarted > 0) notes.push(`${sk.tasksNotStarted} task(s) that never started (skipped, cancelled) were left out`);
  const retried = trace.runs.reduce((n, r) => n + r.tasks.filter((t) => t.attempts > 1).length, 0);
  if (retried > 0) notes.push(`${retried} task(s) were retried live; the replay runs only their last attempt`);
  const mixed = trace.runs.filter((r) => r.tasks.some((t) => t.priority !== r.priority)).length;
  if (mixed > 0) notes.push(`${mixed} run(s) had task-level priorities; the replay gives every task its run's priority`);
  const tasks = trace.runs.reduce((n, r) => n + r.tasks.length, 0);
  return {
    fromMs: trace.fromMs,
    toMs: trace.toMs,
    runs: trace.runs.length,
    tasks,
    recorded,
    rows,
    calibration: {
      recordedAvgJctMs: recorded.avgJctMs,
      replayedAvgJctMs: base.avgJctMs,
      avgJctError: recorded.avgJctMs > 0 ? (base.avgJctMs - recorded.avgJctMs) / recorded.avgJctMs : NaN,
      recordedP95JctMs: recorded.p95JctMs,
      replayedP95JctMs: base.p95JctMs,
    },
    notes,
  };
}

/** The metric a candidate is ranked by (lower is better). */
export type WhatIfObjective = 'avgJct' | 'p95Jct' | 'makespan' | 'deadlineMisses';

export function objectiveValue(m: PredictedMetrics, objective: WhatIfObjective): number {
  switch (objective) {
    case 'avgJct':
      return m.avgJctMs;
    case 'p95Jct':
      return m.p95JctMs;
    case 'makespan':
      return m.makespanMs;
    case 'deadlineMisses':
      return m.deadlineMisses;
  }
}
