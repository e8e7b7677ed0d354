/**
 * When the learned policy's regret says "fall back" and when it says "return" (issue 4, "Live":
 * regret by replay). One evaluation = the recent live history replayed in the simulator under the
 * learned policy and under its fallback heuristic (src/engine/learned-regret.ts does the replay);
 * the regret is how much worse the learned policy's replay is:
 *
 *   jctRegret  = learned avg JCT / fallback avg JCT - 1        (relative, > 0 = learned worse)
 *   missRegret = (learned misses - fallback misses) / runs with a deadline   (only if configured)
 *
 * Hysteresis, so the live policy never flaps:
 *   - fall back after `windows` evaluations in a row with jctRegret > margin (or missRegret >
 *     missMargin, when set);
 *   - return after `returnWindows` evaluations in a row with jctRegret <= returnMargin and
 *     missRegret <= 0 ("no worse again"); returnMargin < margin leaves a dead band between the
 *     two thresholds where the side in force is kept;
 *   - and never sooner than `minDwellMs` after the previous switch.
 * An evaluation without evidence (too few runs, a replay where no run finished) resets both
 * streaks and holds. Pure: time comes in as `atMs`, metrics as plain numbers.
 */

export interface RegretGuardOptions {
  /** Relative avg-JCT regret above which an evaluation counts against the model. Default 0.05. */
  readonly margin?: number;
  /** Relative avg-JCT regret at or below which the model counts as no worse. Default 0. */
  readonly returnMargin?: number;
  /** Deadline-miss regret (fraction of runs with a deadline) to fall back on; null = ignore misses. Default null. */
  readonly missMargin?: number | null;
  /** Consecutive evaluations with positive regret before falling back. Default 2. */
  readonly windows?: number;
  /** Consecutive "no worse" evaluations before returning. Default 3. */
  readonly returnWindows?: number;
  /** Least time between two switches (ms). Default 30 min. */
  readonly minDwellMs?: number;
}

/** What one replay of the window says about one policy. */
export interface ReplayScore {
  readonly avgJctMs: number;
  readonly deadlineRuns: number;
  readonly deadlineMisses: number;
}

export interface RegretEvidence {
  readonly atMs: number;
  readonly learned: ReplayScore;
  readonly fallback: ReplayScore;
}

export interface RegretDecision {
  readonly at: number;
  /** fallback / return: the live guard must switch now; hold: keep the side in force. */
  readonly action: 'fallback' | 'return' | 'hold';
  /** The side in force after this decision. */
  readonly active: 'learned' | 'fallback';
  readonly jctRegret: number;
  readonly missRegret: number;
  readonly streak: number;
  readonly reason: string;
}

export class RegretGuard {
  readonly margin: number;
  readonly returnMargin: number;
  readonly missMargin: number | null;
  readonly windows: number;
  readonly returnWindows: number;
  readonly minDwellMs: number;
  #active: 'learned' | 'fallback' = 'learned';
  #streak = 0;
  #lastSwitchAt = -Infinity;

  constructor(o: RegretGuardOptions = {}) {
    this.margin = o.margin ?? 0.05;
    this.returnMargin = o.returnMargin ?? 0;
    this.missMargin = o.missMargin ?? null;
    this.windows = o.windows ?? 2;
    this.returnWindows = o.returnWindows ?? 3;
    this.minDwellMs = o.minDwellMs ?? 30 * 60_000;
    if (!(this.margin >= 0)) throw new RangeError(`margin must be >= 0 (got ${this.margin})`);
    if (!(this.returnMargin <= this.margin)) throw new RangeError(`returnMargin (${this.returnMargin}) must be <= margin (${this.margin}): otherwise one replay could say both "fall back" and "return"`);
    if (this.missMargin !== null && !(this.missMargin >= 0 && this.missMargin <= 1)) throw new RangeError(`missMargin must be in [0, 1] or null (got ${this.missMargin})`);
    for (const [k, v] of [['windows', this.windows], ['returnWindows', this.returnWindows]] as const) {
      if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${k} must be an integer >= 1 (got ${v})`);
    }
    if (!(this.minDwellMs >= 0)) throw new RangeError(`minDwellMs must be >= 0 (got ${this.minDwellMs})`);
  }

  get active(): 'learned' | 'fallback' {
    return this.#active;
  }

  get streak(): number {
    return this.#streak;
  }

  /** An evaluation that could not be scored (e.g. too few runs): holds and resets the streak. */
  noEvidence(atMs: number, why: string): RegretDecision {
    this.#streak = 0;
    return { at: atMs, action: 'hold', active: this.#active, jctRegret: Number.NaN, missRegret: Number.NaN, streak: 0, reason: `${why}: hold` };
  }

  observe(e: RegretEvidence): RegretDecision {
    const { learned: l, fallback: f } = e;
    if (!(Number.isFinite(l.avgJctMs) && Number.isFinite(f.avgJctMs) && f.avgJctMs > 0)) {
      return this.noEvidence(e.atMs, `no finished run in the replay (learned ${fmtMs(l.avgJctMs)}, fallback ${fmtMs(f.avgJctMs)})`);
    }
    const jct = l.avgJctMs / f.avgJctMs - 1;
    const miss = f.deadlineRuns > 0 ? (l.deadlineMisses - f.deadlineMisses) / f.deadlineRuns : 0;
    const useMiss = this.missMargin !== null && f.deadlineRuns > 0;
    const vs = `avg JCT learned ${fmtMs(l.avgJctMs)} vs fallback ${fmtMs(f.avgJctMs)} (regret ${sign(jct)}${(jct * 100).toFixed(1)}%)` +
      (useMiss ? `, deadline misses ${l.deadlineMisses} vs ${f.deadlineMisses} of ${f.deadlineRuns}` : '');
    const decide = (action: RegretDecision['action'], reason: string): RegretDecision => ({ at: e.atMs, action, active: this.#active, jctRegret: jct, missRegret: miss, streak: this.#streak, reason: `${vs}: ${reason}` });

    const onLearned = this.#active === 'learned';
    const against = onLearned
      ? jct > this.margin || (useMiss && miss > this.missMargin!)
      : jct <= this.returnMargin && (!useMiss || miss <= 0);
    if (!against) {
      this.#streak = 0;
      return decide('hold', onLearned ? `within the ${pct(this.margin)} margin: stay on learned` : `not back within ${pct(this.returnMargin)}: stay on the fallback`);
    }
    this.#streak++;
    const need = onLearned ? this.windows : this.returnWindows;
    const what = onLearned ? 'worse by over the margin' : 'no worse';
    if (this.#streak < need) return decide('hold', `${what} ${this.#streak}/${need} evaluations in a row: hold`);
    const since = e.atMs - this.#lastSwitchAt;
    if (since < this.minDwellMs) return decide('hold', `${what} ${this.#streak} evaluations in a row, but the last switch was ${fmtMs(since)} ago (dwell ${fmtMs(this.minDwellMs)}): hold`);
    const streak = this.#streak;
    this.#active = onLearned ? 'fallback' : 'learned';
    this.#lastSwitchAt = e.atMs;
    this.#streak = 0;
    return { ...decide(onLearned ? 'fallback' : 'return', `${what} in ${streak} evaluations in a row: ${onLearned ? 'fall back to the heuristic' : 'return to the learned policy'}`), streak };
  }
}

function sign(x: number): string {
  return x >= 0 ? '+' : '';
}
function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
}
function fmtMs(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x >= 60_000 ? `${(x / 60_000).toFixed(1)} min` : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`;
}
