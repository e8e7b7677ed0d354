/**
 * Binds `${{ expr }}` templates in a shell command so that values reach the shell as DATA, never
 * as code (DESIGN.md "Input is hostile"). Each template is replaced by a reference to an
 * environment variable `KAIROS_IN_<n>` holding the rendered value; bash expands a variable once
 * and never re-parses the result, so `x; rm -rf ~` or `$(touch pwned)` stay literal text.
 *
 * The reference is quoted for where it appears, tracked by a small bash lexer:
 *   unquoted            ->  "${KAIROS_IN_0}"        (no word splitting, no globbing)
 *   inside "..."        ->  ${KAIROS_IN_0}
 *   inside '...'        ->  '"${KAIROS_IN_0}"'      (close, expand quoted, reopen)
 *   inside $'...'       ->  '"${KAIROS_IN_0}"$'
 * `$( )`, backticks, `( )` and `${ }` open nested unquoted contexts, inside quotes or not.
 * Heredoc bodies are not tracked; a reference there still expands as data (never as code).
 */
import { parseTemplate, renderValue } from './template.js';

export interface ShellBinding {
  /** The command with every template replaced by a quoted variable reference. */
  readonly command: string;
  /** `KAIROS_IN_<n>` -> rendered value, to add to the process environment. */
  readonly env: Record<string, string>;
}

type Ctx = 'word' | 'dq' | 'sq' | 'ansi' | 'sub' | 'paren' | 'bt' | 'brace';

export const SHELL_INPUT_PREFIX = 'KAIROS_IN_';

/**
 * `evalFn` evaluates one expression source; it may throw (the caller's own error type passes
 * through untouched). A command whose templates do not scan (unterminated `${{`) is returned
 * unchanged: the validator rejects those at parse time, and `${{` left in bash is a "bad
 * substitution" error, which fails the task safely.
 */
export function bindShellTemplate(cmd: string, evalFn: (expr: string) => unknown): ShellBinding {
  const parsed = parseTemplate(cmd);
  if (!parsed.ok) return { command: cmd, env: {} };
  const lexer = new ShellLexer();
  const env: Record<string, string> = {};
  let command = '';
  let n = 0;
  for (const part of parsed.value) {
    if (part.kind === 'text') {
      lexer.feed(part.text);
      command += part.text;
      continue;
    }
    // A backslash right before a template would escape the first character of the reference
    // and break its quoting; escaping data is meaningless (it is never code), so drop it.
    if (lexer.pendingEscape) {
      command = command.slice(0, -1);
      lexer.pendingEscape = false;
    }
    const name = `${SHELL_INPUT_PREFIX}${n++}`;
    // Bash variables cannot hold NUL bytes (bash itself would drop them); strip them here so the
    // process spawn does not fail on an invalid environment.
    env[name] = renderValue(evalFn(part.src)).replace(/\0/g, '');
    command += reference(name, lexer.context);
  }
  return { command, env };
}

function reference(name: string, ctx: Ctx): string {
  switch (ctx) {
    case 'dq':
      return `\${${name}}`;
    case 'sq':
      return `'"\${${name}}"'`;
    case 'ansi':
      return `'"\${${name}}"$'`;
    default:
      return `"\${${name}}"`;
  }
}

/** Tracks the quoting context of a bash command fed in pieces. */
class ShellLexer {
  #stack: Ctx[] = ['word'];
  pendingEscape = false;

  get context(): Ctx {
    return this.#stack[this.#stack.length - 1]!;
  }

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      const next = text[i + 1];
      if (this.pendingEscape) {
        this.pendingEscape = false;
        continue;
      }
      const top = this.context;
      if (top === 'sq') {
        if (c === "'") this.#stack.pop();
        continue;
      }
      if (top === 'ansi') {
        if (c === '\\') this.pendingEscape = true;
        else if (c === "'") this.#stack.pop();
        continue;
      }
      if (c === '\\') {
        this.pendingEscape = true;
        continue;
      }
      if (c === '$' && next === '(') {
        this.#stack.push('sub');
        i++;
        continue;
      }
      if (c === '$' && next === '{') {
        this.#stack.push('brace');
        i++;
        continue;
      }
      if (c === '`') {
        if (top === 'bt') this.#stack.pop();
        else this.#stack.push('bt');
        continue;
      }
      if (top === 'dq') {
        if (c === '"') this.#stack.pop();
        continue;
      }
      // An unquoted context: word, sub, paren, bt or brace.
      if (c === "'") this.#stack.push('sq');
      else if (c === '"') this.#stack.push('dq');
      else if (c === '$' && next === "'") {
        this.#stack.push('ansi');
        i++;
      } else if (c === '(') this.#stack.push('paren');
      else if (c === ')' && (top === 'sub' || top === 'paren')) this.#stack.pop();
      else if (c === '}' && top === 'brace') this.#stack.pop();
    }
  }
}
