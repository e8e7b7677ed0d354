/** Valid documents compile to the expected, fully-resolved WorkflowSpec. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import { compileWorkflowDocument } from '../../src/core/spec/compile.js';
import type { WorkflowSpec } from '../../src/core/model.js';
import { DEFAULT_RETRY } from '../../src/core/retry.js';

function ok(text: string): WorkflowSpec {
  const r = parseWorkflow(text);
  if (!r.ok) assert.fail(r.errors.map((e) => `${e.code} ${e.path}:${e.line}: ${e.message}`).join('\n'));
  return r.spec;
}

const FULL = `
name: etl-daily
namespace: analytics
description: nightly
priority: high
deadline: 90m
labels: {team: data}
params:
  date: 2024-01-01
  region: {default: eu, description: "where"}
  files: {required: true}
  empty:
defaults:
  retries: {max: 2, backoff: fixed, initial: 2s, max_delay: 1m, jitter: 0.25}
  timeout: 10m
  resources: {cpu: 1, memory: 256Mi}
  env: {MODE: slow, SHARED: x}
tasks:
  extract:
    run: ./extract.sh --date \${{ params.date }}
    outputs: stdout
    estimate: 30s
  transform:
    needs: [extract]
    foreach: tasks.extract.outputs.files
    run: ./transform.sh \${{ item }}
    retries: 5
  load:
    needs: [transform]
    when: tasks.extract.outputs.count > 0 && params.region == "eu"
    http: {method: POST, url: "https://x/\${{ params.region }}", headers: {X-Run: "\${{ run.id }}"}, body: {a: 1}, expect: [200, 201]}
    compensate: ./rollback.sh \${{ params.date }}
    env: {TOKEN: {value: abc, secret: true}, MODE: fast}
    cwd: ./work
    priority: 80
    deadline: 30m
    timeout: 1h30m
    resources: {cpu: 2, memory: 1Gi, gpu: 1, licenses: 1}
  notify:
    needs: load
    fn: sendSlack
    args: {channel: "#data"}
    outputs: {stdout: false, file: out.json}
`;

test('a full document compiles to the resolved model', () => {
  const s = ok(FULL);
  assert.equal(s.name, 'etl-daily');
  assert.equal(s.namespace, 'analytics');
  assert.equal(s.description, 'nightly');
  assert.equal(s.priority, 100);
  assert.deepEqual(s.deadline, { kind: 'relative', ms: 90 * 60_000 });
  assert.deepEqual(s.labels, { team: 'data' });
  assert.deepEqual(s.params, [
    { name: 'date', default: '2024-01-01', required: false },
    { name: 'region', default: 'eu', description: 'where', required: false },
    { name: 'files', required: true },
    { name: 'empty', required: true },
  ]);
  assert.deepEqual(s.tasks.map((t) => t.id), ['extract', 'transform', 'load', 'notify']);
  const [extract, transform, load, notify] = s.tasks as [WorkflowSpec['tasks'][0], WorkflowSpec['tasks'][0], WorkflowSpec['tasks'][0], WorkflowSpec['tasks'][0]];

  assert.deepEqual(extract.action, { kind: 'shell', run: './extract.sh --date ${{ params.date }}', shell: 'bash' });
  assert.equal(extract.estimateMs, 30_000);
  assert.deepEqual(extract.retries, { max: 2, backoff: 'fixed', initialMs: 2000, maxMs: 60_000, jitter: 0.25 });
  assert.equal(extract.timeoutMs, 600_000);
  assert.deepEqual(extract.resources, { cpu: 1, memory: 256 * 1024 ** 2 });
  assert.equal(extract.priority, 100);
  assert.deepEqual(extract.outputs, { stdout: true });
  assert.deepEqual(extract.env, { MODE: 'slow', SHARED: 'x' });
  assert.equal(extract.line, 19);

  assert.deepEqual(transform.needs, ['extract']);
  assert.equal(transform.foreach, 'tasks.extract.outputs.files');
  // `retries: 5` keeps the defaults' backoff (field-by-field merge).
  assert.deepEqual(transform.retries, { max: 5, backoff: 'fixed', initialMs: 2000, maxMs: 60_000, jitter: 0.25 });

  assert.equal(load.when, 'tasks.extract.outputs.count > 0 && params.region == "eu"');
  assert.deepEqual(load.action, {
    kind: 'http',
    method: 'POST',
    url: 'https://x/${{ params.region }}',
    headers: { 'X-Run': '${{ run.id }}' },
    body: '{"a":1}',
    expectStatus: [200, 201],
  });
  assert.deepEqual(load.compensate, { kind: 'shell', run: './rollback.sh ${{ params.date }}', shell: 'bash' });
  assert.deepEqual(load.env, { MODE: 'fast', SHARED: 'x', TOKEN: 'abc' });
  assert.deepEqual(load.secretEnv, ['TOKEN']);
  assert.equal(load.cwd, './work');
  assert.equal(load.priority, 80);
  assert.equal(load.deadlineMs, 30 * 60_000);
  assert.equal(load.timeoutMs, 90 * 60_000);
  assert.deepEqual(load.resources, { cpu: 2, memory: 1024 ** 3, gpu: 1, licenses: 1 });

  assert.deepEqual(notify.needs, ['load']);
  assert.deepEqual(notify.action, { kind: 'fn', fn: 'sendSlack', args: { channel: '#data' } });
  assert.deepEqual(notify.outputs, { stdout: false, file: 'out.json' });
});

test('defaults when absent', () => {
  const s = ok('name: tiny\ntasks:\n  a:\n    run: echo hi\n');
  assert.equal(s.namespace, 'default');
  assert.equal(s.priority, 50);
  assert.equal(s.deadline, null);
  assert.deepEqual(s.params, []);
  assert.deepEqual(s.labels, {});
  const t = s.tasks[0]!;
  assert.deepEqual(t.retries, DEFAULT_RETRY);
  assert.equal(t.timeoutMs, null);
  assert.deepEqual(t.resources, { cpu: 1 });
  assert.equal(t.priority, 50);
  assert.deepEqual(t.outputs, { stdout: true });
  assert.equal(t.estimateMs, null);
  assert.equal(t.deadlineMs, null);
  assert.deepEqual(t.needs, []);
  assert.deepEqual(t.env, {});
  assert.deepEqual(t.secretEnv, []);
  assert.equal(t.when, undefined);
  assert.equal(t.cwd, undefined);
});

test('JSON documents compile like YAML', () => {
  const json = JSON.stringify({ name: 'j', priority: 7, deadline: '2024-06-01T06:00:00Z', tasks: { a: { run: 'x' }, b: { needs: ['a'], run: 'y', when: true } } }, null, 2);
  const s = ok(json);
  assert.equal(s.priority, 7);
  assert.deepEqual(s.deadline, { kind: 'absolute', at: Date.UTC(2024, 5, 1, 6) });
  assert.equal(s.tasks[1]!.when, 'true');
});

test('indirect upstream reads are allowed, and compensation may read its own task', () => {
  ok(`name: x
tasks:
  a:
    run: echo '::kairos-output {"n":1}'
  b:
    needs: [a]
    run: echo
  c:
    needs: [b]
    when: tasks.a.outputs.n > 0 && tasks["b"].state == "succeeded"
    run: echo \${{ tasks.a.outputs.n }}
    compensate: echo undo \${{ tasks.c.outputs.id }}
`);
});

test('compileWorkflowDocument takes plain objects (no positions)', () => {
  const r = compileWorkflowDocument({ name: 'p', tasks: { a: { run: 'x', needs: ['b'] } } });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.errors[0]!.code, 'UNKNOWN_DEPENDENCY');
    assert.equal(r.errors[0]!.line, undefined);
  }
  for (const junk of [null, 42, 'str', [], undefined]) assert.equal(compileWorkflowDocument(junk).ok, false);
});
