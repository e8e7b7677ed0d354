/**
 * The engine's side of the learned policy's guards (issue 4, "Live"): importing this module
 * registers the `learned` policy, and `withLearnedGuards` gives it the wall-clock timer its
 * latency budget needs (the simulator passes none: virtual time has no latency), a log line
 * per fallback and return, a `GuardStats` object the engine can read back, and the `RegretHold`
 * switch the regret-by-replay loop (learned-regret.ts) drives. Other policies' configs pass
 * through unchanged.
 */
import { performance } from 'node:perf_hooks';
import '../learn/rl/register.js';
import { newGuardStats, newRegretHold, type GuardEvent, type GuardStats, type RegretHold } from '../learn/rl/guard.js';
import type { SchedulerConfig } from '../sched/types.js';

export function withLearnedGuards(config: SchedulerConfig, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): SchedulerConfig {
  if (config.policy !== 'learned') return config;
  const s = config.settings ?? {};
  const settings: Record<string, unknown> = {
    ...s,
    timer: s['timer'] ?? (() => performance.now()),
    onEvent:
      s['onEvent'] ??
      ((e: GuardEvent) => log(`kairos: learned policy ${e.kind === 'fallback' ? `fell back to its heuristic (${e.reason}: ${e.detail})` : `resumed (${e.detail})`}`)),
  };
  // Live state, not configuration: non-enumerable, so JSON views of the config (GET
  // /scheduling/policy, the scheduler's same-settings check, the what-if auto mode's "did the
  // policy change" key) do not see counters move, and a spread copy (a replay) gets none.
  hidden(settings, 'stats', s['stats'] ?? newGuardStats());
  hidden(settings, 'regret', s['regret'] ?? newRegretHold());
  return { ...config, settings };
}

function hidden(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: false, writable: false, configurable: true });
}

/** The guard's stats and regret switch of a config `withLearnedGuards` prepared; null for other policies. */
export function learnedGuardsOf(config: SchedulerConfig): { stats: GuardStats; regret: RegretHold } | null {
  if (config.policy !== 'learned') return null;
  const s = config.settings ?? {};
  const stats = s['stats'] as GuardStats | undefined;
  const regret = s['regret'] as RegretHold | undefined;
  return stats && regret ? { stats, regret } : null;
}

/** The fallback heuristic the guard of this `learned` config runs (register.ts's defaults). */
export function learnedFallbackOf(config: SchedulerConfig): SchedulerConfig {
  const s = config.settings ?? {};
  const policy = typeof s['fallback'] === 'string' ? s['fallback'] : 'weighted-fair';
  const settings = (s['fallbackSettings'] as Record<string, unknown> | undefined) ?? (policy === 'weighted-fair' ? { alpha: -1 } : {});
  return { ...config, policy, settings };
}
