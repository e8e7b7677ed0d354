/**
 * Expressions (`when`, `foreach`, `${{ }}` templates) are Jexl: a small language with no
 * loops, no assignment and no way to call anything but the transforms registered below, so a
 * spec can compute with its inputs but never run code (no eval, no `new Function`).
 *
 * The context is `{ params, tasks: { <id>: { state, outputs } }, item, index, run }`.
 * Every answer is a value: a syntax error, a type error while evaluating, even a stack overflow
 * on absurd nesting comes back as `{ ok: false, error }`, never as a throw.
 */
import jexlModule from 'jexl';

/** Longest expression accepted by default (characters); `SpecLimits.maxExpressionLength`. */
export const DEFAULT_MAX_EXPRESSION_LENGTH = 4096;

/** A parsed expression; opaque to callers, cached by source text. */
export interface CompiledExpression {
  readonly src: string;
  /** @internal the Jexl expression object */
  readonly compiled: { evalSync(ctx: object): unknown };
  /** @internal the Jexl AST (null never: empty expressions are rejected) */
  readonly ast: AstNode;
}

export type ExprResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };
export type CompileResult = { readonly ok: true; readonly expr: CompiledExpression } | { readonly ok: false; readonly error: string };

/** The Jexl AST, as far as this module reads it. */
export interface AstNode {
  readonly type: string;
  readonly [k: string]: unknown;
}

// Transforms are pure and total on their domain; on a wrong type they return null rather than
// throw, so `tasks.a.outputs.files|length > 0` is simply false when `files` is missing.
const TRANSFORMS: Record<string, (v: unknown, ...args: unknown[]) => unknown> = {
  length: (v) => (typeof v === 'string' || Array.isArray(v) ? v.length : isPlainObject(v) ? Object.keys(v).length : null),
  keys: (v) => (isPlainObject(v) ? Object.keys(v) : null),
  values: (v) => (isPlainObject(v) ? Object.values(v) : null),
  join: (v, sep) => (Array.isArray(v) ? v.map(String).join(typeof sep === 'string' ? sep : ',') : null),
  split: (v, sep) => (typeof v === 'string' ? v.split(typeof sep === 'string' ? sep : ',') : null),
  upper: (v) => (typeof v === 'string' ? v.toUpperCase() : null),
  lower: (v) => (typeof v === 'string' ? v.toLowerCase() : null),
  trim: (v) => (typeof v === 'string' ? v.trim() : null),
  json: (v) => JSON.stringify(v ?? null),
  string: (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)),
  number: (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : null;
  },
  default: (v, d) => (v === null || v === undefined ? d : v),
  contains: (v, x) => (Array.isArray(v) ? v.includes(x) : typeof v === 'string' && typeof x === 'string' ? v.includes(x) : false),
};
export const EXPRESSION_TRANSFORMS: readonly string[] = Object.keys(TRANSFORMS);

const jexl = new jexlModule.Jexl();
jexl.addTransforms(TRANSFORMS as never);

// Names that would reach JavaScript object internals through property lookup. Jexl cannot call
// them, but reading them leaks implementation details into outputs, so they are refused early.
const FORBIDDEN_NAMES = new Set(['__proto__', 'prototype', 'constructor', '__defineGetter__', '__lookupGetter__']);

// Compiled expressions are cached by source: the same `when` is evaluated for every run and
// every foreach instance. Cleared wholesale when full, which keeps the bound trivially correct.
const CACHE_MAX = 2000;
const cache = new Map<string, CompiledExpression>();

export function compileExpression(src: string, maxLength: number = DEFAULT_MAX_EXPRESSION_LENGTH): CompileResult {
  if (typeof src !== 'string') return { ok: false, error: 'an expression must be a string' };
  if (src.length > maxLength) return { ok: false, error: `expression is ${src.length} characters, over the limit of ${maxLength}` };
  const hit = cache.get(src);
  if (hit !== undefined) return { ok: true, expr: hit };
  if (src.trim() === '') return { ok: false, error: 'empty expression' };
  let compiled: CompiledExpression['compiled'];
  let ast: AstNode | null;
  try {
    const e = jexl.compile(src);
    ast = e._getAst() as unknown as AstNode | null;
    compiled = e;
  } catch (e) {
    return { ok: false, error: `syntax error in \`${clip(src)}\`: ${errorText(e)}` };
  }
  if (ast === null || typeof ast !== 'object') return { ok: false, error: 'empty expression' };
  const bad = findForbidden(ast);
  if (bad !== null) return { ok: false, error: `\`${bad}\` may not be used in an expression` };
  const expr: CompiledExpression = { src, compiled, ast };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(src, expr);
  return { ok: true, expr };
}

/** Evaluates a compiled expression; `undefined` results are normalised to `null` (JSON has no undefined). */
export function evaluate(expr: CompiledExpression, ctx: Readonly<Record<string, unknown>>): ExprResult<unknown> {
  try {
    const v = expr.compiled.evalSync(ctx);
    return { ok: true, value: v === undefined ? null : v };
  } catch (e) {
    return { ok: false, error: `cannot evaluate \`${clip(expr.src)}\`: ${errorText(e)}` };
  }
}

/** Compiles (cached) and evaluates in one step. */
export function evaluateSource(src: string, ctx: Readonly<Record<string, unknown>>): ExprResult<unknown> {
  const c = compileExpression(src);
  return c.ok ? evaluate(c.expr, ctx) : c;
}

/**
 * Truthiness of a condition result. Like JavaScript, except that an empty list and an empty
 * object are false, so `when: tasks.scan.outputs.files` reads as "when there are files".
 */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** What an expression reads, for the validator. */
export interface ExpressionRefs {
  /** Task ids read as `tasks.<id>` or `tasks["<id>"]`. */
  readonly tasks: ReadonlySet<string>;
  /** True when some `tasks[...]` index is computed, so not every reference is known statically. */
  readonly dynamicTasks: boolean;
  /** Param names read as `params.<name>` or `params["<name>"]`. */
  readonly params: ReadonlySet<string>;
  /** Top-level context names read (`params`, `tasks`, `item`, ...). */
  readonly roots: ReadonlySet<string>;
}

export function expressionRefs(expr: CompiledExpression): ExpressionRefs {
  const tasks = new Set<string>();
  const params = new Set<string>();
  const roots = new Set<string>();
  let dynamicTasks = false;
  // Iterative walk: an expression may nest thousands deep within the length limit.
  const stack: unknown[] = [expr.ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isNode(node)) {
      if (Array.isArray(node)) stack.push(...node);
      else if (isPlainObject(node)) stack.push(...Object.values(node));
      continue;
    }
    const member = memberOf(node);
    if (member !== null && (member.root === 'tasks' || member.root === 'params')) {
      if (member.key === null) {
        if (member.root === 'tasks') dynamicTasks = true;
      } else (member.root === 'tasks' ? tasks : params).add(member.key);
    }
    if (node.type === 'Identifier' && node.from === undefined && node.relative !== true) roots.add(String(node.value));
    for (const k in node) if (k !== 'type') stack.push(node[k]);
  }
  return { tasks, dynamicTasks, params, roots };
}

/**
 * `tasks.extract` is `Identifier(extract, from: Identifier(tasks))`; `tasks["a-b"]` is
 * `FilterExpression(subject: Identifier(tasks), expr: Literal("a-b"))`. Returns the root and the
 * key when the node is such a first-level member access; key null when the index is computed.
 */
function memberOf(node: AstNode): { root: string; key: string | null } | null {
  if (node.type === 'Identifier' && isRootIdent(node.from)) return { root: String(node.from.value), key: String(node.value) };
  if (node.type === 'FilterExpression' && node.relative !== true && isRootIdent(node.subject)) {
    const e = node.expr;
    const key = isNode(e) && e.type === 'Literal' && typeof e.value === 'string' ? e.value : null;
    return { root: String(node.subject.value), key };
  }
  return null;
}

function isRootIdent(n: unknown): n is AstNode & { value: unknown } {
  return isNode(n) && n.type === 'Identifier' && n.from === undefined && n.relative !== true;
}

function findForbidden(ast: AstNode): string | null {
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (isPlainObject(node)) {
      if (node.type === 'Identifier' && FORBIDDEN_NAMES.has(String(node.value))) return String(node.value);
      if (node.type === 'Literal' && typeof node.value === 'string' && FORBIDDEN_NAMES.has(node.value)) return node.value;
      if (node.type === 'ObjectLiteral' && isPlainObject(node.value)) {
        for (const k of Object.keys(node.value)) if (FORBIDDEN_NAMES.has(k)) return k;
      }
      stack.push(...Object.values(node));
    }
  }
  return null;
}

function isNode(v: unknown): v is AstNode {
  return isPlainObject(v) && typeof v.type === 'string';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function errorText(e: unknown): string {
  if (e instanceof RangeError) return 'expression is nested too deeply';
  return e instanceof Error ? e.message : String(e);
}
