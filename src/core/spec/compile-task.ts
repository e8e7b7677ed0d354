/**
 * Compiles one task of a document into a fully-resolved TaskSpec: defaults applied, durations in
 * ms, sizes in bytes, exactly one action. Always returns a TaskSpec (with harmless fallbacks for
 * invalid fields) so that later checks (graph, expressions) still run and every issue of the
 * document is reported in one pass; the caller discards the result if any issue was reported.
 */
import type { Action, OutputSpec, Priority, TaskSpec } from '../model.js';
import {
  durationField,
  envFields,
  isObject,
  priorityValue,
  resolveRetry,
  resourceFields,
  retryFields,
  type Path,
  type RetryFields,
} from './values.js';
import type { Reporter } from './reporter.js';

/** `defaults:` compiled once, shared by every task. */
export interface ResolvedDefaults {
  readonly retries: RetryFields;
  readonly timeoutMs: number | null;
  readonly resources: Readonly<Record<string, number>>;
  readonly shell: string;
  readonly env: Readonly<Record<string, string>>;
  readonly secretEnv: ReadonlySet<string>;
  readonly cwd: string | undefined;
  readonly priority: Priority;
}

const ACTION_FIELDS = ['run', 'http', 'fn'] as const;

export function compileTask(id: string, t: Record<string, unknown>, d: ResolvedDefaults, r: Reporter): TaskSpec {
  const path: Path = ['tasks', id];
  const shell = typeof t.shell === 'string' && t.shell !== '' ? t.shell : d.shell;
  const action = compileAction(t, shell, path, r, 'task') ?? { kind: 'shell', run: '', shell };
  if (t.args !== undefined && action.kind !== 'fn') r.issue('TYPE', [...path, 'args'], '`args` is only used with `fn`');
  if (t.shell !== undefined && action.kind !== 'shell') r.issue('TYPE', [...path, 'shell'], '`shell` is only used with `run`');

  const env = envFields(t.env, [...path, 'env'], r);
  const secretEnv = new Set([...d.secretEnv].filter((k) => !(k in env.values)));
  for (const k of env.secret) secretEnv.add(k);

  const needs = typeof t.needs === 'string' ? [t.needs] : Array.isArray(t.needs) ? t.needs.filter((n): n is string => typeof n === 'string') : [];
  const when = typeof t.when === 'boolean' ? String(t.when) : typeof t.when === 'string' ? t.when : undefined;
  const compensate = t.compensate === undefined ? undefined : compileCompensation(t.compensate, shell, [...path, 'compensate'], r);
  const line = r.locate(path)?.line;
  const timeout = durationField(t.timeout, [...path, 'timeout'], r);

  return {
    id,
    needs: [...new Set(needs)],
    ...(when === undefined ? {} : { when }),
    action,
    env: { ...d.env, ...env.values },
    secretEnv: [...secretEnv],
    ...(typeof t.cwd === 'string' ? { cwd: t.cwd } : d.cwd === undefined ? {} : { cwd: d.cwd }),
    timeoutMs: t.timeout === undefined ? d.timeoutMs : (timeout ?? null),
    retries: resolveRetry(retryFields(t.retries, [...path, 'retries'], r), d.retries),
    resources: { ...d.resources, ...resourceFields(t.resources, [...path, 'resources'], r) },
    priority: priorityValue(t.priority) ?? d.priority,
    deadlineMs: durationField(t.deadline, [...path, 'deadline'], r) ?? null,
    outputs: compileOutputs(t.outputs),
    ...(compensate === undefined ? {} : { compensate }),
    ...(typeof t.foreach === 'string' ? { foreach: t.foreach } : {}),
    estimateMs: durationField(t.estimate, [...path, 'estimate'], r) ?? null,
    ...(typeof t.pool === 'string' && t.pool !== '' ? { pool: t.pool } : {}),
    ...(isObject(t.selector) ? { selector: stringRecord(t.selector) } : {}),
    ...(line === undefined ? {} : { line }),
  };
}

/** The one action of a task (or of an object-form compensation); null when not exactly one. */
function compileAction(t: Record<string, unknown>, shell: string, path: Path, r: Reporter, what: string): Action | null {
  const present = ACTION_FIELDS.filter((f) => t[f] !== undefined);
  if (present.length === 0) {
    r.issue('ACTION', path, `a ${what} needs exactly one of \`run\` (shell command), \`http\` (request) or \`fn\` (registered function); it has none`);
    return null;
  }
  if (present.length > 1) {
    r.issue('ACTION', [...path, present[1]!], `a ${what} has exactly one of \`run\`, \`http\`, \`fn\`; this one has ${present.map((f) => `\`${f}\``).join(' and ')}`);
    return null;
  }
  if (typeof t.run === 'string') {
    if (t.run.trim() === '') r.issue('TYPE', [...path, 'run'], '`run` is an empty command');
    return { kind: 'shell', run: t.run, shell };
  }
  if (typeof t.fn === 'string') {
    if (t.fn.trim() === '') r.issue('TYPE', [...path, 'fn'], '`fn` is an empty function name');
    return { kind: 'fn', fn: t.fn, args: t.args ?? null };
  }
  if (isObject(t.http)) return compileHttp(t.http, [...path, 'http'], r);
  return null; // a wrong type, already reported by the schema
}

function compileHttp(h: Record<string, unknown>, path: Path, r: Reporter): Action {
  const url = typeof h.url === 'string' ? h.url : '';
  if (typeof h.url === 'string' && !url.startsWith('${{') && !/^https?:\/\//i.test(url)) {
    r.issue('TYPE', [...path, 'url'], `\`${url.slice(0, 60)}\` is not an http:// or https:// URL`);
  }
  const headers: Record<string, string> = {};
  if (isObject(h.headers)) for (const [k, v] of Object.entries(h.headers)) if (typeof v === 'string') headers[k] = v;
  const body = h.body === undefined || h.body === null ? undefined : typeof h.body === 'string' ? h.body : JSON.stringify(h.body);
  const expect = typeof h.expect === 'number' ? [h.expect] : Array.isArray(h.expect) ? h.expect.filter((x): x is number => typeof x === 'number') : null;
  return {
    kind: 'http',
    method: typeof h.method === 'string' ? h.method : 'GET',
    url,
    headers,
    ...(body === undefined ? {} : { body }),
    expectStatus: expect,
  };
}

function compileCompensation(v: unknown, shell: string, path: Path, r: Reporter): Action | undefined {
  if (typeof v === 'string') {
    if (v.trim() === '') r.issue('TYPE', path, '`compensate` is an empty command');
    return { kind: 'shell', run: v, shell };
  }
  if (!isObject(v)) return undefined;
  const own = typeof v.shell === 'string' && v.shell !== '' ? v.shell : shell;
  return compileAction(v, own, path, r, 'compensation') ?? undefined;
}

function stringRecord(v: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function compileOutputs(v: unknown): OutputSpec {
  if (v === 'none') return { stdout: false };
  if (isObject(v)) {
    return { stdout: typeof v.stdout === 'boolean' ? v.stdout : true, ...(typeof v.file === 'string' ? { file: v.file } : {}) };
  }
  return { stdout: true };
}
