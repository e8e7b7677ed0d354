import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { bindShellTemplate } from '../../src/core/shell-template.js';
import { evaluateSource } from '../../src/core/expr.js';

/** Binds `cmd` with `params.x = value` and runs it in real bash; returns stdout and the folder. */
function runBash(cmd: string, value: unknown): { stdout: string; dir: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-shell-'));
  const b = bindShellTemplate(cmd, (src) => {
    const r = evaluateSource(src, { params: { x: value } });
    if (!r.ok) throw new Error(r.error);
    return r.value;
  });
  const r = spawnSync('bash', ['-c', b.command], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, ...b.env }, encoding: 'utf8' });
  return { stdout: r.stdout, dir, status: r.status };
}

// `printf '<%s>\n' ARGS` prints one bracketed line per argument: exactly one line = one argument.
const CONTEXTS: [string, string, (v: string) => string][] = [
  ['unquoted', `printf '<%s>\\n' \${{ params.x }}`, (v) => `<${v}>\n`],
  ['double quotes', `printf '<%s>\\n' "v=\${{ params.x }}"`, (v) => `<v=${v}>\n`],
  ['single quotes', `printf '<%s>\\n' 'v=\${{ params.x }}'`, (v) => `<v=${v}>\n`],
  ['ansi-c quotes', `printf '<%s>\\n' $'v=\${{ params.x }}'`, (v) => `<v=${v}>\n`],
  ['inside $( ) in double quotes', `printf '<%s>\\n' "$(printf '%s' \${{ params.x }})"`, (v) => `<${v}>\n`],
  ['backticks', 'printf \'<%s>\\n\' "`printf \'%s\' ${{ params.x }}`"', (v) => `<${v}>\n`],
];

const HOSTILE = ['x; rm -rf ~', '$(touch pwned)', `"quoted' stuff`, '`touch pwned`', "a'b\"c\\d", '* ?', '${HOME}', '  spaced  out  ', "'; touch pwned; '", '"; touch pwned; "', 'line1\nline2'];

test('hostile values arrive as exactly one literal argument in every quoting context', () => {
  for (const [name, cmd, expected] of CONTEXTS) {
    for (const v of HOSTILE) {
      const r = runBash(cmd, v);
      try {
        assert.equal(r.status, 0, `${name} / ${JSON.stringify(v)}`);
        assert.equal(r.stdout, expected(v), `${name} / ${JSON.stringify(v)}`);
        assert.equal(existsSync(join(r.dir, 'pwned')), false, `${name}: ${JSON.stringify(v)} ran code`);
      } finally {
        rmSync(r.dir, { recursive: true, force: true });
      }
    }
  }
});

test('references are quoted for their position', () => {
  const b = bindShellTemplate(`echo \${{ a }} "\${{ b }}" '\${{ c }}'`, (s) => s);
  assert.equal(b.command, `echo "\${KAIROS_IN_0}" "\${KAIROS_IN_1}" ''"\${KAIROS_IN_2}"''`);
  assert.deepEqual(b.env, { KAIROS_IN_0: 'a', KAIROS_IN_1: 'b', KAIROS_IN_2: 'c' });
});

test('values render like templates: lists as JSON, null as empty; NUL bytes dropped', () => {
  const b = bindShellTemplate('echo ${{ l }} ${{ n }} ${{ z }}', (s) => (s === 'l' ? ['a', 1] : s === 'n' ? null : 'a\0b'));
  assert.deepEqual(b.env, { KAIROS_IN_0: '["a",1]', KAIROS_IN_1: '', KAIROS_IN_2: 'ab' });
});

test('errors of the evaluator pass through; unscannable commands stay unchanged', () => {
  class Boom extends Error {}
  assert.throws(() => bindShellTemplate('echo ${{ x }}', () => { throw new Boom('no'); }), Boom);
  assert.deepEqual(bindShellTemplate('echo ${{ x', () => 1), { command: 'echo ${{ x', env: {} });
  assert.deepEqual(bindShellTemplate('echo plain', () => 1), { command: 'echo plain', env: {} });
});

test('a backslash before a template cannot break its quoting', () => {
  const r = runBash(`printf '<%s>\\n' \\\${{ params.x }}`, 'a b; touch pwned');
  try {
    assert.equal(r.stdout, '<a b; touch pwned>\n');
    assert.equal(existsSync(join(r.dir, 'pwned')), false);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('property: any string is one literal argument (unquoted and single-quoted)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }).filter((s) => !s.includes('\0')), (v) => {
      for (const [, cmd, expected] of [CONTEXTS[0]!, CONTEXTS[2]!]) {
        const r = runBash(cmd, v);
        rmSync(r.dir, { recursive: true, force: true });
        if (r.stdout !== expected(v)) return false;
      }
      return true;
    }),
    { numRuns: 60 },
  );
});
