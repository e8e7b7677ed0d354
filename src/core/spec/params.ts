/**
 * Binds the values given at submit to a workflow's declared params: defaults applied, required
 * params checked, unknown names refused (with a suggestion: a misspelt param silently ignored
 * would run the workflow on its default). Values from the command line arrive as strings; those
 * that look like JSON (`[...]`, `{...}`, numbers, true/false/null) are parsed, so a list param
 * can feed a `foreach`; anything else stays the string it was.
 */
import type { WorkflowSpec } from '../model.js';
import { suggestion } from './did-you-mean.js';
import type { SpecIssue } from './issues.js';

export type ParamsResult = { readonly ok: true; readonly values: Record<string, unknown> } | { readonly ok: false; readonly errors: SpecIssue[] };

export function resolveParams(spec: Pick<WorkflowSpec, 'params'>, given: Readonly<Record<string, unknown>>): ParamsResult {
  const errors: SpecIssue[] = [];
  const declared = new Map(spec.params.map((p) => [p.name, p]));
  // A null-prototype object: a param named `__proto__` must be a plain key, not a prototype.
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, raw] of Object.entries(given)) {
    if (!declared.has(name)) {
      const known = [...declared.keys()];
      const list = known.length === 0 ? 'the workflow declares no params' : `declared: ${known.join(', ')}`;
      errors.push({ code: 'PARAM_UNKNOWN', path: `params.${name}`, message: `unknown param \`${name}\`${suggestion(name, known) || ` (${list})`}` });
      continue;
    }
    values[name] = typeof raw === 'string' ? coerceString(raw) : raw;
  }
  for (const p of spec.params) {
    if (p.name in values) continue;
    if (p.default !== undefined) values[p.name] = p.default;
    else if (p.required) {
      const desc = p.description === undefined ? '' : ` (${p.description})`;
      errors.push({ code: 'PARAM_MISSING', path: `params.${p.name}`, message: `missing required param \`${p.name}\`${desc}; give it with \`--param ${p.name}=...\`` });
    } else values[p.name] = null;
  }
  // Missing params first: they are what stops the run, and the engine reports the first code.
  errors.sort((a, b) => (a.code === b.code ? 0 : a.code === 'PARAM_MISSING' ? -1 : 1));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values: { ...values } };
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** A CLI string as the value it evidently means; text that is not JSON stays text. */
export function coerceString(s: string): unknown {
  const t = s.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (NUMBER.test(t)) {
    const n = Number(t);
    // `007` or a 30-digit id keep their text: a number would lose what the user typed.
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || t.includes('.') || /e/i.test(t))) return n;
    return s;
  }
  if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'))) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return s;
    }
  }
  return s;
}
