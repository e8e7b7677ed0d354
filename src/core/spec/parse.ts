/**
 * Text (YAML or JSON) -> WorkflowSpec. JSON is YAML, so there is one parser (`yaml`, with a
 * LineCounter so every issue carries a line); a document that looks like JSON (starts with `{`
 * or `[`) and fails is re-read by JSON.parse, whose message ("Expected ',' or '}'") is what a
 * JSON author expects. Every failure is an issue value: size limit, syntax, duplicate keys,
 * alias bombs, nesting so deep that a parser overflows its stack.
 */
import { LineCounter, isScalar, parseDocument, visit, type Document, type Node } from 'yaml';
import type { WorkflowSpec } from '../model.js';
import { IssueList, formatPath, type SpecIssue, type SpecIssueCode } from './issues.js';
import { makeLocator, pathAtOffset } from './locate.js';
import { compileWorkflowDocument } from './compile.js';
import { resolveLimits, utf8Length, type SpecLimits } from './limits.js';

export interface ParseOptions {
  /** Shown in messages only (the CLI prefixes issues with it). */
  readonly filename?: string;
  readonly limits?: Partial<SpecLimits>;
}

export type ParseResult = { readonly ok: true; readonly spec: WorkflowSpec } | { readonly ok: false; readonly errors: SpecIssue[] };

export function parseWorkflow(text: string, opts: ParseOptions = {}): ParseResult {
  const limits = resolveLimits(opts.limits);
  if (typeof text !== 'string') return fail('SYNTAX', 'a workflow spec must be text');
  // text.length <= UTF-8 bytes, so a long string is rejected before any work on it.
  if (text.length > limits.maxDocumentBytes || utf8Length(text) > limits.maxDocumentBytes) {
    return fail('LIMIT', `document is ${utf8Length(text)} bytes, over the limit of ${limits.maxDocumentBytes} bytes`);
  }
  try {
    return parseText(text, limits);
  } catch (e) {
    // The YAML composer and the schema walk recurse; `[[[[...` a million deep overflows them.
    if (e instanceof RangeError) return fail('LIMIT', 'document is nested too deeply');
    throw e;
  }
}

function parseText(text: string, limits: SpecLimits): ParseResult {
  const lc = new LineCounter();
  // Duplicate keys are found by duplicateKeyOffsets (one pass with a Set per mapping): the yaml
  // library's own uniqueKeys check compares every key with all before it, 5 s for 20,000 tasks.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false, version: '1.2' });
  const issues = new IssueList();
  const at = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const syntax = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
  if (syntax.length > 0) {
    const json = looksLikeJson(text) ? jsonError(text, at) : null;
    if (json !== null) return { ok: false, errors: [json] };
    for (const e of syntax) issues.add({ code: 'SYNTAX', path: '', ...at(e.pos[0]), message: firstLine(e.message) });
    return { ok: false, errors: issues.toArray() };
  }
  for (const offset of duplicateKeyOffsets(doc)) reportDuplicate(doc, offset, at, issues);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliases });
  } catch (e) {
    // yaml throws ReferenceError for alias bombs and unresolved aliases: input errors, not bugs.
    if (e instanceof ReferenceError) return fail('LIMIT', `${e.message} (at most ${limits.maxAliases} alias expansions)`);
    throw e;
  }
  return compileWorkflowDocument(value, { limits, locate: makeLocator(doc, lc), issues });
}

/** Source offsets of every mapping key that repeats an earlier key of the same mapping. */
function duplicateKeyOffsets(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) offsets.push((pair.key as Node).range?.[0] ?? 0);
        else seen.add(key);
      }
    },
  });
  return offsets;
}

/** A repeated key: under `tasks` it is a task defined twice, the classic copy-paste mistake. */
function reportDuplicate(doc: Document, offset: number, at: (o: number) => { line: number; column: number }, issues: IssueList): void {
  const path = pathAtOffset(doc, offset) ?? [];
  const key = String(path[path.length - 1] ?? '?');
  const isTask = path.length === 2 && path[0] === 'tasks';
  const first = doc.getIn(path.slice(0, -1), true) as { items?: { key?: { value?: unknown; range?: number[] } }[] } | undefined;
  const firstKey = first?.items?.find((p) => String(p.key?.value) === key)?.key?.range?.[0];
  const firstLine = firstKey === undefined ? '' : ` (first defined on line ${at(firstKey).line})`;
  issues.add({
    code: isTask ? 'DUPLICATE_TASK' : 'DUPLICATE_KEY',
    path: formatPath(path),
    ...at(offset),
    message: isTask ? `task \`${key}\` is defined twice${firstLine}` : `key \`${key}\` appears twice in one mapping${firstLine}`,
  });
}

function looksLikeJson(text: string): boolean {
  const c = text.trimStart()[0];
  return c === '{' || c === '[';
}

/** JSON.parse's own message with a line and column, or null when JSON.parse accepts the text. */
function jsonError(text: string, at: (o: number) => { line: number; column: number }): SpecIssue | null {
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(message);
    const where = pos ? at(Number(pos[1])) : {};
    return { code: 'JSON_SYNTAX', path: '', ...where, message: `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}` };
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function fail(code: SpecIssueCode, message: string): ParseResult {
  return { ok: false, errors: [{ code, path: '', message }] };
}
