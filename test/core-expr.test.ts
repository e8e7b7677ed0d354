import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileExpression, evaluate, evaluateSource, expressionRefs, truthy } from '../src/core/expr.js';
import { parseTemplate, renderTemplate, renderValue, templateExpressions } from '../src/core/template.js';

const ctx = {
  params: { region: 'eu', n: 3, list: ['a', 'b'] },
  tasks: { extract: { state: 'succeeded', outputs: { count: 2, files: ['x.csv', 'y.csv'] } }, 'a-b': { state: 'failed', outputs: {} } },
  item: 'x.csv',
  index: 0,
  run: { id: 'r1', name: 'etl', namespace: 'default' },
};

function value(src: string): unknown {
  const r = evaluateSource(src, ctx);
  assert.ok(r.ok, `${src}: ${r.ok ? '' : r.error}`);
  return r.value;
}

test('evaluates the expression context', () => {
  assert.equal(value('tasks.extract.outputs.count > 0 && params.region == "eu"'), true);
  assert.deepEqual(value('tasks.extract.outputs.files'), ['x.csv', 'y.csv']);
  assert.equal(value('tasks["a-b"].state'), 'failed');
  assert.equal(value('params.n * 2 + 1'), 7);
  assert.equal(value('item + "#" + index'), 'x.csv#0');
  assert.equal(value('run.name'), 'etl');
  assert.equal(value('tasks.extract.outputs.missing'), null);
  assert.equal(value('params.n > 2 ? "big" : "small"'), 'big');
});

test('transforms', () => {
  assert.equal(value('tasks.extract.outputs.files|length'), 2);
  assert.equal(value('params.list|join("-")'), 'a-b');
  assert.equal(value('params.region|upper'), 'EU');
  assert.equal(value('params.nothing|default("x")'), 'x');
  assert.equal(value('params.list|contains("b")'), true);
  assert.equal(value('"42"|number + 1'), 43);
  assert.equal(value('params.list|json'), '["a","b"]');
  assert.equal(value('tasks.extract.outputs.missing|length'), null);
});

test('syntax errors and evaluation errors are values', () => {
  for (const src of ['a +', '', '   ', '(((', 'a ==== b', '"unterminated']) {
    const c = compileExpression(src);
    assert.equal(c.ok, false, src);
  }
  const unknownTransform = compileExpression('params.region|nope');
  assert.ok(unknownTransform.ok);
  const r = evaluate(unknownTransform.expr, ctx);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /nope/);
  const filterOnMissing = evaluateSource('missing["x"]', {});
  assert.equal(filterOnMissing.ok, false);
});

test('refuses names that reach object internals', () => {
  for (const src of ['params.__proto__', 'params["constructor"]', 'x.prototype', '{__proto__: 1}']) {
    const c = compileExpression(src);
    assert.equal(c.ok, false, src);
  }
});

test('length limit', () => {
  const long = `${'1 + '.repeat(2000)}1`;
  const r = compileExpression(long, 4096);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /limit of 4096/);
  assert.ok(compileExpression(long, 10_000).ok);
});

test('truthiness: empty lists and objects are false', () => {
  for (const v of [false, null, undefined, 0, '', [], {}, NaN]) assert.equal(truthy(v), false, JSON.stringify(v));
  for (const v of [true, 1, 'x', [0], { a: 1 }, 'false']) assert.equal(truthy(v), true, JSON.stringify(v));
});

test('references: tasks, params and roots', () => {
  const refsOf = (src: string) => {
    const c = compileExpression(src);
    assert.ok(c.ok, src);
    return expressionRefs(c.expr);
  };
  const r = refsOf('tasks.extract.outputs.count > 0 && tasks["a-b"].state == "ok" && params.region == "eu" && item');
  assert.deepEqual([...r.tasks].sort(), ['a-b', 'extract']);
  assert.deepEqual([...r.params], ['region']);
  assert.deepEqual([...r.roots].sort(), ['item', 'params', 'tasks']);
  assert.equal(r.dynamicTasks, false);
  const d = refsOf('tasks[params.which].state');
  assert.equal(d.dynamicTasks, true);
  assert.deepEqual([...d.params], ['which']);
  // A relative identifier inside a filter is not a root of the context.
  const f = refsOf('tasks.extract.outputs.rows[.size > 10]');
  assert.deepEqual([...f.roots], ['tasks']);
});

test('templates: scanning, rendering, errors', () => {
  assert.deepEqual(templateExpressions('a ${{ params.x }} b ${{"}}"}} c'), { ok: true, value: ['params.x', '"}}"'] });
  const p = parseTemplate('x ${{ a');
  assert.equal(p.ok, false);
  assert.equal(parseTemplate('x ${{ }}').ok, false);
  assert.deepEqual(renderTemplate('https://x/${{ params.region }}/${{ params.n }}', ctx), { ok: true, value: 'https://x/eu/3' });
  assert.deepEqual(renderTemplate('files=${{ tasks.extract.outputs.files }}', ctx), { ok: true, value: 'files=["x.csv","y.csv"]' });
  assert.deepEqual(renderTemplate('none=${{ params.nothing }}', ctx), { ok: true, value: 'none=' });
  assert.deepEqual(renderTemplate('no templates', ctx), { ok: true, value: 'no templates' });
  const bad = renderTemplate('${{ a + }}', ctx);
  assert.equal(bad.ok, false);
  assert.equal(renderValue({ a: 1 }), '{"a":1}');
  assert.equal(renderValue(true), 'true');
});

test('property: the compiler and the evaluator never throw on junk', () => {
  const junkCtx = fc.dictionary(fc.string(), fc.jsonValue());
  const exprChars = fc.constantFrom(...'abc.[]{}()"\'|?:!=<>&+-*/%, 0123\\$#_'.split(''));
  const exprLike = fc.array(exprChars, { maxLength: 60 }).map((cs) => cs.join(''));
  fc.assert(
    fc.property(fc.oneof(fc.string(), exprLike, fc.fullUnicodeString()), junkCtx, (src, c) => {
      const compiled = compileExpression(src);
      if (!compiled.ok) return typeof compiled.error === 'string';
      const r = evaluate(compiled.expr, { ...c, params: c, tasks: { t: { outputs: c } } });
      expressionRefs(compiled.expr);
      return r.ok ? true : typeof r.error === 'string';
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string(), (s) => {
      const r = renderTemplate(s, {});
      return typeof r.ok === 'boolean';
    }),
  );
});

test('deep nesting is an error value, not a crash', () => {
  const deep = `${'('.repeat(1500)}1${')'.repeat(1500)}`;
  const c = compileExpression(deep, 10_000);
  if (c.ok) assert.equal(typeof evaluate(c.expr, {}).ok, 'boolean');
  else assert.equal(typeof c.error, 'string');
  const deepList = `${'['.repeat(3000)}${']'.repeat(3000)}`;
  const d = compileExpression(deepList, 10_000);
  if (d.ok) assert.equal(typeof evaluate(d.expr, {}).ok, 'boolean');
});
