/**
 * Resolves a task's templates against its expression context just before it is queued: every
 * `${{ expr }}` in the command, URL, headers, body and env. Shell commands get values through
 * environment variables (`bindShellTemplate`), so a param like `x; rm -rf ~` arrives as one
 * literal argument, never as code. A template that cannot be evaluated is an expected outcome:
 * the task is rejected (failed) with the message, and nothing runs.
 */
import type { Action, TaskSpec } from '../core/model.js';
import { evaluate, compileExpression, truthy } from '../core/expr.js';
import { renderTemplate } from '../core/template.js';
import { bindShellTemplate } from '../core/shell-template.js';
import type { LiveRun, LiveTask } from './live-run.js';

export interface BoundAction {
  readonly action: Action;
  readonly env: Record<string, string>;
  readonly compensate: BoundCompensation | null;
}

export interface BoundCompensation {
  readonly action: Action;
  readonly env: Record<string, string>;
}

export type ExprContext = Record<string, unknown>;

export type Bound<T> = { ok: true; value: T } | { ok: false; error: string };

export function exprContext(run: LiveRun, task: LiveTask): ExprContext {
  return {
    params: run.row.params,
    tasks: run.exprTasks,
    item: task.row.item ?? null,
    index: task.row.itemIndex ?? null,
    run: { id: run.row.id, name: run.spec.name, namespace: run.spec.namespace },
  };
}

/** Evaluates an expression (`when`, `foreach`) in a context; errors are values. */
export function evalExpr(src: string, ctx: ExprContext): Bound<unknown> {
  const c = compileExpression(src);
  if (!c.ok) return { ok: false, error: c.error };
  const v = evaluate(c.expr, ctx);
  return v.ok ? { ok: true, value: v.value } : { ok: false, error: v.error };
}

export function evalCondition(src: string, ctx: ExprContext): Bound<boolean> {
  const v = evalExpr(src, ctx);
  return v.ok ? { ok: true, value: truthy(v.value) } : v;
}

function render(str: string, ctx: ExprContext, where: string): string {
  const r = renderTemplate(str, ctx);
  if (!r.ok) throw new TemplateError(`${where}: ${r.error}`);
  return r.value;
}

class TemplateError extends Error {}

function bindAction(action: Action, ctx: ExprContext, where: string, env: Record<string, string>): Action {
  switch (action.kind) {
    case 'shell': {
      const b = bindShellTemplate(action.run, (expr) => {
        const v = evalExpr(expr, ctx);
        if (!v.ok) throw new TemplateError(`${where}: ${v.error}`);
        return v.value;
      });
      Object.assign(env, b.env);
      return { ...action, run: b.command };
    }
    case 'http': {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(action.headers)) headers[k] = render(v, ctx, `${where}.headers.${k}`);
      const body = action.body === undefined ? undefined : render(action.body, ctx, `${where}.body`);
      return { ...action, url: render(action.url, ctx, `${where}.url`), headers, ...(body === undefined ? {} : { body }) };
    }
    case 'fn':
      return action;
  }
}

/** Spec-level cache of the binding of a task with no template at all (most tasks). */
const STATIC = Symbol('kairos.staticBinding');
type SpecWithBinding = TaskSpec & { [STATIC]?: Bound<BoundAction> | null };

/**
 * The last static binding of an `fn` task without compensation, and the env it was made from:
 * a generated workflow's specs each have their own action object but the same function, args
 * and env, so the next such spec reuses it instead of binding afresh (an exprContext, an env
 * copy, a frozen binding and a property per spec: ~2% of the engine's thread on 20,000 distinct
 * no-op tasks). Equal fn name, the same args object and the same env object bind identically.
 */
let lastFn: { readonly env: Readonly<Record<string, string>>; readonly fn: string; readonly args: unknown; readonly bound: Bound<BoundAction> } | null = null;

function actionHasTemplates(a: Action): boolean {
  switch (a.kind) {
    case 'shell':
      return a.run.includes('${{');
    case 'http':
      return a.url.includes('${{') || (a.body ?? '').includes('${{') || Object.values(a.headers).some((v) => v.includes('${{'));
    case 'fn':
      return false;
  }
}

function hasTemplates(spec: TaskSpec): boolean {
  if (actionHasTemplates(spec.action) || (spec.compensate !== undefined && actionHasTemplates(spec.compensate))) return true;
  for (const k in spec.env) if (spec.env[k]!.includes('${{')) return true;
  return false;
}

export function bindTask(run: LiveRun, task: LiveTask): Bound<BoundAction> {
  const spec = task.spec as SpecWithBinding;
  let shared = spec[STATIC];
  if (shared === undefined) {
    const a = spec.action;
    const last = lastFn;
    if (last !== null && a.kind === 'fn' && a.fn === last.fn && a.args === last.args && spec.env === last.env && spec.compensate === undefined) return last.bound;
    // null marks "has templates: bind per task"; computed once per spec.
    shared = hasTemplates(spec) ? null : Object.freeze({ ok: true as const, value: Object.freeze(bindFresh(run, task) as BoundAction) });
    if (Object.isExtensible(spec)) Object.defineProperty(spec, STATIC, { value: shared, enumerable: false });
    if (shared !== null && a.kind === 'fn' && spec.compensate === undefined) lastFn = { env: spec.env, fn: a.fn, args: a.args, bound: shared };
  }
  return shared === null ? bindTemplated(run, task) : shared;
}

/** Without templates, binding cannot fail: the action and env are used as written. */
function bindFresh(run: LiveRun, task: LiveTask): BoundAction {
  const b = bindTemplated(run, task);
  if (!b.ok) throw new Error(`binding a template-free task failed: ${b.error}`);
  return b.value;
}

function bindTemplated(run: LiveRun, task: LiveTask): Bound<BoundAction> {
  const spec: TaskSpec = task.spec;
  const ctx = exprContext(run, task);
  try {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.env)) env[k] = v.includes('${{') ? render(v, ctx, `env.${k}`) : v;
    const action = bindAction(spec.action, ctx, spec.action.kind === 'shell' ? 'run' : spec.action.kind, env);
    let compensate: BoundCompensation | null = null;
    if (spec.compensate) {
      const cenv: Record<string, string> = { ...env };
      compensate = { action: bindAction(spec.compensate, ctx, 'compensate', cenv), env: cenv };
    }
    return { ok: true, value: { action, env, compensate } };
  } catch (e) {
    if (e instanceof TemplateError) return { ok: false, error: e.message };
    throw e;
  }
}
