/** Property tests: random DAGs, injected cycles, and junk input that must never crash the parser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import { compileWorkflowDocument } from '../../src/core/spec/compile.js';

/** A random DAG: node i may need any node j < i (so it is acyclic by construction). */
const dagArb = fc.integer({ min: 2, max: 25 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    fc.array(fc.array(fc.nat(), { maxLength: 4 }), { minLength: n, maxLength: n }),
  ).map(([n, raw]) => raw.map((ps, i) => (i === 0 ? [] : [...new Set(ps.map((p) => p % i))]))),
);

function docOf(parents: number[][]): string {
  const tasks: Record<string, unknown> = {};
  parents.forEach((ps, i) => {
    tasks[`t${i}`] = { run: `echo ${i}`, needs: ps.map((p) => `t${p}`) };
  });
  return stringify({ name: 'dag', tasks });
}

test('property: every acyclic graph validates, with needs preserved', () => {
  fc.assert(
    fc.property(dagArb, (parents) => {
      const r = parseWorkflow(docOf(parents));
      if (!r.ok) return false;
      return r.spec.tasks.every((t, i) => JSON.stringify(t.needs) === JSON.stringify(parents[i]!.map((p) => `t${p}`)));
    }),
    { numRuns: 200 },
  );
});

test('property: an injected back-edge is reported as a cycle whose tasks really form one', () => {
  const withBackEdge = dagArb.chain((parents) =>
    // Pick a dependency path ending at some node v, then make its first node need v.
    fc.nat({ max: parents.length - 1 }).map((seed) => {
      let v = seed;
      while (v > 0 && parents[v]!.length === 0) v--;
      if (v === 0) {
        // No edges to close: make a two-node cycle between t0 and t1.
        parents[1] = [0];
        v = 1;
      }
      let u = parents[v]![0]!;
      while (parents[u]!.length > 0) u = parents[u]![0]!; // walk to a root
      const copy = parents.map((ps) => [...ps]);
      copy[u]!.push(v);
      return copy;
    }),
  );
  fc.assert(
    fc.property(withBackEdge, (parents) => {
      const r = parseWorkflow(docOf(parents));
      if (r.ok) return false;
      const cycle = r.errors.find((e) => e.code === 'CYCLE');
      if (cycle === undefined) return false;
      const m = /dependency cycle: (.*?) \(/.exec(cycle.message);
      if (m === null) return false;
      const ids = m[1]!.split(' -> ').map((s) => Number(s.slice(1)));
      if (ids[0] !== ids[ids.length - 1] || ids.length < 3) return false;
      // Each task needs the one before it.
      for (let k = 1; k < ids.length; k++) if (!parents[ids[k]!]!.includes(ids[k - 1]!)) return false;
      return true;
    }),
    { numRuns: 200 },
  );
});

const fieldNames = fc.constantFrom('name', 'tasks', 'needs', 'run', 'http', 'fn', 'when', 'foreach', 'retries', 'timeout', 'resources', 'env', 'params', 'defaults', 'priority', 'deadline', 'outputs', 'compensate', 'url', 'cpu', 'memory', 'max', 'initial', 'secret', 'value', '__proto__', 'constructor');
const junkDoc = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue(),
    fc.string(),
    fc.constantFrom('${{', '${{ tasks.a.outputs }}', '90m', '1Gi', '500m', 'high', '${{ item }}', 'a ->'),
    fc.dictionary(fc.oneof(fieldNames, fc.string()), tie('value'), { maxKeys: 5 }),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

test('property: junk documents always give a value (spec or issues), never a throw', () => {
  fc.assert(
    fc.property(junkDoc, (doc) => {
      const r = compileWorkflowDocument(doc);
      const text = parseWorkflow(JSON.stringify(doc) ?? 'null');
      const yaml = parseWorkflow(stringify(doc));
      for (const x of [r, text, yaml]) {
        if (x.ok) continue;
        if (x.errors.length === 0 || !x.errors.every((e) => typeof e.message === 'string' && typeof e.code === 'string')) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
});

test('property: junk text always gives a value', () => {
  const yamlish = fc.array(fc.constantFrom('name: x\n', 'tasks:\n', '  a:\n', '    run: y\n', '    needs: [', ']', '{', '}', '&a ', '*a', '- ', '"', "'", ':', '\t', '---\n', '!!binary ', '%YAML 1.2\n', '? ', '|\n', '#'), { maxLength: 40 }).map((p) => p.join(''));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), yamlish), (text) => {
      const r = parseWorkflow(text);
      return r.ok || (r.errors.length > 0 && r.errors.every((e) => typeof e.message === 'string'));
    }),
    { numRuns: 1000 },
  );
});

test('absurd nesting is a clear issue, not a stack overflow', () => {
  for (const text of ['['.repeat(100_000), `a: ${'['.repeat(50_000)}${']'.repeat(50_000)}`, `${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}`]) {
    const r = parseWorkflow(text);
    assert.equal(r.ok, false);
  }
});

test('a large workflow validates (10,000 tasks in a chain)', () => {
  const lines = ['name: big', 'tasks:'];
  for (let i = 0; i < 10_000; i++) lines.push(`  t${i}: {run: "echo ${i}"${i > 0 ? `, needs: [t${i - 1}]` : ''}}`);
  lines.push('  last: {run: "echo ${{ tasks.t0.outputs.x }}", needs: [t9999]}');
  const r = parseWorkflow(lines.join('\n'));
  assert.ok(r.ok, r.ok ? '' : r.errors[0]!.message);
});
