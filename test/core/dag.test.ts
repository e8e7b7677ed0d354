import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bottomLevels, criticalPathLength, descendantCounts, topoOrder } from '../../src/core/dag.js';
import { groupOutcome } from '../../src/core/group-outcome.js';

/** A random DAG: edges only from lower to higher index, so it is acyclic by construction. */
const dagArb = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.array(fc.array(fc.nat(n - 1), { maxLength: 4 }), { minLength: n, maxLength: n }).map((raw) => ({
    n,
    parents: raw.map((ps, i) => [...new Set(ps.filter((p) => p < i))]),
  })),
);

test('property: an acyclic graph gets an order with every parent before its child', () => {
  fc.assert(
    fc.property(dagArb, (dag) => {
      const t = topoOrder(dag);
      assert.ok(t.ok);
      if (!t.ok) return;
      const pos = new Map(t.order.map((v, i) => [v, i]));
      assert.equal(t.order.length, dag.n);
      for (let i = 0; i < dag.n; i++) for (const p of dag.parents[i]!) assert.ok(pos.get(p)! < pos.get(i)!);
    }),
  );
});

test('property: a back edge makes a cycle, and the reported nodes really form one', () => {
  fc.assert(
    fc.property(dagArb.filter((d) => d.parents.some((p) => p.length > 0)), fc.nat(), (dag, pick) => {
      // Take an edge p -> i and add i -> p (p now needs i): a cycle of length 2 at least.
      const withEdges = dag.parents.map((ps, i) => ps.map((p) => [p, i] as const)).flat();
      const [p, i] = withEdges[pick % withEdges.length]!;
      const parents = dag.parents.map((ps) => [...ps]);
      parents[p]!.push(i);
      const t = topoOrder({ n: dag.n, parents });
      assert.equal(t.ok, false);
      if (t.ok) return;
      const c = t.cycle;
      assert.ok(c.length >= 2);
      // Each node in the cycle is a parent of the next (dependency order), wrapping around.
      for (let k = 0; k < c.length; k++) assert.ok(parents[c[(k + 1) % c.length]!]!.includes(c[k]!), `edge ${c[k]} -> ${c[(k + 1) % c.length]}`);
    }),
  );
});

test('critical path and bottom levels on a hand-computed diamond', () => {
  // 0 -> 1 -> 3, 0 -> 2 -> 3; weights 1, 5, 2, 1
  const dag = { n: 4, parents: [[], [0], [0], [1, 2]] };
  const w = [1, 5, 2, 1];
  assert.equal(criticalPathLength(dag, (i) => w[i]!), 7);
  const t = topoOrder(dag);
  assert.ok(t.ok);
  if (t.ok) {
    assert.deepEqual([...bottomLevels(dag, (i) => w[i]!, t.order)], [7, 6, 3, 1]);
    assert.deepEqual([...descendantCounts(dag, t.order)], [3, 1, 1, 0]);
  }
});

test('a foreach group settles from its instances', () => {
  assert.equal(groupOutcome([]), 'succeeded');
  assert.equal(groupOutcome(['succeeded', 'running']), null);
  assert.equal(groupOutcome(['succeeded', 'failed']), 'failed');
  assert.equal(groupOutcome(['succeeded', 'cancelled']), 'cancelled');
  assert.equal(groupOutcome(['succeeded', 'skipped']), 'succeeded');
  assert.equal(groupOutcome(['timed_out', 'cancelled']), 'failed');
});
