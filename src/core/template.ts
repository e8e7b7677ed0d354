/**
 * `${{ expr }}` templates in strings (commands, URLs, headers, bodies, env values). The scanner
 * finds the closing `}}` outside string literals, so `${{ "}}" }}` works; an unterminated `${{`
 * is an error (reported at validate time with the field's path), never silently left as text.
 */
import { compileExpression, evaluate, type ExprResult } from './expr.js';

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  /** `start`/`end` are offsets of the whole `${{ ... }}` in the source string. */
  | { readonly kind: 'expr'; readonly src: string; readonly start: number; readonly end: number };

const OPEN = '${{';

export function hasTemplate(s: string): boolean {
  return s.includes(OPEN);
}

/** Splits a string into literal text and expressions. */
export function parseTemplate(s: string): ExprResult<readonly TemplatePart[]> {
  const parts: TemplatePart[] = [];
  let pos = 0;
  while (pos < s.length) {
    const open = s.indexOf(OPEN, pos);
    if (open < 0) break;
    if (open > pos) parts.push({ kind: 'text', text: s.slice(pos, open) });
    const close = findClose(s, open + OPEN.length);
    if (close < 0) return { ok: false, error: `unterminated \`\${{\` at character ${open + 1}: close it with \`}}\`` };
    const src = s.slice(open + OPEN.length, close).trim();
    if (src === '') return { ok: false, error: `empty \`\${{ }}\` at character ${open + 1}` };
    parts.push({ kind: 'expr', src, start: open, end: close + 2 });
    pos = close + 2;
  }
  if (pos < s.length) parts.push({ kind: 'text', text: s.slice(pos) });
  return { ok: true, value: parts };
}

/** Index of the `}}` closing an expression that starts at `from`, skipping quoted strings; -1 if none. */
function findClose(s: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote !== null) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '}' && s[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}

/** The expressions a template contains (for validation), or the scanning error. */
export function templateExpressions(s: string): ExprResult<readonly string[]> {
  const p = parseTemplate(s);
  if (!p.ok) return p;
  const out: string[] = [];
  for (const part of p.value) if (part.kind === 'expr') out.push(part.src);
  return { ok: true, value: out };
}

/**
 * How a value becomes text: strings as they are, null as empty, numbers and booleans as
 * JavaScript prints them, lists and objects as JSON (so a list can be handed to `jq`).
 */
export function renderValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return String(v);
  }
}

/** Replaces every `${{ expr }}` by its rendered value. Not for shell commands: see shell-template.ts. */
export function renderTemplate(s: string, ctx: Readonly<Record<string, unknown>>): ExprResult<string> {
  if (!hasTemplate(s)) return { ok: true, value: s };
  const p = parseTemplate(s);
  if (!p.ok) return p;
  let out = '';
  for (const part of p.value) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const c = compileExpression(part.src);
    if (!c.ok) return c;
    const v = evaluate(c.expr, ctx);
    if (!v.ok) return v;
    out += renderValue(v.value);
  }
  return { ok: true, value: out };
}
