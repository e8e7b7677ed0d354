/**
 * sameJson: true only for values whose JSON texts are the same — what the stores' short spec
 * form and the fleet's delta wire form rely on to leave a value out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sameJson } from '../../src/core/same-json.js';

test('sameJson: true only for values with the same JSON text (property)', () => {
  const json = (v: unknown) => { try { return JSON.stringify(v); } catch { return 'throws'; } };
  fc.assert(fc.property(fc.anything({ withDate: true, withMap: true, withNullPrototype: true, withObjectString: true, withTypedArray: true }), fc.anything({ withDate: true, withNullPrototype: true }), (a, b) => {
    if (sameJson(a, b)) assert.equal(json(a), json(b));
    const copy = JSON.parse(json(a) === undefined || json(a) === 'throws' ? 'null' : json(a)!);
    if (sameJson(a, copy)) assert.equal(json(a), json(copy));
  }), { numRuns: 2000 });
  assert.equal(sameJson({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }), true);
  assert.equal(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 }), false);
  assert.equal(sameJson(new String('ab'), { 0: 'a', 1: 'b' }), false, 'a boxed string is written as a string');
});

test('sameJson: a property undefined in both is left out of both; the budget bounds the comparison', () => {
  assert.equal(sameJson({ a: undefined, b: 1 }, { a: undefined, b: 1 }), true);
  assert.equal(sameJson({ a: undefined, b: 1 }, { a: 2, b: 1 }), false);
  const big = Array.from({ length: 100 }, (_, i) => i);
  assert.equal(sameJson(big, big.slice()), false, 'more values than the default budget: unsure');
  assert.equal(sameJson(big, big.slice(), 1000), true);
  assert.equal(sameJson(Infinity, Infinity), false, 'a non-finite number is written as null: unsure');
});
