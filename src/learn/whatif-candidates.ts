/**
 * The candidates a what-if compares, from the user's words: `--policies fifo,sjf,wrr:shares.high=0.8`
 * and `--set wrr.high=0.8 --set admission=backfill`. Shared by `kairos whatif` and the automatic
 * mode, so both read settings the same way.
 *
 * Rules:
 *   - a policy is `name` or `name:key=value;key=value` (as in `kairos bench`); it keeps the
 *     current configuration's admission, quotas and head settings;
 *   - `--set POLICY.PATH=VALUE` makes a variant of POLICY (added if not listed), PATH a dotted
 *     path into its settings; for wrr, `high`/`normal`/`low` are short for `shares.<level>`.
 *     All sets of one policy go into one variant, labelled `wrr{high=0.8}`;
 *   - `--set KEY=VALUE` without a policy name sets a scheduler option (admission, headTimeoutMs,
 *     headRetries) on every candidate, the current policy's replay included.
 */
import { KairosError } from '../core/errors.js';
import { policyNames } from '../sched/registry.js';
import type { SchedulerConfig } from '../sched/types.js';
import { parsePolicy } from '../sim/bench.js';
import type { WhatIfCandidate } from './whatif.js';

const GLOBAL_KEYS = new Set(['admission', 'headTimeoutMs', 'headRetries']);
const WRR_LEVELS = new Set(['high', 'normal', 'low']);

function bad(field: string, message: string): KairosError {
  return new KairosError('PARAM_INVALID', message, { field });
}

function value(v: string): unknown {
  return v !== '' && Number.isFinite(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
}

function setPath(into: Record<string, unknown>, path: readonly string[], v: unknown): void {
  let o = into;
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    o = o[k] = typeof next === 'object' && next !== null ? { ...(next as Record<string, unknown>) } : {};
  }
  o[path[path.length - 1]!] = v;
}

export interface Candidates {
  readonly current: WhatIfCandidate;
  readonly alternatives: WhatIfCandidate[];
}

export function buildCandidates(current: SchedulerConfig, policies: readonly string[], sets: readonly string[] = []): Candidates {
  const known = policyNames();
  const global: Record<string, unknown> = {};
  const variants = new Map<string, { settings: Record<string, unknown>; parts: string[] }>();
  for (const s of sets) {
    const i = s.indexOf('=');
    if (i <= 0) throw bad('set', `--set ${s}: expected KEY=VALUE, e.g. wrr.high=0.8 or admission=backfill`);
    const key = s.slice(0, i).trim();
    const v = value(s.slice(i + 1).trim());
    if (GLOBAL_KEYS.has(key)) {
      global[key] = v;
      continue;
    }
    const [policy, ...path] = key.split('.');
    if (!known.includes(policy!) || path.length === 0) {
      throw bad('set', `--set ${s}: '${key}' is neither POLICY.SETTING (policies: ${known.join(', ')}) nor one of ${[...GLOBAL_KEYS].join(', ')}`);
    }
    const full = policy === 'wrr' && path.length === 1 && WRR_LEVELS.has(path[0]!) ? ['shares', path[0]!] : path;
    const base = policy === current.policy ? { ...(current.settings ?? {}) } : {};
    const variant = variants.get(policy!) ?? { settings: base, parts: [] };
    setPath(variant.settings, full, v);
    variant.parts.push(`${path.join('.')}=${String(v)}`);
    variants.set(policy!, variant);
  }
  const withGlobal = (c: SchedulerConfig): SchedulerConfig => ({ ...c, ...global } as SchedulerConfig);
  const cur: WhatIfCandidate = { label: `${current.policy} (current)`, config: withGlobal(current) };
  const alternatives: WhatIfCandidate[] = [];
  const seen = new Set<string>([JSON.stringify(cur.config)]);
  const push = (label: string, config: SchedulerConfig): void => {
    const c = withGlobal(config);
    const key = JSON.stringify(c);
    if (seen.has(key)) return;
    seen.add(key);
    // The current policy's name stands for the current configuration; another configuration of it is told apart.
    alternatives.push({ label: label === current.policy ? `${label} (defaults)` : label, config: c });
  };
  for (const text of policies) {
    if (text.trim() === '') continue;
    const p = parsePolicy(text);
    if (!known.includes(p.config.policy)) throw new KairosError('POLICY_UNKNOWN', `--policies: unknown policy '${p.config.policy}'; registered: ${known.join(', ')}`, { field: 'policies' });
    const { policy: _drop, settings: _s, ...rest } = current;
    push(p.label, { ...rest, ...p.config });
  }
  for (const [policy, v] of variants) {
    const { policy: _drop, settings: _s, ...rest } = current;
    push(`${policy}{${v.parts.join(',')}}`, { ...rest, policy, settings: v.settings });
  }
  return { current: cur, alternatives };
}
