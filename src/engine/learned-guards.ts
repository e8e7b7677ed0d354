/**
 * The engine's side of the learned policy's guards (issue 4, "Live"): importing this module
 * registers the `learned` policy, and `withLearnedGuards` gives it the wall-clock timer its
 * latency budget needs (the simulator passes none: virtual time has no latency) and a log line
 * per fallback and return. Other policies' configs pass through unchanged.
 */
import { performance } from 'node:perf_hooks';
import '../learn/rl/register.js';
import type { GuardEvent } from '../learn/rl/guard.js';
import type { SchedulerConfig } from '../sched/types.js';

export function withLearnedGuards(config: SchedulerConfig, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): SchedulerConfig {
  if (config.policy !== 'learned') return config;
  const s = config.settings ?? {};
  return {
    ...config,
    settings: {
      ...s,
      timer: s['timer'] ?? (() => performance.now()),
      onEvent:
        s['onEvent'] ??
        ((e: GuardEvent) => log(`kairos: learned policy ${e.kind === 'fallback' ? `fell back to its heuristic (${e.reason}: ${e.detail})` : `resumed (${e.detail})`}`)),
    },
  };
}
