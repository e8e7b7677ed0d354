/**
 * Structural validation: runs the TypeBox schema over a document and turns its errors into
 * SpecIssues a person can act on. TypeBox reports a failed union as one error with the errors
 * of each branch; the branch whose type matches the value (an object for an object...) is the
 * one the user meant, so its errors are reported, and otherwise the union's `x-hint` is.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { IssueList, formatPath, type PathSegment } from './issues.js';
import { suggestion } from './did-you-mean.js';
import type { Locator } from './locate.js';

/** Validates `value` against `schema`, adding issues for paths under `prefix`. Returns true when clean. */
export function checkStructure(schema: TSchema, value: unknown, prefix: readonly PathSegment[], locate: Locator, issues: IssueList): boolean {
  let clean = true;
  for (const e of Value.Errors(schema, value)) {
    clean = false;
    report(e, prefix, locate, issues);
    if (issues.full) break;
  }
  return clean;
}

function report(e: ValueError, prefix: readonly PathSegment[], locate: Locator, issues: IssueList): void {
  if (e.type === ValueErrorType.Union) {
    const branch = matchingBranch(e);
    if (branch !== undefined) {
      for (const sub of branch) report(sub, prefix, locate, issues);
      return;
    }
  }
  const path = [...prefix, ...pointerSegments(e.path)];
  const at = locate(path);
  const where = formatPath(path);
  const add = (code: 'UNKNOWN_FIELD' | 'MISSING_FIELD' | 'TYPE', message: string) =>
    issues.add({ code, path: where, ...(at === undefined ? {} : { line: at.line, column: at.column }), message });
  const field = path.length > 0 ? String(path[path.length - 1]) : '';
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const known = Object.keys((e.schema as { properties?: object }).properties ?? {});
      add('UNKNOWN_FIELD', `unknown field \`${field}\`${suggestion(field, known)}${known.length > 0 && suggestion(field, known) === '' ? ` (known fields: ${known.join(', ')})` : ''}`);
      return;
    }
    case ValueErrorType.ObjectRequiredProperty:
      add('MISSING_FIELD', `missing required field \`${field}\``);
      return;
    default: {
      // A custom resource whose name is a typo of a known one (`memroy: 1Gi`) fails as "not a
      // number"; the suggestion is more useful than the type error alone.
      const parentSchema = resourceParentHint(e, field);
      add('TYPE', `expected ${describe(e.schema)}, got ${describeValue(e.value)}${parentSchema}`);
    }
  }
}

/** The branch of a failed union the value was evidently meant for, when exactly one fits its type. */
function matchingBranch(e: ValueError): ValueError[] | undefined {
  const branches = (e.schema as { anyOf?: TSchema[] }).anyOf ?? [];
  const vt = jsonType(e.value);
  const fits: number[] = [];
  branches.forEach((b, i) => {
    if (schemaType(b) === vt && b[Kind] !== 'Literal') fits.push(i);
  });
  if (fits.length !== 1) return undefined;
  const errs = [...(e.errors[fits[0]!] ?? [])];
  return errs.length > 0 ? errs : undefined;
}

function schemaType(s: TSchema): string {
  const t = (s as { type?: unknown }).type;
  if (t === 'integer') return 'number';
  if (typeof t === 'string') return t;
  if (s[Kind] === 'Literal') return jsonType((s as { const?: unknown }).const);
  return 'unknown';
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** "expected ..." text for a schema: its `x-hint`, else a description of its type. */
export function describe(s: TSchema): string {
  const hint = (s as { 'x-hint'?: string })['x-hint'];
  if (hint !== undefined) return hint;
  const any = s as { anyOf?: TSchema[]; const?: unknown; type?: string; minimum?: number; maximum?: number; pattern?: string; minItems?: number };
  if (any.anyOf) return any.anyOf.map(describe).join(' or ');
  if (s[Kind] === 'Literal') return `\`${String(any.const)}\``;
  const range =
    any.minimum !== undefined && any.maximum !== undefined
      ? ` from ${any.minimum} to ${any.maximum}`
      : any.minimum !== undefined
        ? ` >= ${any.minimum}`
        : any.maximum !== undefined
          ? ` <= ${any.maximum}`
          : '';
  switch (any.type) {
    case 'integer':
      return `a whole number${range}`;
    case 'number':
      return `a number${range}`;
    case 'string':
      return any.pattern ? `a string matching ${any.pattern}` : 'a string';
    case 'boolean':
      return '`true` or `false`';
    case 'array':
      return any.minItems ? `a list of at least ${any.minItems}` : 'a list';
    case 'object':
      return 'a mapping (key: value)';
    default:
      return 'a valid value';
  }
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return `${typeof v === 'string' ? 'the string' : `the ${typeof v}`} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

const KNOWN_RESOURCES = ['cpu', 'memory', 'gpu'];

function resourceParentHint(e: ValueError, field: string): string {
  if ((e.schema as { 'x-hint'?: string })['x-hint']?.startsWith('a number (custom resources') !== true) return '';
  return suggestion(field, KNOWN_RESOURCES);
}

/** JSON pointer (`/tasks/a~1b/needs/0`) -> path segments; digits become list indexes. */
function pointerSegments(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}
