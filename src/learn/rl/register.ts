/**
 * Registers the `learned` policy with the scheduling framework. Importing this module is what
 * makes `--policy learned` exist (the sim CLI commands and the engine import it).
 *
 * Settings (all optional):
 *   model            path of a model file, a parsed model file object, or a Scorer
 *                    (default: models/learned-default/model.json)
 *   fallback         heuristic used by the guards (default weighted-fair)
 *   fallbackSettings its settings (default { alpha: -1 } for weighted-fair, the best tuned heuristic)
 *   budgetMs         latency budget of one decision (default 1; needs `timer`)
 *   timer            () => ms, e.g. performance.now (the engine injects it; the simulator none)
 *   cooldownRounds   rounds on the fallback before trying the model again (default 1000)
 *   stats, onEvent   GuardStats object to fill / callback per fallback and return
 *   regret           RegretHold switch of the engine's regret-by-replay loop (guard.ts)
 *   guard            false: the bare policy, errors thrown (training)
 *   mode, temperature, sink, actAsTeacher: training only (learned-policy.ts)
 */
import type { Rng } from '../../core/clock.js';
import { numberSetting, type Policy, type PolicyContext, type PolicyFactory } from '../../sched/policy.js';
import { policyFactory, registerPolicy } from '../../sched/registry.js';
import { GuardedPolicy, newGuardStats, type GuardEvent, type GuardStats, type RegretHold } from './guard.js';
import { LearnedPolicy, type DecisionSink } from './learned-policy.js';
import { DEFAULT_MODEL_PATH, loadModel, modelFromFile } from './model-file.js';
import type { Scorer } from './scorer.js';

function isScorer(v: unknown): v is Scorer {
  return typeof v === 'object' && v !== null && typeof (v as Scorer).score === 'function' && typeof (v as Scorer).inputs === 'number';
}

/** The scorer named by settings.model; throws a KairosError when missing or incompatible. */
export function scorerFrom(model: unknown): Scorer {
  if (isScorer(model)) return model;
  if (model === undefined) return loadModel(DEFAULT_MODEL_PATH).mlp;
  if (typeof model === 'string') return loadModel(model).mlp;
  return modelFromFile(model).mlp;
}

function fn<T>(v: unknown, name: string): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new TypeError(`learned setting '${name}' must be a function`);
  return v as T;
}

const warned = new Set<string>();

/** Default report of a guard event when the driver gives no `onEvent`: one process warning per message. */
function warnOnce(e: GuardEvent): void {
  if (e.kind !== 'fallback') return;
  const msg = `learned policy fell back to its heuristic (${e.reason}): ${e.detail}`;
  if (warned.has(msg)) return;
  warned.add(msg);
  process.emitWarning(msg, { code: 'KAIROS_LEARNED_FALLBACK' });
}

export const learnedFactory: PolicyFactory = (settings, ctx: PolicyContext): Policy => {
  const mode = settings['mode'] === 'sample' ? 'sample' : 'argmax';
  const temperature = numberSetting(settings, 'temperature', 1);
  const sink = settings['sink'] as DecisionSink | undefined;
  const rng = ctx.rng as Rng | undefined;
  const base = {
    mode,
    temperature,
    actAsTeacher: settings['actAsTeacher'] === true,
    ...(rng ? { rng } : {}),
    ...(sink ? { sink } : {}),
  } as const;
  if (settings['guard'] === false) return new LearnedPolicy({ ...base, scorer: scorerFrom(settings['model']) }, ctx);

  const fbName = typeof settings['fallback'] === 'string' ? settings['fallback'] : 'weighted-fair';
  if (fbName === 'learned') throw new TypeError(`learned setting 'fallback' must name a heuristic, not learned`);
  const fbSettings = (settings['fallbackSettings'] as Record<string, unknown> | undefined) ?? (fbName === 'weighted-fair' ? { alpha: -1 } : {});
  const fallback = policyFactory(fbName)(fbSettings, ctx);
  let guard: GuardedPolicy | null = null;
  let learned: Policy | { error: string };
  try {
    learned = new LearnedPolicy({ ...base, scorer: scorerFrom(settings['model']), onFault: (_k, detail) => guard?.fault(detail) }, ctx);
  } catch (e) {
    learned = { error: (e as Error).message };
  }
  const timer = fn<() => number>(settings['timer'], 'timer');
  const onEvent = fn<(e: GuardEvent) => void>(settings['onEvent'], 'onEvent') ?? warnOnce;
  guard = new GuardedPolicy({
    learned,
    fallback,
    budgetMs: numberSetting(settings, 'budgetMs', 1),
    cooldownRounds: numberSetting(settings, 'cooldownRounds', 1000),
    stats: (settings['stats'] as GuardStats | undefined) ?? newGuardStats(),
    ...(settings['regret'] !== undefined ? { regret: settings['regret'] as RegretHold } : {}),
    ...(timer ? { timer } : {}),
    onEvent,
  });
  return guard;
};

registerPolicy('learned', learnedFactory);
