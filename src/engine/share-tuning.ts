/**
 * Priority-share tuning in the live engine (engine option `autoShares`, off by default): the WRR
 * shares move so that each priority level's p95 queue wait (ready -> running) meets its
 * objective. The decision logic is src/learn/share-tuner.ts (bounds, band, step halving on
 * reversals); this file feeds it and applies its moves.
 *
 * Feed: after every scheduling round the engine hands over its placements; each placed task's
 * wait is `now - readyAt` (readyAt is when it entered the queue for this attempt). A window closes
 * at the first round at or past its end (`windowMs`, default 60 s): the tuner gets the waits of
 * the tasks placed in it plus the current age of every task still queued — so a starving level
 * shows up before its tasks are finally placed (measured in bench/learn/share-tuning-sim.ts).
 * With nothing scheduled there are no rounds, and nothing to tune.
 *
 * Apply: a move is `configureScheduler` with the new shares (the WRR policy is rebuilt, its
 * credits reset), recorded as a `tuning` decision with the tuner's reason. Only the `wrr` policy
 * has shares: under another policy (e.g. switched by the what-if auto mode) windows still close
 * but nothing moves, and the state says why. If someone else changes the shares (PUT /scheduling
 * /policy), the tuner restarts from them.
 */
import { KairosError } from '../core/errors.js';
import { PRIORITY_LEVELS } from '../core/model.js';
import { parseDuration } from '../core/units.js';
import { ShareTuner, withShares, type ShareBounds, type ShareDecision, type Shares } from '../learn/share-tuner.js';
import { DEFAULT_SHARES } from '../sched/policies/wrr.js';
import type { Placement, SchedulerApi, SchedulerConfig, SchedTask } from '../sched/types.js';
import type { TuningDecision } from './tuning-log.js';

export interface AutoSharesOptions {
  /** p95 wait objective per level (`high`, `normal`, `low`): ms, or a duration like '30s', '5m'. */
  readonly objectives: Readonly<Record<string, number | string>>;
  /** Per-level share bounds (default { min: 0.01, max: 0.99 }). */
  readonly bounds?: Readonly<Record<string, ShareBounds>>;
  /** Window length: ms or a duration. Default 60 s. */
  readonly window?: number | string;
  /** Share moved per decision at most (default 0.05). */
  readonly step?: number;
  /** Band around an objective inside which nothing moves (default 0.2 = ±20%). */
  readonly hysteresis?: number;
  /** Waits a level needs in a window to take part (default 20). */
  readonly minSamples?: number;
}

const LEVELS = ['high', 'normal', 'low'] as const;
const DEFAULT_WINDOW_MS = 60_000;

function ms(field: string, v: number | string): number {
  if (typeof v === 'number') {
    if (Number.isFinite(v) && v > 0) return v;
    throw new KairosError('PARAM_INVALID', `${field}: must be > 0 ms (got ${v})`, { field });
  }
  const d = parseDuration(v);
  if (!d.ok || d.value <= 0) throw new KairosError('PARAM_INVALID', `${field}: ${d.ok ? 'must be > 0' : d.error}`, { field });
  return d.value;
}

/** Checks the option and turns durations into ms (throws PARAM_INVALID naming the field). */
export function resolveAutoShares(o: AutoSharesOptions): { objectives: Record<string, number>; windowMs: number; rest: AutoSharesOptions } {
  const objectives: Record<string, number> = {};
  for (const [k, v] of Object.entries(o.objectives ?? {})) {
    if (!(LEVELS as readonly string[]).includes(k)) throw new KairosError('PARAM_INVALID', `autoShares.objectives.${k}: levels are high, normal and low`, { field: `autoShares.objectives.${k}` });
    objectives[k] = ms(`autoShares.objectives.${k}`, v);
  }
  if (Object.keys(objectives).length === 0) throw new KairosError('PARAM_INVALID', 'autoShares.objectives: give at least one p95 wait objective, e.g. { high: "30s" }', { field: 'autoShares.objectives' });
  return { objectives, windowMs: o.window === undefined ? DEFAULT_WINDOW_MS : ms('autoShares.window', o.window), rest: o };
}

export interface ShareTuningState {
  readonly enabled: true;
  readonly objectivesMs: Readonly<Record<string, number>>;
  readonly windowMs: number;
  readonly shares: Shares;
  readonly windows: number;
  /** Why the shares are what they are after the latest window (also when nothing moved). */
  readonly lastReason: string | null;
  /** p95 wait per level in the latest window (ms; null without samples). */
  readonly lastP95Ms: Readonly<Record<string, number | null>>;
  readonly changes: number;
}

export class ShareTuning {
  readonly windowMs: number;
  readonly objectives: Readonly<Record<string, number>>;
  #tuner: ShareTuner;
  readonly #opts: AutoSharesOptions;
  #windowEnd = NaN;
  #waits: Record<string, number[]> = { high: [], normal: [], low: [] };
  #lastReason: string | null = null;
  #lastP95: Record<string, number | null> = {};
  #changes = 0;

  constructor(
    options: AutoSharesOptions,
    readonly scheduler: SchedulerApi,
    /** Applies a configuration (the engine's configureScheduler). */
    readonly configure: (c: SchedulerConfig) => void,
    /** Records and emits a decision (the engine's `tuning` event). */
    readonly decided: (d: TuningDecision) => void,
  ) {
    const r = resolveAutoShares(options);
    this.windowMs = r.windowMs;
    this.objectives = r.objectives;
    this.#opts = options;
    this.#tuner = this.#newTuner(this.#currentShares());
  }

  #newTuner(initial: Shares): ShareTuner {
    const o = this.#opts;
    return new ShareTuner({
      initial,
      objectives: this.objectives,
      ...(o.bounds ? { bounds: o.bounds } : {}),
      ...(o.step !== undefined ? { step: o.step } : {}),
      ...(o.hysteresis !== undefined ? { hysteresis: o.hysteresis } : {}),
      ...(o.minSamples !== undefined ? { minSamples: o.minSamples } : {}),
    });
  }

  /** The shares in force: the wrr settings over the policy's defaults (bands). */
  #currentShares(): Shares {
    const s = ((this.scheduler.config.settings ?? {})['shares'] ?? {}) as Record<string, number>;
    const out: Record<string, number> = {};
    for (const l of LEVELS) out[l] = typeof s[l] === 'number' ? s[l]! : DEFAULT_SHARES[l]!;
    return out;
  }

  get shares(): Shares {
    return this.#tuner.shares;
  }

  /** Called by the engine after each scheduling round, with the time of the round. */
  onRound(now: number, placements: readonly Placement[]): void {
    if (Number.isNaN(this.#windowEnd)) this.#windowEnd = now + this.windowMs;
    for (const p of placements) this.#waits[levelOf(p.task)]!.push(now - p.task.readyAt);
    if (now >= this.#windowEnd) this.#close(now);
  }

  #close(now: number): void {
    this.#windowEnd = now + this.windowMs;
    const waits = this.#waits;
    this.#waits = { high: [], normal: [], low: [] };
    for (const w of this.scheduler.waiting()) waits[levelOf(w.task)]!.push(now - w.task.readyAt);
    const config = this.scheduler.config;
    if (config.policy !== 'wrr') {
      this.#lastReason = `policy is ${config.policy}, not wrr: no shares to tune`;
      return;
    }
    const current = this.#currentShares();
    if (LEVELS.some((l) => Math.abs(current[l]! - this.#tuner.shares[l]!) > 1e-9)) this.#tuner = this.#newTuner(current);
    const d: ShareDecision = this.#tuner.observe({ atMs: now, waits });
    this.#lastReason = d.reason;
    this.#lastP95 = Object.fromEntries(LEVELS.map((l) => [l, Number.isNaN(d.levels[l]!.p95Ms) ? null : d.levels[l]!.p95Ms]));
    if (!d.changed) return;
    this.#changes++;
    this.configure(withShares(config, d.to));
    this.decided({ at: now, tuner: 'shares', action: 'move', from: d.from, to: d.to, reason: d.reason });
  }

  state(): ShareTuningState {
    return {
      enabled: true,
      objectivesMs: this.objectives,
      windowMs: this.windowMs,
      shares: this.#tuner.shares,
      windows: this.#tuner.windows,
      lastReason: this.#lastReason,
      lastP95Ms: this.#lastP95,
      changes: this.#changes,
    };
  }
}

function levelOf(t: SchedTask): 'high' | 'normal' | 'low' {
  return t.priority >= PRIORITY_LEVELS.high ? 'high' : t.priority >= PRIORITY_LEVELS.normal ? 'normal' : 'low';
}
