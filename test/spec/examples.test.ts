/** Every example parses and compiles; the README quick start runs them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import type { WorkflowSpec } from '../../src/core/model.js';

const dir = join(import.meta.dirname, '../../examples');

function load(file: string): WorkflowSpec {
  const r = parseWorkflow(readFileSync(join(dir, file), 'utf8'), { filename: file });
  if (!r.ok) assert.fail(`${file}:\n${r.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`).join('\n')}`);
  return r.spec;
}

test('every YAML example compiles', () => {
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.length >= 3);
  for (const f of files) {
    const s = load(f);
    // Shell only, so they run from the CLI without registered functions.
    for (const t of s.tasks) assert.equal(t.action.kind, 'shell', `${f}: ${t.id}`);
  }
});

test('etl.yaml: foreach over an upstream output, a when, compensation, a fail switch', () => {
  const s = load('etl.yaml');
  const byId = new Map(s.tasks.map((t) => [t.id, t]));
  assert.equal(byId.get('transform')!.foreach, 'tasks.extract.outputs.files');
  assert.ok(byId.get('load')!.when !== undefined);
  assert.ok(byId.get('extract')!.compensate !== undefined);
  assert.ok(s.params.some((p) => p.name === 'fail_load' && p.default === false));
  assert.deepEqual(byId.get('load')!.secretEnv, ['WAREHOUSE_TOKEN']);
});

test('ci.yaml: parallel lint/test/build after checkout, conditional deploy', () => {
  const s = load('ci.yaml');
  const byId = new Map(s.tasks.map((t) => [t.id, t]));
  for (const id of ['lint', 'test', 'build']) assert.deepEqual(byId.get(id)!.needs, ['checkout']);
  assert.match(byId.get('deploy')!.when!, /params.branch == "main"/);
});

test('ml-train.yaml: deadline, resources, retries', () => {
  const s = load('ml-train.yaml');
  assert.deepEqual(s.deadline, { kind: 'relative', ms: 30 * 60_000 });
  const train = s.tasks.find((t) => t.id === 'train')!;
  assert.deepEqual(train.resources, { cpu: 2, memory: 512 * 1024 ** 2 });
  assert.equal(train.retries.max, 2);
  assert.equal(train.foreach, 'params.learning_rates');
});

test('sdk-workflow.ts builds', async () => {
  const m = (await import('../../examples/sdk-workflow.js')) as { default: WorkflowSpec; functions: ReadonlyMap<string, unknown> };
  assert.equal(m.default.name, 'etl-sdk');
  assert.deepEqual(m.default.tasks.map((t) => t.id), ['extract', 'transform', 'summary']);
  assert.ok(m.functions.has('summarize'));
});
