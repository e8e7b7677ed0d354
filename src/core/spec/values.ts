/**
 * Compiles the value fields shared by tasks and `defaults`: retries, resources, env, priority and
 * durations. Each reads a document value that already passed the structural schema where it
 * could; a value of the wrong type was reported there and is skipped here (no double report).
 */
import { PRIORITY_LEVELS, type Priority, type RetryPolicy } from '../model.js';
import { DEFAULT_RETRY } from '../retry.js';
import { parseCpu, parseDuration, parseSize } from '../units.js';
import type { PathSegment } from './issues.js';
import type { Reporter } from './reporter.js';

export type Path = readonly PathSegment[];

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A duration field in ms; undefined when absent or invalid (invalid is reported). */
export function durationField(v: unknown, path: Path, r: Reporter): number | undefined {
  if (typeof v !== 'string') return undefined;
  const d = parseDuration(v);
  if (!d.ok) {
    r.issue('DURATION', path, d.error);
    return undefined;
  }
  return d.value;
}

export function priorityValue(v: unknown): Priority | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v in PRIORITY_LEVELS) return PRIORITY_LEVELS[v as keyof typeof PRIORITY_LEVELS];
  return undefined;
}

/** Retry fields written in a document (`retries: 3` or the object form), unresolved. */
export type RetryFields = Partial<RetryPolicy>;

export function retryFields(v: unknown, path: Path, r: Reporter): RetryFields {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? { max: v } : {};
  if (!isObject(v)) return {};
  const out: { -readonly [K in keyof RetryPolicy]?: RetryPolicy[K] } = {};
  if (typeof v.max === 'number') out.max = v.max;
  if (v.backoff === 'exponential' || v.backoff === 'fixed') out.backoff = v.backoff;
  const initial = durationField(v.initial, [...path, 'initial'], r);
  if (initial !== undefined) out.initialMs = initial;
  const maxDelay = durationField(v.max_delay, [...path, 'max_delay'], r);
  if (maxDelay !== undefined) out.maxMs = maxDelay;
  if (typeof v.jitter === 'number') out.jitter = v.jitter;
  return out;
}

/** Task fields over `defaults` fields over DEFAULT_RETRY (field by field). */
export function resolveRetry(task: RetryFields, defaults: RetryFields): RetryPolicy {
  return { ...DEFAULT_RETRY, ...defaults, ...task };
}

/** Resource fields of a document (`{cpu: '500m', memory: 1Gi, licenses: 1}`) in base units. */
export function resourceFields(v: unknown, path: Path, r: Reporter): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObject(v)) return out;
  for (const [name, raw] of Object.entries(v)) {
    if (name === 'cpu') {
      if (typeof raw !== 'number' && typeof raw !== 'string') continue;
      const c = parseCpu(raw);
      if (c.ok) out.cpu = c.value;
      else r.issue('CPU', [...path, 'cpu'], c.error);
    } else if (name === 'memory') {
      if (typeof raw !== 'number' && typeof raw !== 'string') continue;
      const s = parseSize(raw);
      if (s.ok) out.memory = s.value;
      else r.issue('SIZE', [...path, 'memory'], s.error);
    } else if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) {
      out[name] = raw;
    }
  }
  return out;
}

/** Default resources of a task that asks for nothing: one core (documented in docs/spec.md). */
export const DEFAULT_RESOURCES: Readonly<Record<string, number>> = Object.freeze({ cpu: 1 });

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvFields {
  readonly values: Record<string, string>;
  readonly secret: Set<string>;
}

/** Env values as strings; `{value, secret: true}` entries are listed as secret. */
export function envFields(v: unknown, path: Path, r: Reporter): EnvFields {
  const values: Record<string, string> = {};
  const secret = new Set<string>();
  if (!isObject(v)) return { values, secret };
  for (const [name, raw] of Object.entries(v)) {
    if (!ENV_NAME.test(name)) {
      r.issue('INVALID_NAME', [...path, name], `env name \`${name}\` must match ${ENV_NAME.source}`);
      continue;
    }
    if (name.startsWith('KAIROS_')) {
      r.issue('INVALID_NAME', [...path, name], `env names starting with \`KAIROS_\` are reserved for Kairos`);
      continue;
    }
    const scalar = isObject(raw) ? raw.value : raw;
    if (typeof scalar !== 'string' && typeof scalar !== 'number' && typeof scalar !== 'boolean') continue;
    values[name] = String(scalar);
    if (isObject(raw) && raw.secret === true) secret.add(name);
  }
  return { values, secret };
}
