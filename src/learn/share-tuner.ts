/**
 * Priority-share tuning (issue 7, "Priority shares"): moves the WRR shares so that each priority
 * level's p95 queue wait meets its objective, within bounds, with hysteresis.
 *
 *   const t = new ShareTuner({ initial: { high: 0.9, normal: 0.1 }, objectives: { high: 60_000, normal: 300_000 } });
 *   // every window (e.g. a minute): the queue waits of tasks placed in it, per level
 *   const d = t.observe({ atMs, waits: { high: [...], normal: [...] } });
 *   if (d.changed) scheduler.configure(withShares(scheduler.config, d.to));
 *   d.reason   // 'normal p95 wait 412 s > objective 300 s (+20%): 0.050 of share from high (p95 12 s, objective 60 s)'
 *
 * One decision per window:
 *   1. per level: samples, p95 wait (nearest rank), ratio = p95 / objective (a level without an
 *      objective has ratio 0: it only ever gives share). A level with fewer than `minSamples`
 *      waits in the window takes no part (its p95 would be noise; an idle level's share is unused
 *      by WRR anyway).
 *   2. the level with the largest ratio is the recipient, if that ratio is over 1 + hysteresis;
 *      otherwise hold ("every level within its objective").
 *   3. the donor is the level with the smallest ratio that is below recipient / (1 + hysteresis)
 *      and above its lower bound; none -> hold. When no split can meet every objective (both miss),
 *      this spreads the miss: shares move until the ratios are within a factor 1 + hysteresis.
 *   4. `step` of share moves (clamped to both bounds). A move that reverses the previous one halves
 *      the step (down to `minStep`); a move in the same direction as the previous one doubles it
 *      back (up to `step`). The sum of the shares never changes.
 * So shares stay still while each level is inside its band, noise that crosses the band one way
 * and then the other shrinks the moves geometrically, and bounds are never crossed.
 *
 * Pure: no clock, no I/O; time comes in as `atMs`. Changing WRR shares rebuilds the policy
 * (Scheduler.configure compares settings), which resets its credits: one more reason to move rarely.
 */
import type { SchedulerConfig } from '../sched/types.js';

export type Shares = Readonly<Record<string, number>>;

export interface ShareBounds {
  readonly min: number;
  readonly max: number;
}

export interface ShareTunerOptions {
  /** The shares to start from; their keys are the levels tuned (e.g. high, normal, low). */
  readonly initial: Shares;
  /** p95 queue-wait objective per level (ms); a level without one only gives share. */
  readonly objectives: Readonly<Record<string, number>>;
  /** Per-level bounds on the share (default { min: 0.01, max: 0.99 } each). */
  readonly bounds?: Readonly<Record<string, ShareBounds>>;
  /** Share moved per decision at most (default 0.05). */
  readonly step?: number;
  /** Smallest step after halvings (default 0.005). */
  readonly minStep?: number;
  /** Relative band around an objective inside which nothing moves (default 0.2 = +-20%). */
  readonly hysteresis?: number;
  /** Waits a level needs in a window to take part (default 20). */
  readonly minSamples?: number;
  /** The wait quantile held to the objective (default 0.95). */
  readonly quantile?: number;
  /** Decisions kept (default 1,000). */
  readonly maxDecisions?: number;
}

export const SHARE_TUNER_DEFAULTS = Object.freeze({
  bounds: Object.freeze({ min: 0.01, max: 0.99 }),
  step: 0.05,
  minStep: 0.005,
  hysteresis: 0.2,
  minSamples: 20,
  quantile: 0.95,
  maxDecisions: 1000,
});

export interface ShareWindow {
  readonly atMs: number;
  /** Queue waits (ms) observed in the window, per level; levels not tuned are ignored. */
  readonly waits: Readonly<Record<string, readonly number[]>>;
}

export interface LevelStat {
  readonly samples: number;
  /** The quantile of the wait (NaN without samples). */
  readonly p95Ms: number;
  readonly objectiveMs: number | null;
  /** p95 / objective (0 without an objective; NaN without samples). */
  readonly ratio: number;
  readonly share: number;
  /** Whether it took part (enough samples). */
  readonly counted: boolean;
}

export interface ShareDecision {
  readonly at: number;
  readonly changed: boolean;
  readonly from: Shares;
  readonly to: Shares;
  readonly reason: string;
  readonly levels: Readonly<Record<string, LevelStat>>;
  /** The step in force after this decision. */
  readonly step: number;
}

export class ShareTuner {
  readonly levels: readonly string[];
  readonly objectives: Readonly<Record<string, number>>;
  readonly bounds: Readonly<Record<string, ShareBounds>>;
  readonly maxStep: number;
  readonly minStep: number;
  readonly hysteresis: number;
  readonly minSamples: number;
  readonly quantile: number;
  readonly maxDecisions: number;
  #shares: Record<string, number>;
  #step: number;
  #last: { from: string; to: string } | null = null;
  readonly #decisions: ShareDecision[] = [];
  #windows = 0;

  constructor(o: ShareTunerOptions) {
    const d = SHARE_TUNER_DEFAULTS;
    this.levels = Object.keys(o.initial ?? {});
    if (this.levels.length < 2) throw new RangeError('ShareTuner: initial must name at least two levels');
    this.maxStep = o.step ?? d.step;
    this.minStep = o.minStep ?? d.minStep;
    this.hysteresis = o.hysteresis ?? d.hysteresis;
    this.minSamples = o.minSamples ?? d.minSamples;
    this.quantile = o.quantile ?? d.quantile;
    this.maxDecisions = o.maxDecisions ?? d.maxDecisions;
    if (!(this.maxStep > 0 && this.maxStep <= 1)) throw new RangeError(`step must be in (0, 1] (got ${this.maxStep})`);
    if (!(this.minStep > 0 && this.minStep <= this.maxStep)) throw new RangeError(`minStep must be in (0, step] (got ${this.minStep})`);
    if (!(this.hysteresis >= 0 && this.hysteresis < 10)) throw new RangeError(`hysteresis must be in [0, 10) (got ${this.hysteresis})`);
    if (!(Number.isInteger(this.minSamples) && this.minSamples >= 1)) throw new RangeError(`minSamples must be an integer >= 1 (got ${this.minSamples})`);
    if (!(this.quantile > 0 && this.quantile <= 1)) throw new RangeError(`quantile must be in (0, 1] (got ${this.quantile})`);
    if (!(Number.isInteger(this.maxDecisions) && this.maxDecisions >= 1)) throw new RangeError(`maxDecisions must be an integer >= 1 (got ${this.maxDecisions})`);
    const objectives: Record<string, number> = {};
    for (const [k, v] of Object.entries(o.objectives ?? {})) {
      if (!this.levels.includes(k)) throw new RangeError(`objective for '${k}', which is not a level of initial (${this.levels.join(', ')})`);
      if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new RangeError(`objective of '${k}' must be a finite number of ms > 0 (got ${v})`);
      objectives[k] = v;
    }
    this.objectives = objectives;
    const bounds: Record<string, ShareBounds> = {};
    const shares: Record<string, number> = {};
    for (const l of this.levels) {
      const b = o.bounds?.[l] ?? d.bounds;
      if (!(b.min >= 0 && b.max >= b.min && Number.isFinite(b.max))) throw new RangeError(`bounds of '${l}' must satisfy 0 <= min <= max < Infinity (got ${b.min}..${b.max})`);
      bounds[l] = { min: b.min, max: b.max };
      const s = o.initial[l]!;
      if (!(typeof s === 'number' && Number.isFinite(s) && s >= 0)) throw new RangeError(`initial share of '${l}' must be a finite number >= 0 (got ${s})`);
      // Start inside the bounds.
      shares[l] = Math.min(b.max, Math.max(b.min, s));
    }
    this.bounds = bounds;
    this.#shares = shares;
    this.#step = this.maxStep;
  }

  get shares(): Shares {
    return { ...this.#shares };
  }
  get step(): number {
    return this.#step;
  }
  /** Windows that changed the shares, oldest first (the latest `maxDecisions`). */
  get decisions(): readonly ShareDecision[] {
    return this.#decisions;
  }
  get windows(): number {
    return this.#windows;
  }

  observe(w: ShareWindow): ShareDecision {
    this.#windows++;
    const at = Number.isFinite(w?.atMs) ? w.atMs : NaN;
    const from = this.shares;
    const levels: Record<string, LevelStat> = {};
    const counted: string[] = [];
    for (const l of this.levels) {
      const raw = w?.waits?.[l];
      const xs = Array.isArray(raw) ? raw.filter((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0) : [];
      const obj = this.objectives[l] ?? null;
      const p = xs.length > 0 ? quantileNearestRank(xs, this.quantile) : NaN;
      const ok = xs.length >= this.minSamples;
      levels[l] = { samples: xs.length, p95Ms: p, objectiveMs: obj, ratio: xs.length === 0 ? NaN : obj === null ? 0 : p / obj, share: from[l]!, counted: ok };
      if (ok) counted.push(l);
    }
    const hold = (reason: string): ShareDecision => ({ at, changed: false, from, to: from, reason, levels, step: this.#step });
    const h = 1 + this.hysteresis;
    const qn = `p${Math.round(this.quantile * 100)}`;
    const thin = this.levels.filter((l) => !levels[l]!.counted && levels[l]!.samples > 0);
    const thinNote = thin.length > 0 ? ` (${thin.map((l) => `${l}: ${levels[l]!.samples} < ${this.minSamples} samples`).join(', ')})` : '';
    let recipient: string | null = null;
    for (const l of counted) if (recipient === null || levels[l]!.ratio > levels[recipient]!.ratio) recipient = l;
    if (recipient === null || levels[recipient]!.ratio <= h) {
      return hold(`every level with data is within its objective (+${pct(this.hysteresis)})${thinNote}: hold`);
    }
    const r = levels[recipient]!;
    const missing = `${recipient} ${qn} wait ${ms(r.p95Ms)} > objective ${ms(r.objectiveMs!)} (+${pct(this.hysteresis)})`;
    if (from[recipient]! >= this.bounds[recipient]!.max) return hold(`${missing}, but its share ${from[recipient]!.toFixed(3)} is at its upper bound: hold`);
    let donor: string | null = null;
    for (const l of counted) {
      if (l === recipient) continue;
      const s = levels[l]!;
      if (!(s.ratio * h < r.ratio)) continue;
      if (from[l]! <= this.bounds[l]!.min) continue;
      if (donor === null || s.ratio < levels[donor]!.ratio) donor = l;
    }
    if (donor === null) return hold(`${missing}, but no level with data has both slack (${qn} / objective under ${(r.ratio / h).toFixed(2)}) and share above its lower bound${thinNote}: hold`);
    // Step adaptation: a reversal halves, a repeat doubles back toward the maximum.
    const last = this.#last;
    if (last !== null && last.from === recipient && last.to === donor) this.#step = Math.max(this.minStep, this.#step / 2);
    else if (last !== null && last.from === donor && last.to === recipient) this.#step = Math.min(this.maxStep, this.#step * 2);
    const room = Math.min(this.#step, from[donor]! - this.bounds[donor]!.min, this.bounds[recipient]!.max - from[recipient]!);
    const to: Record<string, number> = { ...from };
    // Rounded to 1e-9 (0.9 - 0.05 is 0.85, not 0.8500000000000001), never past a bound.
    to[donor] = Math.max(this.bounds[donor]!.min, round9(from[donor]! - room));
    to[recipient] = Math.min(this.bounds[recipient]!.max, round9(from[recipient]! + room));
    this.#shares = to;
    this.#last = { from: donor, to: recipient };
    const ds = levels[donor]!;
    const dWhy = ds.objectiveMs === null ? `no objective, ${qn} ${ms(ds.p95Ms)}` : `${qn} ${ms(ds.p95Ms)}, objective ${ms(ds.objectiveMs)}`;
    const reason = `${missing}: ${room.toFixed(3)} of share from ${donor} (${dWhy}): ${recipient} ${from[recipient]!.toFixed(3)} -> ${to[recipient]!.toFixed(3)}, ${donor} ${from[donor]!.toFixed(3)} -> ${to[donor]!.toFixed(3)}`;
    const d: ShareDecision = { at, changed: true, from, to: { ...to }, reason, levels, step: this.#step };
    this.#decisions.push(d);
    if (this.#decisions.length > this.maxDecisions) this.#decisions.splice(0, this.#decisions.length - this.maxDecisions);
    return d;
  }
}

/** The same scheduler configuration with WRR shares replaced (other settings kept). */
export function withShares(config: SchedulerConfig, shares: Shares): SchedulerConfig {
  const settings = { ...(config.settings ?? {}) };
  const old = (settings['shares'] ?? {}) as Record<string, unknown>;
  return { ...config, settings: { ...settings, shares: { ...old, ...shares } } };
}

/** Nearest-rank quantile: the smallest value with at least q of the values at or under it. */
export function quantileNearestRank(xs: readonly number[], q: number): number {
  const a = [...xs].sort((x, y) => x - y);
  return a[Math.min(a.length - 1, Math.max(0, Math.ceil(q * a.length) - 1))]!;
}

function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
function ms(x: number): string {
  return x >= 10_000 ? `${(x / 1000).toFixed(0)} s` : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`;
}
