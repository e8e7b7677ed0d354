/** docs/spec.md is generated from the schema; it must be up to date and cover every field and code. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEtlExample, renderSpecDocs } from '../../scripts/gen-spec-docs.js';
import { DOC_SECTIONS } from '../../src/core/spec/schema.js';
import { ISSUE_CODES } from '../../src/core/spec/issues.js';

const committed = readFileSync(join(import.meta.dirname, '../../docs/spec.md'), 'utf8');

test('docs/spec.md matches the generator (run `npm run docs:spec`)', () => {
  assert.equal(committed, renderSpecDocs(readEtlExample()));
});

test('every schema field and issue code is documented', () => {
  for (const s of DOC_SECTIONS) {
    const props = (s as { properties?: Record<string, unknown> }).properties ?? {};
    for (const name of Object.keys(props)) assert.ok(committed.includes(`| \`${name}\` |`), `${String(s.title)}.${name}`);
  }
  for (const code of Object.keys(ISSUE_CODES)) assert.ok(committed.includes(`| \`${code}\` |`), code);
});
