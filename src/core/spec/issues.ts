/**
 * Spec issues: every problem found in a workflow document, with the path of the offending field
 * (`tasks.load.needs[0]`) and, when parsed from text, its line and column. The validator reports
 * all of them at once (up to `MAX_ISSUES`), so a user fixes a spec in one round, not ten.
 */
import { KairosError } from '../errors.js';

/**
 * Stable issue codes, upper case like the KairosError catalogue, each with what it means (the
 * table of docs/spec.md "Issue codes" is generated from this object).
 */
export const ISSUE_CODES = {
  SYNTAX: 'The document is not valid YAML.',
  JSON_SYNTAX: 'The document starts with `{` or `[` and is not valid JSON.',
  DUPLICATE_KEY: 'A key appears twice in one mapping.',
  DUPLICATE_TASK: 'A task id appears twice under `tasks`.',
  UNKNOWN_FIELD: 'A field the schema does not define (often a typo: the message suggests the closest field).',
  MISSING_FIELD: 'A required field is absent (`name`, `tasks`, `http.url`, ...).',
  TYPE: 'A value of the wrong type, or not one of the allowed values.',
  INVALID_NAME: 'A workflow name, namespace, task id, param or env name not in its allowed form.',
  DURATION: 'A value that is not a duration (`500ms`, `2.5s`, `90m`, `1h30m`, `1d`).',
  SIZE: 'A value that is not a size (`512Mi`, `2Gi`, `1G`, `100M`, bytes).',
  CPU: 'A value that is not a cpu amount (`2`, `0.5`, `500m`).',
  TIMESTAMP: 'A deadline that looks like a date but is not an ISO 8601 timestamp with a zone.',
  ACTION: 'A task (or compensation) without exactly one of `run`, `http`, `fn`.',
  UNKNOWN_DEPENDENCY: 'A `needs` entry or an expression naming a task that does not exist.',
  CYCLE: 'The `needs` graph has a cycle (listed in order), or a task needs itself.',
  EXPRESSION: 'An expression or `${{ }}` template that does not parse, or uses a forbidden name.',
  NOT_UPSTREAM: 'An expression reads a task that is not upstream (not needed directly or indirectly).',
  UNDECLARED_PARAM: 'An expression reads `params.x` but `x` is not declared under `params`.',
  UNKNOWN_NAME: 'An expression reads a name outside its context (`item` outside a foreach, a typo of `params`).',
  PARAM_MISSING: 'At submit: a required param was not given.',
  PARAM_UNKNOWN: 'At submit: a given param is not declared by the workflow.',
  LIMIT: 'A limit was crossed (document size, task count, expression length, aliases, nesting).',
} as const;

export type SpecIssueCode = keyof typeof ISSUE_CODES;

export interface SpecIssue {
  readonly code: SpecIssueCode;
  /** Field path: `tasks.load.needs[0]`, `params.date`, `tasks["a b"]`; `` for the document. */
  readonly path: string;
  /** 1-based line and column of the offending node, when the spec came from text. */
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** Reporting stops after this many issues: a broken 100,000-task spec must not yield 100,000 messages. */
export const MAX_ISSUES = 100;

export type PathSegment = string | number;

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['tasks', 'load', 'needs', 0]` -> `tasks.load.needs[0]`; odd keys quoted: `tasks["a b"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** One line per issue: `etl.yaml:12:5: tasks.load.needs[0]: unknown task ...`. */
export function formatIssue(issue: SpecIssue, filename?: string): string {
  const where = [filename, issue.line, issue.line !== undefined ? issue.column : undefined].filter((x) => x !== undefined).join(':');
  const path = issue.path === '' ? '' : `${issue.path}: `;
  return `${where === '' ? '' : `${where}: `}${path}${issue.message}`;
}

/** The error thrown by APIs that cannot return issues as values (the SDK's `build()`). */
export function specInvalidError(issues: readonly SpecIssue[], filename?: string): KairosError {
  const lines = issues.map((i) => `  - ${formatIssue(i, filename)}`);
  const what = filename ?? 'workflow spec';
  return new KairosError('SPEC_INVALID', `${what} is invalid (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
    field: issues[0]?.path,
  });
}

/** Collects issues, dropping exact duplicates and stopping at MAX_ISSUES. */
export class IssueList {
  readonly #issues: SpecIssue[] = [];
  readonly #seen = new Set<string>();
  #dropped = 0;

  add(issue: SpecIssue): void {
    const key = `${issue.code}\u0000${issue.path}\u0000${issue.message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    if (this.#issues.length >= MAX_ISSUES) this.#dropped++;
    else this.#issues.push(issue);
  }

  get size(): number {
    return this.#issues.length + this.#dropped;
  }

  /** True once the list is full: callers may skip expensive checks (suggestions) after that. */
  get full(): boolean {
    return this.#issues.length >= MAX_ISSUES;
  }

  /** Issues ordered by line (unknown lines last), with a final note when some were dropped. */
  toArray(): SpecIssue[] {
    const sorted = this.#issues
      .map((issue, i) => ({ issue, i }))
      .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.i - b.i)
      .map((x) => x.issue);
    if (this.#dropped > 0) {
      sorted.push({ code: 'LIMIT', path: '', message: `${this.#dropped} more issue(s) not shown (reporting stops at ${MAX_ISSUES})` });
    }
    return sorted;
  }
}
