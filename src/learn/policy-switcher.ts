/**
 * When to switch the scheduling policy to the what-if winner (the digital twin's automatic mode):
 * only when the same challenger beats the current policy by a margin in `windows` consecutive
 * evaluations, and not sooner than `cooldownMs` after the previous switch. One evaluation = one
 * what-if replay of the recent history (src/learn/whatif.ts), each candidate scored by the
 * objective (lower is better).
 *
 *   const s = new PolicySwitcher({ margin: 0.1, windows: 3, cooldownMs: 30 * 60_000 });
 *   const d = s.observe({ atMs, current: 'priority', scores: [{ label: 'priority', value: 41_000 }, { label: 'sjf', value: 30_000 }] });
 *   if (d.switch) engine.configureScheduler(configOf(d.to));
 *
 * Why the hysteresis: a replay of a few hours of history is noisy evidence — a burst of short
 * runs makes SJF look best for one window — and each switch rebuilds the policy's state (WRR
 * credits, fair-share deficits). So a challenger must win clearly (margin) and repeatedly
 * (windows), and switches are spaced (cooldown). A different challenger, or the current policy
 * back within the margin, resets the streak. Pure: time comes in as `atMs`.
 */

export interface SwitcherOptions {
  /** Relative improvement required: challenger <= current x (1 - margin). Default 0.1. */
  readonly margin?: number;
  /** Consecutive winning evaluations required. Default 3. */
  readonly windows?: number;
  /** Least time between two switches (ms). Default 30 min. */
  readonly cooldownMs?: number;
  /** How scores read in reasons: durations (default) or counts (deadline misses). */
  readonly unit?: 'ms' | 'count';
}

export interface Score {
  readonly label: string;
  /** The objective's value (lower is better); NaN = not comparable (e.g. no runs finished). */
  readonly value: number;
}

export interface SwitchDecision {
  readonly at: number;
  readonly switch: boolean;
  readonly from: string;
  /** The policy to run from now on (= from when holding). */
  readonly to: string;
  /** The best challenger this evaluation, and how many evaluations in a row it has won. */
  readonly challenger: string | null;
  readonly streak: number;
  readonly reason: string;
}

export class PolicySwitcher {
  readonly margin: number;
  readonly windows: number;
  readonly cooldownMs: number;
  readonly unit: 'ms' | 'count';
  #streakOf: string | null = null;
  #streak = 0;
  #lastSwitchAt = -Infinity;

  constructor(o: SwitcherOptions = {}) {
    this.margin = o.margin ?? 0.1;
    this.windows = o.windows ?? 3;
    this.cooldownMs = o.cooldownMs ?? 30 * 60_000;
    this.unit = o.unit ?? 'ms';
    if (!(this.margin >= 0 && this.margin < 1)) throw new RangeError(`margin must be in [0, 1) (got ${this.margin})`);
    if (!(Number.isInteger(this.windows) && this.windows >= 1)) throw new RangeError(`windows must be an integer >= 1 (got ${this.windows})`);
    if (!(this.cooldownMs >= 0)) throw new RangeError(`cooldownMs must be >= 0 (got ${this.cooldownMs})`);
  }

  get streak(): number {
    return this.#streak;
  }

  observe(e: { atMs: number; current: string; scores: readonly Score[] }): SwitchDecision {
    const at = e.atMs;
    const cur = e.scores.find((s) => s.label === e.current);
    const hold = (reason: string, challenger: string | null = null): SwitchDecision => ({ at, switch: false, from: e.current, to: e.current, challenger, streak: this.#streak, reason });
    if (!cur || !Number.isFinite(cur.value)) {
      this.#reset();
      return hold(`no score for the current policy ${e.current}: hold`);
    }
    let best: Score | null = null;
    for (const s of e.scores) if (s.label !== e.current && Number.isFinite(s.value) && (best === null || s.value < best.value)) best = s;
    if (best === null) {
      this.#reset();
      return hold('no alternative scored: hold');
    }
    const gain = cur.value > 0 ? 1 - best.value / cur.value : 0;
    const fmt = (v: number): string => (this.unit === 'count' ? String(v) : fmtMs(v));
    const vs = `${best.label} ${fmt(best.value)} vs ${e.current} ${fmt(cur.value)} (${gain >= 0 ? '-' : '+'}${Math.abs(gain * 100).toFixed(1)}%)`;
    if (!(best.value <= cur.value * (1 - this.margin)) || cur.value <= 0) {
      this.#reset();
      return hold(`${vs}: not better by the ${pct(this.margin)} margin: hold`, best.label);
    }
    if (this.#streakOf === best.label) this.#streak++;
    else {
      this.#streakOf = best.label;
      this.#streak = 1;
    }
    if (this.#streak < this.windows) return hold(`${vs}: better by the margin ${this.#streak}/${this.windows} evaluations in a row: hold`, best.label);
    if (at - this.#lastSwitchAt < this.cooldownMs) {
      return hold(`${vs}: better ${this.#streak} evaluations in a row, but the last switch was ${fmtMs(at - this.#lastSwitchAt)} ago (cooldown ${fmtMs(this.cooldownMs)}): hold`, best.label);
    }
    const streak = this.#streak;
    this.#lastSwitchAt = at;
    this.#reset();
    return { at, switch: true, from: e.current, to: best.label, challenger: best.label, streak, reason: `${vs}: better by over ${pct(this.margin)} in ${streak} evaluations in a row: switch to ${best.label}` };
  }

  #reset(): void {
    this.#streakOf = null;
    this.#streak = 0;
  }
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
function fmtMs(x: number): string {
  return x >= 60_000 ? `${(x / 60_000).toFixed(1)} min` : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`;
}
