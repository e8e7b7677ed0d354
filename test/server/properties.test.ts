import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { testServer } from './helpers.js';

const junk = fc.oneof(
  fc.jsonValue(),
  fc.record({ workflow: fc.jsonValue(), version: fc.jsonValue(), params: fc.jsonValue(), labels: fc.jsonValue() }, { requiredKeys: [] }),
  fc.record({ source: fc.oneof(fc.string(), fc.jsonValue()), spec: fc.jsonValue() }, { requiredKeys: [] }),
  fc.record({ source: fc.string().map((s) => `name: x\ntasks:\n  a:\n    run: ${s}\n    needs: [${s}]\n`) }),
  fc.dictionary(fc.string(), fc.jsonValue()),
);

test('property: junk JSON bodies to POST /runs and /workflows always get a 4xx JSON error, never a 500', async () => {
  const s = await testServer({ rateLimit: { max: 0, windowMs: 1000 } });
  try {
    await s.call('POST', '/workflows', { body: { source: 'name: x\ntasks:\n  a:\n    run: "true"\n' } });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/runs', '/workflows'), junk, async (url, body) => {
        const r = await s.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        if (r.statusCode === 201) return; // junk that happens to be valid (a spec with `run: ...`)
        assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${url} ${JSON.stringify(body)} -> ${r.statusCode} ${r.body}`);
        const parsed = JSON.parse(r.body);
        assert.equal(typeof parsed.error.code, 'string');
        assert.ok(!r.body.includes('    at '), 'no stack trace');
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/runs', '/workflows'), fc.string(), async (url, raw) => {
        const r = await s.app.inject({ method: 'POST', url, payload: raw, headers: { 'content-type': 'application/json' } });
        assert.ok(r.statusCode < 500, `${url} raw ${JSON.stringify(raw)} -> ${r.statusCode} ${r.body}`);
        JSON.parse(r.body);
      }),
      { numRuns: 100 },
    );
  } finally {
    // Runs submitted by valid junk may still be running: close kills them.
    await s.close();
  }
});
