/**
 * Compiles a workflow document (already parsed from YAML/JSON, or built by the SDK) into the
 * fully-resolved WorkflowSpec of model.ts. One path for every source: the structural schema,
 * then names, params, defaults, tasks, the `needs` graph and every expression. All issues are
 * collected; the spec is returned only when there are none.
 */
import { PRIORITY_LEVELS, type ParamSpec, type TaskSpec, type WorkflowSpec } from '../model.js';
import { parseDuration, parseTimestamp, DURATION_FORMS } from '../units.js';
import { IssueList, type SpecIssue } from './issues.js';
import { NO_LOCATOR, type Locator } from './locate.js';
import { makeReporter, type Reporter } from './reporter.js';
import { ParamObject, WorkflowSchema } from './schema.js';
import { checkStructure } from './structure.js';
import { compileTask, type ResolvedDefaults } from './compile-task.js';
import { checkGraph } from './graph.js';
import { checkReferences } from './references.js';
import { DEFAULT_RESOURCES, durationField, envFields, isObject, priorityValue, resourceFields, retryFields } from './values.js';
import { resolveLimits, type SpecLimits } from './limits.js';

export type CompileResult = { readonly ok: true; readonly spec: WorkflowSpec } | { readonly ok: false; readonly errors: SpecIssue[] };

export const WORKFLOW_NAME = /^[a-z0-9][a-z0-9_.-]*$/;
export const TASK_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_NAME = 128;

export interface CompileOptions {
  readonly limits?: Partial<SpecLimits>;
  /** Source positions, when the document came from text. */
  readonly locate?: Locator;
  /** Issues already found (e.g. duplicate keys from the YAML parser), reported together. */
  readonly issues?: IssueList;
}

/** Compiles a plain document (any JavaScript value) into a WorkflowSpec or the list of issues. */
export function compileWorkflowDocument(doc: unknown, opts: CompileOptions = {}): CompileResult {
  const limits = resolveLimits(opts.limits);
  const issues = opts.issues ?? new IssueList();
  const r = makeReporter(issues, opts.locate ?? NO_LOCATOR);
  const spec = compile(doc, limits, r);
  if (issues.size > 0 || spec === null) return { ok: false, errors: issues.toArray() };
  return { ok: true, spec };
}

function compile(doc: unknown, limits: SpecLimits, r: Reporter): WorkflowSpec | null {
  // Counted before the schema walk: a million-task document must not be walked at all.
  if (isObject(doc) && isObject(doc.tasks) && Object.keys(doc.tasks).length > limits.maxTasks) {
    r.issue('LIMIT', ['tasks'], `${Object.keys(doc.tasks).length} tasks exceed the limit of ${limits.maxTasks}`);
    return null;
  }
  checkStructure(WorkflowSchema, doc, [], r.locate, r.list);
  if (!isObject(doc)) return null;

  const name = typeof doc.name === 'string' ? doc.name : '';
  if (typeof doc.name === 'string') checkName(name, ['name'], 'workflow name', r);
  const namespace = typeof doc.namespace === 'string' ? doc.namespace : 'default';
  if (typeof doc.namespace === 'string') checkName(namespace, ['namespace'], 'namespace', r);
  const priority = priorityValue(doc.priority) ?? PRIORITY_LEVELS.normal;
  const params = compileParams(doc.params, r);
  const defaults = compileDefaults(doc.defaults, priority, r);

  const tasks: TaskSpec[] = [];
  if (isObject(doc.tasks)) {
    if (Object.keys(doc.tasks).length === 0) r.issue('MISSING_FIELD', ['tasks'], 'a workflow needs at least one task');
    for (const [id, t] of Object.entries(doc.tasks)) {
      if (!TASK_ID.test(id) || id.length > MAX_NAME) {
        r.issue('INVALID_NAME', ['tasks', id], `task id \`${id}\` must match ${TASK_ID.source} (at most ${MAX_NAME} characters)`);
      }
      if (isObject(t)) tasks.push(compileTask(id, t, defaults, r));
    }
  }
  const graph = checkGraph(tasks, r);
  checkReferences(tasks, new Set(params.map((p) => p.name)), graph, limits.maxExpressionLength, r);

  const labels: Record<string, string> = {};
  if (isObject(doc.labels)) for (const [k, v] of Object.entries(doc.labels)) if (typeof v === 'string') labels[k] = v;
  return {
    name,
    namespace,
    ...(typeof doc.description === 'string' ? { description: doc.description } : {}),
    priority,
    deadline: compileDeadline(doc.deadline, r),
    params,
    labels,
    tasks,
  };
}

function checkName(value: string, path: readonly string[], what: string, r: Reporter): void {
  if (!WORKFLOW_NAME.test(value) || value.length > MAX_NAME) {
    r.issue('INVALID_NAME', path, `${what} \`${value.slice(0, 60)}\` must be lower-case letters, digits, \`_\`, \`.\`, \`-\`, start with a letter or digit, at most ${MAX_NAME} characters`);
  }
}

function compileDeadline(v: unknown, r: Reporter): WorkflowSpec['deadline'] {
  if (typeof v !== 'string') return null;
  const d = parseDuration(v);
  if (d.ok) return { kind: 'relative', ms: d.value };
  const t = parseTimestamp(v);
  if (t.ok) return { kind: 'absolute', at: t.value };
  const code = /^\d{4}-/.test(v) ? 'TIMESTAMP' : 'DURATION';
  r.issue(code, ['deadline'], `\`${v.slice(0, 60)}\` is not a deadline; expected ${DURATION_FORMS}, or an ISO 8601 timestamp with a zone like \`2024-06-01T06:00:00Z\``);
  return null;
}

/**
 * Params: a mapping is the long form `{default, description, required}`; anything else is the
 * default value itself; an empty value (`files:`) declares a required param. An object default
 * therefore needs the long form: `cfg: {default: {a: 1}}`.
 */
function compileParams(v: unknown, r: Reporter): ParamSpec[] {
  if (!isObject(v)) return [];
  const out: ParamSpec[] = [];
  for (const [name, raw] of Object.entries(v)) {
    const path = ['params', name];
    if (!PARAM_NAME.test(name)) r.issue('INVALID_NAME', path, `param name \`${name}\` must match ${PARAM_NAME.source} (it is read as \`params.${name}\`)`);
    if (raw === null || raw === undefined) {
      out.push({ name, required: true });
    } else if (!isObject(raw)) {
      out.push({ name, default: raw, required: false });
    } else {
      checkStructure(ParamObject, raw, path, r.locate, r.list);
      const hasDefault = raw.default !== undefined;
      const required = typeof raw.required === 'boolean' ? raw.required : !hasDefault;
      if (required && hasDefault) r.issue('TYPE', [...path, 'required'], 'a required param has no default: remove `default` or `required: true`');
      out.push({
        name,
        ...(hasDefault ? { default: raw.default } : {}),
        ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
        required,
      });
    }
  }
  return out;
}

function compileDefaults(v: unknown, priority: number, r: Reporter): ResolvedDefaults {
  const d = isObject(v) ? v : {};
  const env = envFields(d.env, ['defaults', 'env'], r);
  return {
    retries: retryFields(d.retries, ['defaults', 'retries'], r),
    timeoutMs: durationField(d.timeout, ['defaults', 'timeout'], r) ?? null,
    resources: { ...DEFAULT_RESOURCES, ...resourceFields(d.resources, ['defaults', 'resources'], r) },
    shell: typeof d.shell === 'string' && d.shell !== '' ? d.shell : 'bash',
    env: env.values,
    secretEnv: env.secret,
    cwd: typeof d.cwd === 'string' ? d.cwd : undefined,
    priority,
  };
}
