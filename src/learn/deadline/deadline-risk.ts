/**
 * Deadline risk: is a run's predicted completion past its deadline, and what to do about it.
 *
 * Predicted completion = now + the longest path of predicted remaining runtimes through the
 * run's unfinished tasks (`remainingCriticalPath`): a running task contributes max(0, predicted
 * runtime - elapsed), a waiting one its whole predicted runtime. With unlimited capacity this is
 * a lower bound of the real finish, so a run flagged here is at risk even if it got the whole
 * cluster; it may also be at risk without being flagged (queueing is not predicted).
 *
 * Decisions per run, with hysteresis so a run hovering at its deadline does not flap:
 *   - `at_risk` when predicted end > deadline - margin (margin = marginFraction x time left);
 *     once at risk, each further check may `boost` its waiting tasks' priority by `boostStep`
 *     (the caller applies it), at most `maxBoost` above the declared priority in total and never
 *     above `maxPriority`, and at most once per `boostEveryMs`;
 *   - `recovered` when predicted end < deadline - 2 x margin (boosts stay: the run got ahead
 *     because of them).
 * Pure: `now` comes in as an argument.
 */

export interface DeadlineRiskOptions {
  /** Share of the time left that counts as a safety margin. Default 0.1. */
  readonly marginFraction: number;
  /** Priority added per boost. Default 20 (normal 50 -> 70 -> 90). */
  readonly boostStep: number;
  /** Most priority added above what the task declared. Default 50. */
  readonly maxBoost: number;
  /** Highest priority a boost may give. Default 100 (the `high` level). */
  readonly maxPriority: number;
  /** Least time between two boosts of one run (ms). Default 10,000. */
  readonly boostEveryMs: number;
  /** Boost at all (otherwise only flag). Default true. */
  readonly boost: boolean;
}

export const DEFAULT_DEADLINE_RISK: DeadlineRiskOptions = {
  marginFraction: 0.1, boostStep: 20, maxBoost: 50, maxPriority: 100, boostEveryMs: 10_000, boost: true,
};

export interface RemainingTask {
  readonly id: string;
  /** Unfinished tasks this one waits for (ids; finished parents are left out by the caller). */
  readonly parents: readonly string[];
  /** Predicted remaining runtime (ms). */
  readonly remainingMs: number;
}

/**
 * Longest path (sum of remainingMs) through the unfinished tasks: Kahn's order, O(V + E).
 * Parents not in the list count as finished; a cycle (impossible in a validated spec) is cut.
 */
export function remainingCriticalPath(tasks: readonly RemainingTask[]): number {
  const byId = new Map<string, { t: RemainingTask; indeg: number; finish: number; kids: number[] }>();
  tasks.forEach((t) => byId.set(t.id, { t, indeg: 0, finish: 0, kids: [] }));
  const nodes = [...byId.values()];
  nodes.forEach((n, i) => {
    for (const p of n.t.parents) {
      const pn = byId.get(p);
      if (pn !== undefined) (pn.kids.push(i), n.indeg++);
    }
  });
  const start = new Array<number>(nodes.length).fill(0);
  const queue: number[] = [];
  nodes.forEach((n, i) => n.indeg === 0 && queue.push(i));
  let longest = 0;
  for (let q = 0; q < queue.length; q++) {
    const n = nodes[queue[q]!]!;
    n.finish = start[queue[q]!]! + Math.max(0, n.t.remainingMs);
    longest = Math.max(longest, n.finish);
    for (const k of n.kids) {
      start[k] = Math.max(start[k]!, n.finish);
      if (--nodes[k]!.indeg === 0) queue.push(k);
    }
  }
  return longest;
}

export interface RiskInput {
  readonly runId: string;
  readonly deadlineAt: number;
  readonly remainingMs: number;
  /** The run's declared priority (boosts are bounded relative to it). */
  readonly basePriority: number;
}

export type DeadlineAction = 'at_risk' | 'boost' | 'recovered';

export interface DeadlineDecision {
  readonly at: number;
  readonly runId: string;
  readonly action: DeadlineAction;
  readonly reason: string;
  readonly predictedEndAt: number;
  readonly deadlineAt: number;
  /** For `boost`: the priority the run's waiting tasks get now. */
  readonly priority?: number;
}

export interface DeadlineRiskState {
  readonly runId: string;
  readonly deadlineAt: number;
  readonly predictedEndAt: number;
  readonly since: number;
  readonly boosted: number;
}

interface RunState {
  atRisk: boolean;
  since: number;
  boosted: number;
  lastBoostAt: number;
  predictedEndAt: number;
  deadlineAt: number;
}

export class DeadlineRisk {
  readonly options: DeadlineRiskOptions;
  readonly decisions: DeadlineDecision[] = [];
  readonly #runs = new Map<string, RunState>();

  constructor(options: Partial<DeadlineRiskOptions> = {}) {
    this.options = { ...DEFAULT_DEADLINE_RISK, ...options };
    if (!(this.options.marginFraction >= 0 && this.options.marginFraction < 1)) throw new RangeError('deadline marginFraction must be in [0, 1)');
  }

  /** One check of one run; returns the decisions it made (0, 1 or 2: `at_risk` then `boost`). */
  assess(r: RiskInput, now: number): DeadlineDecision[] {
    const o = this.options;
    let s = this.#runs.get(r.runId);
    if (s === undefined) {
      s = { atRisk: false, since: now, boosted: 0, lastBoostAt: -Infinity, predictedEndAt: 0, deadlineAt: r.deadlineAt };
      this.#runs.set(r.runId, s);
    }
    const predictedEndAt = now + r.remainingMs;
    s.predictedEndAt = predictedEndAt;
    s.deadlineAt = r.deadlineAt;
    const left = Math.max(0, r.deadlineAt - now);
    const margin = o.marginFraction * left;
    const out: DeadlineDecision[] = [];
    const base = { runId: r.runId, predictedEndAt, deadlineAt: r.deadlineAt };
    const late = predictedEndAt - r.deadlineAt;
    if (!s.atRisk) {
      if (predictedEndAt <= r.deadlineAt - margin) return out;
      s.atRisk = true;
      s.since = now;
      out.push({ at: now, action: 'at_risk', ...base, reason: late > 0
        ? `predicted to finish ${sec(late)} after its deadline (remaining critical path ${sec(r.remainingMs)}, ${sec(left)} left)`
        : `predicted to finish only ${sec(-late)} before its deadline, inside the ${sec(margin)} margin (remaining critical path ${sec(r.remainingMs)})` });
    } else if (predictedEndAt < r.deadlineAt - 2 * margin) {
      s.atRisk = false;
      out.push({ at: now, action: 'recovered', ...base, reason: `predicted to finish ${sec(-late)} before its deadline (beyond twice the margin): no longer at risk` });
      this.#record(out[0]!);
      return out;
    }
    if (o.boost && s.boosted < o.maxBoost && now - s.lastBoostAt >= o.boostEveryMs) {
      const priority = Math.min(o.maxPriority, r.basePriority + Math.min(o.maxBoost, s.boosted + o.boostStep));
      const step = priority - (r.basePriority + s.boosted);
      if (step > 0) {
        s.boosted += step;
        s.lastBoostAt = now;
        out.push({ at: now, action: 'boost', ...base, priority,
          reason: `at risk (predicted ${late > 0 ? `${sec(late)} late` : `${sec(-late)} early, inside the margin`}): waiting tasks' priority ${r.basePriority + s.boosted - step} -> ${priority} (bounds: +${o.maxBoost}, <= ${o.maxPriority})` });
      }
    }
    for (const d of out) this.#record(d);
    return out;
  }

  /** The priority boost a run has now (0 when none). */
  boostOf(runId: string): number {
    return this.#runs.get(runId)?.boosted ?? 0;
  }

  /** The run ended: forget it. */
  forget(runId: string): void {
    this.#runs.delete(runId);
  }

  /** Forgets every run not in `live` (runs that ended). */
  forgetExcept(live: { has(runId: string): boolean }): void {
    for (const id of this.#runs.keys()) if (!live.has(id)) this.#runs.delete(id);
  }

  atRisk(): DeadlineRiskState[] {
    const out: DeadlineRiskState[] = [];
    for (const [runId, s] of this.#runs) {
      if (s.atRisk) out.push({ runId, deadlineAt: s.deadlineAt, predictedEndAt: s.predictedEndAt, since: s.since, boosted: s.boosted });
    }
    return out;
  }

  #record(d: DeadlineDecision): void {
    this.decisions.push(d);
    if (this.decisions.length > 1000) this.decisions.splice(0, this.decisions.length - 1000);
  }
}

function sec(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}
