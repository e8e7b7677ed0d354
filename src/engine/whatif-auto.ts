/**
 * The digital twin's automatic mode (off by default; server setting `whatIfAuto`): every `every`
 * (default 10 min) the recorded history of the last `since` (default 6 h) is replayed in the
 * simulator under the current policy and each candidate (src/learn/whatif.ts), and the engine's
 * policy is switched to the winner only when it wins by a margin over several evaluations in a
 * row (src/learn/policy-switcher.ts), recording the reason as a `tuning` decision.
 *
 * Two more guards, both holds with a reason: too few finished runs in the window (`minRuns`,
 * default 20) — nothing to learn from; and a replay of the current policy that misses what
 * really happened by more than `maxCalibrationError` (default 50% of the average JCT) — the
 * twin is not faithful enough to be trusted with the choice.
 *
 * Cost: a replay runs in this process's event loop (synchronously): ~1 ms per few hundred tasks
 * per candidate on the machine of docs/self-tuning.md; `maxRuns` (default 2,000) bounds it.
 * The timer, busy guard and error path are periodic-task.ts's: a failed evaluation is an engine
 * `error` event, never a rejection.
 */
import { KairosError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { PolicySwitcher, type SwitchDecision } from '../learn/policy-switcher.js';
import { buildCandidates } from '../learn/whatif-candidates.js';
import { objectiveValue, whatIf, type WhatIfObjective, type WhatIfReport } from '../learn/whatif.js';
import type { Engine } from './engine.js';
import { loadHistoryTrace } from './history-trace.js';
import { PeriodicTask } from './periodic-task.js';

export interface WhatIfAutoOptions {
  /** How often to evaluate: ms or a duration. Default '10m'. */
  readonly every?: number | string;
  /** How far back the history goes: ms or a duration. Default '6h'. */
  readonly since?: number | string;
  /** Candidate policies (`name` or `name:key=value;...`). Default fifo, priority, sjf, wrr, edf, fair. */
  readonly policies?: readonly string[];
  /** What to minimise. Default 'avgJct'. */
  readonly objective?: WhatIfObjective;
  /** Relative improvement a challenger needs. Default 0.1. */
  readonly margin?: number;
  /** Consecutive winning evaluations before a switch. Default 3. */
  readonly windows?: number;
  /** Least time between switches: ms or a duration. Default '30m'. */
  readonly cooldown?: number | string;
  /** Fewest finished runs in the window to decide anything. Default 20. */
  readonly minRuns?: number;
  readonly maxRuns?: number;
  /** Largest |replayed - recorded| / recorded avg JCT of the current policy to act on. Default 0.5. */
  readonly maxCalibrationError?: number;
}

export const WHATIF_AUTO_POLICIES = ['fifo', 'priority', 'sjf', 'wrr', 'edf', 'fair'];
const OBJECTIVES: readonly WhatIfObjective[] = ['avgJct', 'p95Jct', 'makespan', 'deadlineMisses'];

function ms(field: string, v: number | string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number') {
    if (Number.isFinite(v) && v > 0) return v;
    throw new KairosError('PARAM_INVALID', `whatIfAuto.${field}: must be > 0 ms (got ${v})`, { field: `whatIfAuto.${field}` });
  }
  const d = parseDuration(v);
  if (!d.ok || d.value <= 0) throw new KairosError('PARAM_INVALID', `whatIfAuto.${field}: ${d.ok ? 'must be > 0' : d.error}`, { field: `whatIfAuto.${field}` });
  return d.value;
}

/** One evaluation, as kept for GET /tuning and the metrics. */
export interface Evaluation {
  readonly at: number;
  readonly runs: number;
  readonly current: string;
  /** Objective value per candidate label (ms, or misses). */
  readonly scores: Readonly<Record<string, number>>;
  readonly calibrationError: number;
  readonly decision: SwitchDecision | null;
  readonly reason: string;
}

export class WhatIfAuto {
  readonly everyMs: number;
  readonly sinceMs: number;
  readonly policies: readonly string[];
  readonly objective: WhatIfObjective;
  readonly minRuns: number;
  readonly maxRuns: number;
  readonly maxCalibrationError: number;
  readonly switcher: PolicySwitcher;
  readonly #task: PeriodicTask<Evaluation>;
  #last: Evaluation | null = null;
  #lastReport: WhatIfReport | null = null;
  #lastReportPolicy = '';
  #evaluations = 0;
  #switches = 0;
  /** When the policy in force took effect, as far as this object knows (its switch, or a change it noticed). */
  #policySince = -Infinity;
  #configKey: string | null = null;

  constructor(readonly engine: Engine, o: WhatIfAutoOptions = {}) {
    this.everyMs = ms('every', o.every, 10 * 60_000);
    this.sinceMs = ms('since', o.since, 6 * 3600_000);
    this.policies = o.policies ?? WHATIF_AUTO_POLICIES;
    this.objective = o.objective ?? 'avgJct';
    if (!OBJECTIVES.includes(this.objective)) throw new KairosError('PARAM_INVALID', `whatIfAuto.objective: one of ${OBJECTIVES.join(', ')} (got ${this.objective})`, { field: 'whatIfAuto.objective' });
    this.minRuns = o.minRuns ?? 20;
    this.maxRuns = o.maxRuns ?? 2000;
    this.maxCalibrationError = o.maxCalibrationError ?? 0.5;
    this.switcher = new PolicySwitcher({
      ...(o.margin !== undefined ? { margin: o.margin } : {}),
      ...(o.windows !== undefined ? { windows: o.windows } : {}),
      cooldownMs: ms('cooldown', o.cooldown, 30 * 60_000),
      unit: this.objective === 'deadlineMisses' ? 'count' : 'ms',
    });
    // Checks the candidate list now, not at the first evaluation.
    buildCandidates(engine.scheduler.config, this.policies);
    this.#task = new PeriodicTask({ everyMs: this.everyMs, body: () => this.#evaluate(), onError: (err) => engine.emit('error', err), now: () => engine.options.clock.now() });
    engine.selfTuning.policy = this;
  }

  /** Evaluates every `everyMs` (the timer does not keep the process alive). */
  start(): this {
    this.#task.start();
    return this;
  }

  stop(): void {
    this.#task.stop();
  }

  /**
   * One evaluation now; switches the engine's policy when the switcher says so. Null when one is
   * already running, or when it failed (the error is an engine `error` event).
   */
  evaluate(): Promise<Evaluation | null> {
    return this.#task.run();
  }

  async #evaluate(): Promise<Evaluation> {
    const e = this.engine;
    const now = e.options.clock.now();
    const config = e.scheduler.config;
    // Only history recorded under the policy in force calibrates the twin: after a switch (ours,
    // or one noticed since the last evaluation, e.g. PUT /scheduling/policy) the window restarts.
    const key = JSON.stringify(config);
    if (this.#configKey !== null && key !== this.#configKey) this.#policySince = now;
    this.#configKey = key;
    const fromMs = Math.max(now - this.sinceMs, this.#policySince);
    const trace = await loadHistoryTrace(e.options.store, { fromMs, toMs: now + 1, capacity: e.options.capacity, concurrency: e.concurrency, maxRuns: this.maxRuns });
    const cands = buildCandidates(config, this.policies);
    this.#evaluations++;
    const done = (reason: string, scores: Record<string, number> = {}, calibrationError = NaN, decision: SwitchDecision | null = null): Evaluation =>
      (this.#last = { at: now, runs: trace.runs.length, current: config.policy, scores, calibrationError, decision, reason });
    const window = fromMs > now - this.sinceMs ? `since ${config.policy} took effect ${fmtMs(now - fromMs)} ago` : `in the last ${fmtMs(this.sinceMs)}`;
    if (trace.runs.length < this.minRuns) return done(`${trace.runs.length} finished runs ${window} < ${this.minRuns}: hold`);
    const report = whatIf(trace, { current: cands.current, alternatives: cands.alternatives });
    this.#lastReport = report;
    this.#lastReportPolicy = config.policy;
    const scores: Record<string, number> = {};
    for (const r of report.rows) scores[r.current ? config.policy : r.label] = objectiveValue(r.metrics, this.objective);
    const err = report.calibration.avgJctError;
    if (!(Math.abs(err) <= this.maxCalibrationError)) {
      return done(`the replay of ${config.policy} misses the recorded avg JCT by ${(err * 100).toFixed(0)}% (> ${(this.maxCalibrationError * 100).toFixed(0)}%): the twin is not trusted: hold`, scores, err);
    }
    const d = this.switcher.observe({ atMs: now, current: config.policy, scores: Object.entries(scores).map(([label, value]) => ({ label, value })) });
    const reason = `${this.objective} over ${trace.runs.length} runs ${window}: ${d.reason}`;
    if (d.switch) {
      const winner = cands.alternatives.find((c) => c.label === d.to)!;
      e.configureScheduler(winner.config);
      this.#switches++;
      this.#policySince = now;
      this.#configKey = JSON.stringify(e.scheduler.config);
      e.emit('tuning', { at: now, tuner: 'policy', action: 'switch', from: config.policy, to: d.to, reason });
    }
    return done(reason, scores, err, d);
  }

  get lastReport(): WhatIfReport | null {
    return this.#lastReport;
  }

  state(): Record<string, unknown> {
    const l = this.#last;
    return {
      enabled: true,
      current: this.engine.scheduler.config.policy,
      objective: this.objective,
      everyMs: this.everyMs,
      sinceMs: this.sinceMs,
      candidates: this.policies,
      margin: this.switcher.margin,
      windows: this.switcher.windows,
      cooldownMs: this.switcher.cooldownMs,
      evaluations: this.#evaluations,
      switches: this.#switches,
      streak: this.switcher.streak,
      lastAt: l?.at ?? null,
      lastReason: l?.reason ?? null,
      lastRuns: l?.runs ?? null,
      lastScores: l?.scores ?? {},
      calibrationError: l !== null && Number.isFinite(l.calibrationError) ? l.calibrationError : null,
      /** The last replay's predicted avg / p95 JCT per candidate (the current one under its policy name). */
      predicted: Object.fromEntries((this.#lastReport?.rows ?? []).map((r) => [r.current ? this.#lastReportPolicy : r.label, { avgJctMs: r.metrics.avgJctMs, p95JctMs: r.metrics.p95JctMs }])),
    };
  }
}

function fmtMs(x: number): string {
  return x === 0 ? '0 s' : x >= 3600_000 ? `${+(x / 3600_000).toFixed(1)} h` : x >= 60_000 ? `${+(x / 60_000).toFixed(1)} min` : `${+(x / 1000).toFixed(1)} s`;
}
