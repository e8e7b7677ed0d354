/**
 * The learned policy's two background loops beside an engine, both off unless configured
 * (server config keys `learnedRegret` and `finetune`; docs/learned-policy.md "Live: guards"):
 * regret by replay (learned-regret.ts) and scheduled fine-tuning (finetune-schedule.ts). Both act
 * only on the scheduling leader (`isLeader`). Returns the function that stops them.
 *
 * `learnedState(engine)` is what GET /tuning shows as `learned`: the policy in force, the side the
 * live guard is on (model or fallback heuristic) and why, its counters, and the state of both
 * loops (last replay, regret per recent window, next run, last promotion or refusal).
 */
import type { Engine } from './engine.js';
import { FinetuneSchedule, type FinetuneScheduleOptions } from './finetune-schedule.js';
import { learnedFallbackOf, learnedGuardsOf } from './learned-guards.js';
import { LearnedRegret, type LearnedRegretOptions } from './learned-regret.js';

export interface LearnedLoopsOptions {
  readonly learnedRegret: LearnedRegretOptions | null;
  readonly finetune: FinetuneScheduleOptions | null;
}

export interface LearnedLoops {
  readonly regret: LearnedRegret | null;
  readonly finetune: FinetuneSchedule | null;
  stop(): void;
}

/** The loops started beside each engine (read by learnedState; a stopped engine's entry is dropped). */
const loopsOf = new WeakMap<Engine, LearnedLoops>();

export function startLearnedLoops(engine: Engine, o: LearnedLoopsOptions, deps: { isLeader?: () => boolean; log?: (line: string) => void } = {}): LearnedLoops {
  const regret = o.learnedRegret === null ? null : new LearnedRegret(engine, o.learnedRegret, deps).start();
  const finetune = o.finetune === null ? null : new FinetuneSchedule(engine, o.finetune, deps).start();
  const loops: LearnedLoops = {
    regret,
    finetune,
    stop: () => {
      regret?.stop();
      finetune?.stop();
      loopsOf.delete(engine);
    },
  };
  loopsOf.set(engine, loops);
  return loops;
}

export function learnedLoopsOf(engine: Engine): LearnedLoops | null {
  return loopsOf.get(engine) ?? null;
}

export interface LearnedStateView {
  /** The policy in force (`learned` or another). */
  readonly policy: string;
  /** Which side schedules: the model, its fallback heuristic, or null when the policy is not `learned`. */
  readonly mode: 'learned' | 'fallback' | null;
  /** The fallback heuristic of the `learned` config (null for other policies). */
  readonly fallback: string | null;
  /** Why the guard is on the side it is on (its last fallback or return, with the numbers). */
  readonly why: string | null;
  /** Whether the regret-by-replay switch currently holds the policy on its fallback. */
  readonly regretHold: boolean | null;
  /** The live guard's counters (GuardStats), null for other policies. */
  readonly guard: unknown;
  readonly regret: Record<string, unknown>;
  readonly finetune: Record<string, unknown>;
}

export function learnedState(engine: Engine): LearnedStateView {
  const config = engine.scheduler.config;
  const g = learnedGuardsOf(config);
  const loops = learnedLoopsOf(engine);
  const last = g?.stats.last ?? null;
  const why = g === null ? null : last === null ? 'serving the model (no fallback so far)' : last.kind === 'fallback' ? `fell back (${last.reason}): ${last.detail}` : `returned to the model: ${last.detail}`;
  const regret = loops?.regret?.state() ?? { enabled: false };
  // The guard's counters appear once, at the top.
  delete regret['guard'];
  return {
    policy: config.policy,
    mode: g === null ? null : g.stats.active,
    fallback: g === null ? null : learnedFallbackOf(config).policy,
    why,
    regretHold: g === null ? null : g.regret.engaged,
    guard: g?.stats ?? null,
    regret,
    finetune: loops?.finetune?.state() ?? { enabled: false },
  };
}
