/**
 * Regret by replay (issue 4, "Live"; off by default; engine/server option `learnedRegret`):
 * while the engine serves the `learned` policy, every `every` (default 5 min) the finished runs
 * of the last `window` (default 1 h) are read from the store as a history trace
 * (history-trace.ts) and replayed in the simulator (src/learn/whatif.ts `replay`, the digital
 * twin's) under the learned policy and under its fallback heuristic. RegretGuard
 * (src/learn/rl/regret-guard.ts) turns the two replays into fall back / return / hold with
 * hysteresis; a switch sets the guard's `RegretHold` (learned-guards.ts injects it into the
 * config), which the live GuardedPolicy reads at its next round boundary. Each switch is a
 * `tuning` decision (tuner `policy`, action `fallback` / `return`: GET /tuning and
 * kairos_tuning_decisions_total), a log line, and a count in GuardStats (`fallbacks.regret`,
 * `returns`).
 *
 * Off the hot path: the store is read asynchronously and both replays run in a worker thread
 * (src/learn/rl/replay-thread.ts; `inlineReplay` runs them in this thread, one macrotask each),
 * bounded by `maxRuns` (default 500). Measured: ~0.15 s of CPU per window of 500 runs at 75% load,
 * ~0.5 s at 2,000 runs, several seconds when the history was overloaded (docs/learned-policy.md,
 * "Live: guards") — too long to run on the engine's event loop. It never throws into the engine:
 * a failed evaluation is logged and counted, and the side in force is kept.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { KairosError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { RegretGuard, type RegretDecision, type RegretGuardOptions, type ReplayScore } from '../learn/rl/regret-guard.js';
import type { RegretHold } from '../learn/rl/guard.js';
import { replayInThread } from '../learn/rl/replay-thread.js';
import { replay as twinReplay, type HistoryTrace } from '../learn/whatif.js';
import type { SchedulerConfig } from '../sched/types.js';
import type { Engine } from './engine.js';
import { loadHistoryTrace } from './history-trace.js';
import { learnedFallbackOf, learnedGuardsOf } from './learned-guards.js';
import { PeriodicTask } from './periodic-task.js';

/** Evaluations kept for GET /tuning (`recent`): at the default 5 min, the last 100 min. */
const RECENT = 20;

export interface LearnedRegretOptions extends Omit<RegretGuardOptions, 'minDwellMs'> {
  /** How often to evaluate: ms or a duration. Default '5m'. */
  readonly every?: number | string;
  /** How far back the replayed history goes: ms or a duration. Default '1h'. */
  readonly window?: number | string;
  /** Least time between two switches: ms or a duration. Default '30m'. */
  readonly minDwell?: number | string;
  /** Fewest finished runs in the window to judge anything. Default 10. */
  readonly minRuns?: number;
  /** Most runs replayed (the newest): bounds the cost of one evaluation. Default 500. */
  readonly maxRuns?: number;
}

/** Injected for tests and by the server: the replay, leadership, the log. */
export interface LearnedRegretDeps {
  /** Replays the trace under each config (default: replayInThread, a worker thread). */
  readonly replay?: (trace: HistoryTrace, configs: readonly SchedulerConfig[]) => Promise<readonly ReplayScore[]>;
  /** Only the leader schedules, so only it judges. Default: always. */
  readonly isLeader?: () => boolean;
  readonly log?: (line: string) => void;
}

export interface RegretEvaluation {
  readonly at: number;
  readonly runs: number;
  readonly decision: RegretDecision | null;
  readonly learnedAvgJctMs: number | null;
  readonly fallbackAvgJctMs: number | null;
  /** Wall time of the two replays (ms), worker start included. */
  readonly replayMs: number | null;
  readonly reason: string;
}

/** One judged window as GET /tuning shows it (learned.regret.recent). */
export interface RegretWindowView {
  readonly at: number;
  readonly runs: number;
  /** learned avg JCT / fallback avg JCT − 1 (null when not replayed: too few runs). */
  readonly jctRegret: number | null;
  /** (learned − fallback deadline misses) / runs with a deadline (0 without deadlines; acted on only with `missMargin`). */
  readonly missRegret: number | null;
  readonly learnedAvgJctMs: number | null;
  readonly fallbackAvgJctMs: number | null;
  /** fallback | return | hold. */
  readonly action: string;
  readonly reason: string;
}

/** The replays in this thread, one macrotask each (embedded use, tests). */
export async function inlineReplay(trace: HistoryTrace, configs: readonly SchedulerConfig[]): Promise<ReplayScore[]> {
  const out: ReplayScore[] = [];
  for (const c of configs) {
    await yieldToLoop();
    out.push(twinReplay(trace, c));
  }
  return out;
}

function ms(field: string, v: number | string | undefined, dflt: number, zeroOk = false): number {
  if (v === undefined) return dflt;
  const d = typeof v === 'number' ? { ok: true as const, value: v } : parseDuration(v);
  if (!d.ok || !Number.isFinite(d.value) || d.value < 0 || (!zeroOk && d.value === 0)) {
    throw new KairosError('PARAM_INVALID', `learnedRegret.${field}: must be a duration ${zeroOk ? '>=' : '>'} 0 (got ${JSON.stringify(v)})`, { field: `learnedRegret.${field}` });
  }
  return d.value;
}

export class LearnedRegret {
  readonly everyMs: number;
  readonly windowMs: number;
  readonly minRuns: number;
  readonly maxRuns: number;
  readonly #o: RegretGuardOptions;
  readonly #replay: NonNullable<LearnedRegretDeps['replay']>;
  readonly #isLeader: () => boolean;
  readonly #log: (line: string) => void;
  #guard: RegretGuard;
  /** The RegretHold the guard's state belongs to: a reconfigured policy brings a new one. */
  #hold: RegretHold | null = null;
  readonly #task: PeriodicTask<RegretEvaluation | null>;
  #last: RegretEvaluation | null = null;
  /** The last RECENT judged windows, oldest first. */
  readonly #recent: RegretWindowView[] = [];
  #lastSwitch: { readonly at: number; readonly action: string; readonly reason: string } | null = null;
  #evaluations = 0;
  #errors = 0;
  #switches = 0;

  constructor(readonly engine: Engine, o: LearnedRegretOptions = {}, deps: LearnedRegretDeps = {}) {
    this.everyMs = ms('every', o.every, 5 * 60_000);
    this.windowMs = ms('window', o.window, 3600_000);
    this.minRuns = o.minRuns ?? 10;
    this.maxRuns = o.maxRuns ?? 500;
    if (!(Number.isInteger(this.minRuns) && this.minRuns >= 1)) throw new KairosError('PARAM_INVALID', `learnedRegret.minRuns: must be an integer >= 1 (got ${o.minRuns})`, { field: 'learnedRegret.minRuns' });
    if (!(Number.isInteger(this.maxRuns) && this.maxRuns >= this.minRuns)) throw new KairosError('PARAM_INVALID', `learnedRegret.maxRuns: must be an integer >= minRuns (got ${o.maxRuns})`, { field: 'learnedRegret.maxRuns' });
    const { every: _e, window: _w, minDwell, minRuns: _m, maxRuns: _x, ...guard } = o;
    this.#o = { ...guard, minDwellMs: ms('minDwell', minDwell, 30 * 60_000, true) };
    try {
      this.#guard = new RegretGuard(this.#o); // checks margins and windows now, not at the first evaluation
    } catch (e) {
      throw new KairosError('PARAM_INVALID', `learnedRegret: ${(e as Error).message}`, { field: 'learnedRegret' });
    }
    this.#replay = deps.replay ?? ((trace, configs) => replayInThread(trace, configs));
    this.#isLeader = deps.isLeader ?? (() => true);
    this.#log = deps.log ?? ((l) => process.stderr.write(l + '\n'));
    this.#task = new PeriodicTask({
      everyMs: this.everyMs,
      body: () => this.#evaluate(),
      onError: (err) => {
        this.#errors++;
        this.#log(`kairos: learned policy regret check failed (the side in force is kept): ${err.message}`);
      },
      now: () => engine.options.clock.now(),
    });
  }

  /** Evaluates every `everyMs` (the timer does not keep the process alive). */
  start(): this {
    this.#task.start();
    return this;
  }

  stop(): void {
    this.#task.stop();
  }

  /** One evaluation now (null when one is already running or it failed: logged, counted). Never rejects. */
  evaluate(): Promise<RegretEvaluation | null> {
    return this.#task.run();
  }

  async #evaluate(): Promise<RegretEvaluation | null> {
    const e = this.engine;
    const now = e.options.clock.now();
    const config = e.scheduler.config;
    const guards = learnedGuardsOf(config);
    const skip = (reason: string): RegretEvaluation => (this.#last = { at: now, runs: 0, decision: null, learnedAvgJctMs: null, fallbackAvgJctMs: null, replayMs: null, reason });
    if (!this.#isLeader()) return skip('not the scheduling leader: skip');
    if (guards === null) return skip(`policy is ${config.policy}, not learned: skip`);
    if (guards.regret !== this.#hold) {
      // A (re)configured learned policy starts on the model with a fresh switch: so does the guard.
      this.#hold = guards.regret;
      this.#guard = new RegretGuard(this.#o);
    }
    this.#evaluations++;
    const trace = await loadHistoryTrace(e.options.store, { fromMs: now - this.windowMs, toMs: now + 1, capacity: e.options.capacity, concurrency: e.concurrency, maxRuns: this.maxRuns });
    const done = (d: RegretDecision, extra: Partial<RegretEvaluation> = {}): RegretEvaluation => {
      const ev: RegretEvaluation = { at: now, runs: trace.runs.length, decision: d, learnedAvgJctMs: null, fallbackAvgJctMs: null, replayMs: null, reason: d.reason, ...extra };
      this.#remember(ev, d);
      return (this.#last = ev);
    };
    if (trace.runs.length < this.minRuns) return done(this.#guard.noEvidence(now, `${trace.runs.length} finished runs in the last ${fmtMs(this.windowMs)} < ${this.minRuns}`));

    // The replay's copies: no live switch, counters, timer or log line (a spread drops the hidden
    // stats/regret; the replay's guard still falls back on non-finite scores, as live).
    const { timer: _t, onEvent: _o, stats: _s, regret: _r, ...settings } = (config.settings ?? {}) as Record<string, unknown>;
    const learnedCfg: SchedulerConfig = { ...config, settings: { ...settings, onEvent: () => {} } };
    const fallbackCfg = learnedFallbackOf(config);
    const t0 = performance.now();
    const [l, f] = await this.#replay(trace, [learnedCfg, fallbackCfg]);
    const replayMs = performance.now() - t0;
    if (l === undefined || f === undefined) throw new Error('the replay returned no score');
    // The policy may have been reconfigured while the replays ran: act only on the switch judged.
    if (learnedGuardsOf(e.scheduler.config)?.regret !== this.#hold) return skip('policy reconfigured during the replay: skip');

    const d = this.#guard.observe({ atMs: now, learned: l, fallback: f });
    const reason = `regret over ${trace.runs.length} runs in the last ${fmtMs(this.windowMs)}: ${d.reason}`;
    if (d.action !== 'hold') {
      const hold = this.#hold!;
      hold.engaged = d.action === 'fallback';
      hold.detail = reason;
      this.#switches++;
      this.#lastSwitch = { at: now, action: d.action, reason };
      e.emit('tuning', { at: now, tuner: 'policy', action: d.action, from: d.action === 'fallback' ? 'learned' : fallbackCfg.policy, to: d.action === 'fallback' ? fallbackCfg.policy : 'learned', reason });
      this.#log(`kairos: learned policy ${d.action === 'fallback' ? `falls back to ${fallbackCfg.policy}` : 'returns'} (${reason})`);
    }
    return done(d, { reason, learnedAvgJctMs: l.avgJctMs, fallbackAvgJctMs: f.avgJctMs, replayMs });
  }

  #remember(ev: RegretEvaluation, d: RegretDecision): void {
    const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
    const replayed = ev.learnedAvgJctMs !== null;
    this.#recent.push({
      at: ev.at,
      runs: ev.runs,
      jctRegret: replayed ? finite(d.jctRegret) : null,
      missRegret: replayed ? finite(d.missRegret) : null,
      learnedAvgJctMs: ev.learnedAvgJctMs,
      fallbackAvgJctMs: ev.fallbackAvgJctMs,
      action: d.action,
      reason: ev.reason,
    });
    if (this.#recent.length > RECENT) this.#recent.shift();
  }

  /** The state GET /tuning shows (learned.regret). */
  state(): Record<string, unknown> {
    const l = this.#last;
    const g = learnedGuardsOf(this.engine.scheduler.config);
    return {
      enabled: true,
      everyMs: this.everyMs,
      windowMs: this.windowMs,
      minRuns: this.minRuns,
      maxRuns: this.maxRuns,
      margin: this.#guard.margin,
      returnMargin: this.#guard.returnMargin,
      missMargin: this.#guard.missMargin,
      active: this.#guard.active,
      streak: this.#guard.streak,
      evaluations: this.#evaluations,
      switches: this.#switches,
      errors: this.#errors,
      lastAt: l?.at ?? null,
      lastRuns: l?.runs ?? null,
      lastReason: l?.reason ?? null,
      lastJctRegret: l?.decision && Number.isFinite(l.decision.jctRegret) ? l.decision.jctRegret : null,
      lastReplayMs: l?.replayMs ?? null,
      lastSwitch: this.#lastSwitch,
      recent: [...this.#recent],
      running: this.#task.running,
      nextAt: this.#task.nextAt,
      guard: g?.stats ?? null,
    };
  }
}

function fmtMs(x: number): string {
  return x >= 3600_000 ? `${+(x / 3600_000).toFixed(1)} h` : x >= 60_000 ? `${+(x / 60_000).toFixed(1)} min` : `${+(x / 1000).toFixed(1)} s`;
}
