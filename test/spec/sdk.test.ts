import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineFunction, expr, FunctionRegistry, template, workflow } from '../../src/sdk/index.js';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import { isKairosError } from '../../src/core/errors.js';
import type { WorkflowSpec } from '../../src/core/model.js';

/** Drops source lines, which only YAML has. */
function withoutLines(s: WorkflowSpec): unknown {
  return { ...s, tasks: s.tasks.map(({ line: _line, ...t }) => t) };
}

test('the SDK and YAML compile to the same WorkflowSpec', () => {
  const wf = workflow({ name: 'ml-train', priority: 'high', deadline: '2h', params: { epochs: 10 }, defaults: { timeout: '10m' } });
  const prep = wf.task<{ files: string[] }>('prep', { run: 'python prep.py', estimate: '30s' });
  const train = wf.task('train', {
    needs: [prep],
    foreach: prep.outputs('files'),
    run: `python train.py ${template(expr.item)} --epochs ${template(wf.param('epochs'))}`,
    resources: { cpu: 2, memory: '1Gi' },
    retries: 3,
  });
  wf.task('report', { needs: train, when: `${train.state} == "succeeded"`, fn: 'report', args: { to: 'ml' } });
  const fromCode = wf.build();

  const fromYaml = parseWorkflow(`
name: ml-train
priority: high
deadline: 2h
params: {epochs: 10}
defaults: {timeout: 10m}
tasks:
  prep: {run: python prep.py, estimate: 30s}
  train:
    needs: [prep]
    foreach: tasks.prep.outputs.files
    run: python train.py \${{ item }} --epochs \${{ params.epochs }}
    resources: {cpu: 2, memory: 1Gi}
    retries: 3
  report: {needs: train, when: 'tasks.train.state == "succeeded"', fn: report, args: {to: ml}}
`);
  assert.ok(fromYaml.ok);
  if (fromYaml.ok) assert.deepEqual(withoutLines(fromCode), withoutLines(fromYaml.spec));
});

test('build() throws SPEC_INVALID listing every issue; validate() returns them', () => {
  const wf = workflow({ name: 'bad' });
  wf.task('a', { run: 'x', needs: ['nope'] });
  wf.task('b', { run: 'y', timeout: 'soon' });
  wf.task('b', { run: 'z' });
  const v = wf.validate();
  assert.equal(v.ok, false);
  if (!v.ok) assert.deepEqual(v.errors.map((e) => e.code).sort(), ['DUPLICATE_TASK', 'UNKNOWN_DEPENDENCY']);
  assert.throws(
    () => wf.build(),
    (e: unknown) => isKairosError(e) && e.code === 'SPEC_INVALID' && /unknown task `nope`/.test(e.message) && /defined twice/.test(e.message),
  );
});

test('typed outputs and ids that need brackets produce valid expressions', () => {
  const wf = workflow({ name: 'x' });
  const a = wf.task<{ 'row-count': number }>('fetch-data', { run: 'echo' });
  assert.equal(a.outputs('row-count'), 'tasks["fetch-data"].outputs["row-count"]');
  wf.task('b', { needs: [a], when: `${a.outputs('row-count')} > 0`, run: 'echo' });
  assert.ok(wf.validate().ok);
});

test('defineFunction and FunctionRegistry', async () => {
  const hello = defineFunction('hello', (ctx) => ({ hi: ctx.args }));
  const wf = workflow({ name: 'fns' });
  wf.task('greet', { fn: hello, args: 'you' });
  const spec = wf.build();
  assert.deepEqual(spec.tasks[0]!.action, { kind: 'fn', fn: 'hello', args: 'you' });
  const reg = wf.registry();
  assert.equal(reg.get('hello'), hello.handler);
  assert.equal(reg.size, 1);
  assert.deepEqual([...reg.keys()], ['hello']);
  // Registering the same handler twice is harmless; another handler under the name is refused.
  reg.add(hello);
  assert.throws(() => reg.register('hello', () => 1), /already registered/);
  assert.throws(() => defineFunction('bad name', () => 1), /must match/);
  const r2 = new FunctionRegistry([defineFunction('a', () => 1)]).register('b', () => 2);
  const seen: string[] = [];
  r2.forEach((_h, k) => seen.push(k));
  assert.deepEqual(seen, ['a', 'b']);
  // A registry is a ReadonlyMap, what the engine's fn executor takes.
  const asMap: ReadonlyMap<string, unknown> = r2;
  assert.equal(asMap.has('b'), true);
});
