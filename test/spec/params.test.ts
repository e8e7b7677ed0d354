import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { coerceString, resolveParams } from '../../src/core/spec/params.js';
import { parseWorkflow } from '../../src/core/spec/parse.js';

function specOf(params: string) {
  const r = parseWorkflow(`name: p\nparams:\n${params}\ntasks:\n  a: {run: x}\n`);
  if (!r.ok) throw new Error(r.errors[0]!.message);
  return r.spec;
}

const spec = specOf('  date: "2024-01-01"\n  region: {default: eu}\n  files: {required: true, description: input files}\n  opt: {required: false}');

test('defaults apply, given values win', () => {
  const r = resolveParams(spec, { files: '["a","b"]', region: 'us' });
  assert.deepEqual(r, { ok: true, values: { files: ['a', 'b'], region: 'us', date: '2024-01-01', opt: null } });
});

test('missing required and unknown params are reported, with suggestions', () => {
  const r = resolveParams(spec, { regoin: 'us', zzz: 1 });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [
    ['PARAM_MISSING', 'params.files'],
    ['PARAM_UNKNOWN', 'params.regoin'],
    ['PARAM_UNKNOWN', 'params.zzz'],
  ]);
  assert.match(r.errors[0]!.message, /input files/);
  assert.match(r.errors[1]!.message, /did you mean `region`/);
  assert.match(r.errors[2]!.message, /declared: date, region, files, opt/);
});

test('CLI strings: JSON-looking values are parsed, the rest stays text', () => {
  const cases: [string, unknown][] = [
    ['[1,2]', [1, 2]],
    ['{"a":1}', { a: 1 }],
    ['42', 42],
    ['-1.5', -1.5],
    ['true', true],
    ['false', false],
    ['null', null],
    ['007', '007'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
    ['[not json', '[not json'],
    ['{broken}', '{broken}'],
    ['x; rm -rf ~', 'x; rm -rf ~'],
    ['2024-01-01', '2024-01-01'],
    ['', ''],
  ];
  for (const [s, v] of cases) assert.deepEqual(coerceString(s), v, s);
  // Non-string values (API callers) pass through untouched.
  const r = resolveParams(spec, { files: ['x'], date: 20240101 });
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.values.date, 20240101);
});

test('a param named __proto__ is a plain key', () => {
  const s = specOf('  __proto__: 1');
  const r = resolveParams(s, { ['__proto__']: '2' } as Record<string, unknown>);
  assert.ok(r.ok);
});

test('property: never throws on junk given values', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.jsonValue())), (given) => {
      const r = resolveParams(spec, given);
      return r.ok || r.errors.length > 0;
    }),
  );
});
