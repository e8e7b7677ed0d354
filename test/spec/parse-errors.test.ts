/** Table-driven: each kind of bad input gives its issue, with code, path, line and message. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import type { SpecIssue } from '../../src/core/spec/issues.js';

interface Case {
  readonly name: string;
  readonly yaml: string;
  readonly code: string;
  readonly path: string;
  readonly line?: number;
  readonly message: RegExp;
}

const head = 'name: wf\ntasks:\n';

const CASES: Case[] = [
  { name: 'unknown task field, did you mean', yaml: `${head}  a:\n    run: x\n  b:\n    neds: [a]\n    run: y\n`, code: 'UNKNOWN_FIELD', path: 'tasks.b.neds', line: 6, message: /unknown field `neds`; did you mean `needs`\?/ },
  { name: 'field from another tool', yaml: `${head}  a:\n    run: x\n  b:\n    depends_on: [a]\n    run: y\n`, code: 'UNKNOWN_FIELD', path: 'tasks.b.depends_on', line: 6, message: /did you mean `needs`/ },
  { name: 'unknown top-level field', yaml: `name: wf\nprioriti: high\ntasks:\n  a: {run: x}\n`, code: 'UNKNOWN_FIELD', path: 'prioriti', line: 2, message: /did you mean `priority`/ },
  { name: 'missing name', yaml: `tasks:\n  a: {run: x}\n`, code: 'MISSING_FIELD', path: 'name', message: /missing required field `name`/ },
  { name: 'missing tasks', yaml: `name: wf\n`, code: 'MISSING_FIELD', path: 'tasks', message: /`tasks`/ },
  { name: 'unknown dependency, did you mean', yaml: `${head}  extract:\n    run: x\n  load:\n    needs: [extrct]\n    run: y\n`, code: 'UNKNOWN_DEPENDENCY', path: 'tasks.load.needs[0]', line: 6, message: /unknown task `extrct`; did you mean `extract`\?/ },
  { name: 'cycle in order', yaml: `${head}  a:\n    needs: [c]\n    run: x\n  b:\n    needs: [a]\n    run: x\n  c:\n    needs: [b]\n    run: x\n`, code: 'CYCLE', path: 'tasks.a.needs[0]', line: 4, message: /dependency cycle: a -> b -> c -> a/ },
  { name: 'self dependency', yaml: `${head}  a:\n    needs: [a]\n    run: x\n`, code: 'CYCLE', path: 'tasks.a.needs[0]', line: 4, message: /needs itself/ },
  { name: 'duplicate task id', yaml: `${head}  a:\n    run: x\n  b:\n    run: y\n  a:\n    run: z\n`, code: 'DUPLICATE_TASK', path: 'tasks.a', line: 7, message: /task `a` is defined twice \(first defined on line 3\)/ },
  { name: 'duplicate key', yaml: `name: wf\nname: wf2\ntasks:\n  a: {run: x}\n`, code: 'DUPLICATE_KEY', path: 'name', line: 2, message: /appears twice/ },
  { name: 'bad duration', yaml: `${head}  a:\n    run: x\n    timeout: 10 minutes\n`, code: 'DURATION', path: 'tasks.a.timeout', line: 5, message: /not a duration; expected a duration like `500ms`, `2.5s`, `90m`, `1h30m`/ },
  { name: 'duration without unit', yaml: `${head}  a:\n    run: x\n    timeout: 10\n`, code: 'TYPE', path: 'tasks.a.timeout', line: 5, message: /expected a duration like .*got the number 10/ },
  { name: 'bad retry delay', yaml: `${head}  a:\n    run: x\n    retries: {max: 2, initial: soon}\n`, code: 'DURATION', path: 'tasks.a.retries.initial', line: 5, message: /`soon` is not a duration/ },
  { name: 'bad size', yaml: `${head}  a:\n    run: x\n    resources: {memory: 1GB2}\n`, code: 'SIZE', path: 'tasks.a.resources.memory', line: 5, message: /not a size; expected a size like `512Mi`/ },
  { name: 'bad cpu', yaml: `${head}  a:\n    run: x\n    resources: {cpu: two}\n`, code: 'CPU', path: 'tasks.a.resources.cpu', line: 5, message: /not a cpu amount; expected cpu cores like `2`, `0.5` or millicores `500m`/ },
  { name: 'resource typo', yaml: `${head}  a:\n    run: x\n    resources: {memroy: 1Gi}\n`, code: 'TYPE', path: 'tasks.a.resources.memroy', line: 5, message: /did you mean `memory`/ },
  { name: 'no action', yaml: `${head}  a:\n    needs: []\n`, code: 'ACTION', path: 'tasks.a', line: 3, message: /exactly one of `run`.*it has none/ },
  { name: 'several actions', yaml: `${head}  a:\n    run: x\n    fn: f\n`, code: 'ACTION', path: 'tasks.a.fn', line: 5, message: /has `run` and `fn`/ },
  { name: 'bad expression syntax', yaml: `${head}  a:\n    run: x\n    when: params.x ==\n`, code: 'EXPRESSION', path: 'tasks.a.when', line: 5, message: /syntax error/ },
  { name: 'bad template', yaml: `${head}  a:\n    run: echo \${{ params.x\n`, code: 'EXPRESSION', path: 'tasks.a.run', line: 4, message: /unterminated/ },
  { name: 'when reads a task not upstream', yaml: `${head}  a:\n    run: x\n  b:\n    run: y\n    when: tasks.a.outputs.n > 0\n`, code: 'NOT_UPSTREAM', path: 'tasks.b.when', line: 7, message: /reads task `a`, which is not upstream of `b`/ },
  { name: 'template reads a task not upstream', yaml: `${head}  a:\n    run: x\n  b:\n    run: echo \${{ tasks.a.outputs.n }}\n`, code: 'NOT_UPSTREAM', path: 'tasks.b.run', line: 6, message: /not upstream/ },
  { name: 'when reads its own task', yaml: `${head}  a:\n    run: x\n    when: tasks.a.state == "ok"\n`, code: 'NOT_UPSTREAM', path: 'tasks.a.when', message: /its own outputs/ },
  { name: 'expression reads an unknown task', yaml: `${head}  extract:\n    run: x\n  b:\n    needs: [extract]\n    run: echo \${{ tasks.extrakt.outputs }}\n`, code: 'UNKNOWN_DEPENDENCY', path: 'tasks.b.run', message: /unknown task `extrakt`; did you mean `extract`/ },
  { name: 'dashed id without brackets', yaml: `${head}  fetch-data:\n    run: x\n  b:\n    needs: [fetch-data]\n    when: tasks.fetch-data.outputs.n > 0\n    run: y\n`, code: 'UNKNOWN_DEPENDENCY', path: 'tasks.b.when', line: 7, message: /need brackets: `tasks\["fetch-data"\]`/ },
  { name: 'undeclared param', yaml: `name: wf\nparams:\n  region: eu\ntasks:\n  a:\n    run: echo \${{ params.regoin }}\n`, code: 'UNDECLARED_PARAM', path: 'tasks.a.run', line: 6, message: /param `regoin` is not declared under `params`; did you mean `region`/ },
  { name: 'unknown root name', yaml: `${head}  a:\n    run: x\n    when: parms.x\n`, code: 'UNKNOWN_NAME', path: 'tasks.a.when', message: /`parms` is not defined.*did you mean `params`/ },
  { name: 'item outside foreach', yaml: `${head}  a:\n    run: echo \${{ item }}\n`, code: 'UNKNOWN_NAME', path: 'tasks.a.run', message: /only defined in the commands of a foreach task/ },
  { name: 'bad task id', yaml: `${head}  "a b":\n    run: x\n`, code: 'INVALID_NAME', path: 'tasks["a b"]', line: 3, message: /task id `a b` must match/ },
  { name: 'bad workflow name', yaml: `name: My Flow\ntasks:\n  a: {run: x}\n`, code: 'INVALID_NAME', path: 'name', line: 1, message: /lower-case/ },
  { name: 'bad priority', yaml: `name: wf\npriority: urgent\ntasks:\n  a: {run: x}\n`, code: 'TYPE', path: 'priority', line: 2, message: /expected `high`, `normal`, `low` or a number/ },
  { name: 'bad deadline', yaml: `name: wf\ndeadline: tomorrow\ntasks:\n  a: {run: x}\n`, code: 'DURATION', path: 'deadline', line: 2, message: /ISO 8601/ },
  { name: 'wrong type in a list', yaml: `${head}  a:\n    run: x\n  b:\n    needs: [a, 3]\n    run: y\n`, code: 'TYPE', path: 'tasks.b.needs[1]', line: 6, message: /expected a string, got the number 3/ },
  { name: 'bad http url', yaml: `${head}  a:\n    http: {url: "ftp://x"}\n`, code: 'TYPE', path: 'tasks.a.http.url', line: 4, message: /not an http/ },
  { name: 'http missing url', yaml: `${head}  a:\n    http: {method: POST}\n`, code: 'MISSING_FIELD', path: 'tasks.a.http.url', message: /missing required field `url`/ },
  { name: 'bad http method', yaml: `${head}  a:\n    http: {url: "https://x", method: FETCH}\n`, code: 'TYPE', path: 'tasks.a.http.method', line: 4, message: /one of GET, POST/ },
  { name: 'required param with default', yaml: `name: wf\nparams:\n  p: {default: 1, required: true}\ntasks:\n  a: {run: x}\n`, code: 'TYPE', path: 'params.p.required', line: 3, message: /required param has no default/ },
  { name: 'unknown param field', yaml: `name: wf\nparams:\n  p: {defualt: 1}\ntasks:\n  a: {run: x}\n`, code: 'UNKNOWN_FIELD', path: 'params.p.defualt', line: 3, message: /did you mean `default`/ },
  { name: 'reserved env name', yaml: `${head}  a:\n    run: x\n    env: {KAIROS_IN_0: x}\n`, code: 'INVALID_NAME', path: 'tasks.a.env.KAIROS_IN_0', line: 5, message: /reserved/ },
  { name: 'YAML syntax', yaml: `name: wf\ntasks: [\n`, code: 'SYNTAX', path: '', message: /./ },
  { name: 'JSON syntax', yaml: `{"name": "wf",\n "tasks": {"a": {"run": "x"}}\n`, code: 'JSON_SYNTAX', path: '', message: /invalid JSON/ },
  { name: 'not a mapping', yaml: `- a\n- b\n`, code: 'TYPE', path: '', message: /expected a mapping/ },
  { name: 'empty tasks', yaml: `name: wf\ntasks: {}\n`, code: 'MISSING_FIELD', path: 'tasks', message: /at least one task/ },
  { name: 'args without fn', yaml: `${head}  a:\n    run: x\n    args: {a: 1}\n`, code: 'TYPE', path: 'tasks.a.args', line: 5, message: /only used with `fn`/ },
];

for (const c of CASES) {
  test(`bad input: ${c.name}`, () => {
    const r = parseWorkflow(c.yaml);
    assert.equal(r.ok, false, 'expected issues');
    if (r.ok) return;
    const hit = r.errors.find((e: SpecIssue) => e.code === c.code && e.path === c.path);
    assert.ok(hit, `no ${c.code} at ${c.path}; got:\n${r.errors.map((e) => `${e.code} ${e.path} ${e.line}: ${e.message}`).join('\n')}`);
    assert.match(hit.message, c.message);
    if (c.line !== undefined) assert.equal(hit.line, c.line, `line of ${c.path}`);
  });
}

test('all problems are reported at once', () => {
  const yaml = `name: wf\ntasks:\n  a:\n    neds: [x]\n    run: x\n    timeout: soon\n  b:\n    needs: [zz]\n    run: echo \${{ params.nope }}\n`;
  const r = parseWorkflow(yaml);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.errors.map((e) => e.code).sort(), ['DURATION', 'UNDECLARED_PARAM', 'UNKNOWN_DEPENDENCY', 'UNKNOWN_FIELD']);
  // Sorted by line.
  const lines = r.errors.map((e) => e.line ?? 0);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
});

test('limits: document size, task count, expression length, aliases', () => {
  const big = parseWorkflow(`name: wf\n# ${'x'.repeat(2000)}\ntasks:\n  a: {run: x}\n`, { limits: { maxDocumentBytes: 1000 } });
  assert.equal(big.ok, false);
  if (!big.ok) assert.match(big.errors[0]!.message, /over the limit of 1000 bytes/);

  const tasks = Array.from({ length: 11 }, (_, i) => `  t${i}: {run: x}`).join('\n');
  const many = parseWorkflow(`name: wf\ntasks:\n${tasks}\n`, { limits: { maxTasks: 10 } });
  assert.equal(many.ok, false);
  if (!many.ok) assert.match(many.errors[0]!.message, /11 tasks exceed the limit of 10/);

  const long = parseWorkflow(`name: wf\ntasks:\n  a:\n    run: x\n    when: ${'1 + '.repeat(40)}1\n`, { limits: { maxExpressionLength: 50 } });
  assert.equal(long.ok, false);
  if (!long.ok) assert.equal(long.errors[0]!.code, 'LIMIT');

  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
  const laughs = parseWorkflow(`${bomb.join('\n')}\nname: wf\ntasks:\n  a: {run: x}\n`);
  assert.equal(laughs.ok, false);
  if (!laughs.ok) assert.equal(laughs.errors[0]!.code, 'LIMIT');
});

test('issue reporting stops at 100', () => {
  const tasks = Array.from({ length: 300 }, (_, i) => `  t${i}: {run: x, needs: [nope${i}]}`).join('\n');
  const r = parseWorkflow(`name: wf\ntasks:\n${tasks}\n`);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.length, 101);
  assert.match(r.errors[100]!.message, /200 more issue/);
});
