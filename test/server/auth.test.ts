import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createToken, hashToken } from '../../src/server/tokens.js';
import { HELLO, nsWorkflow, testServer } from './helpers.js';

test('auth: open without tokens; once a token exists every endpoint but /healthz and /metrics needs one', async () => {
  const s = await testServer();
  try {
    assert.equal((await s.call('GET', '/runs')).status, 200, 'open while the store has no token');
    const { token } = await createToken(s.app.kairos.store, { role: 'admin' });
    const none = await s.call('GET', '/runs');
    assert.deepEqual([none.status, none.body.error.code], [401, 'UNAUTHORIZED']);
    assert.equal(none.res.headers['www-authenticate'], 'Bearer');
    const bad = await s.call('GET', '/runs', { token: 'kairos_wrong' });
    assert.deepEqual([bad.status, bad.body.error.code], [401, 'TOKEN_INVALID']);
    assert.equal((await s.call('GET', '/runs', { token })).status, 200);
    assert.equal((await s.call('GET', '/healthz')).status, 200);
    assert.equal((await s.call('GET', '/metrics')).status, 200);
    for (const [m, u] of [['GET', '/workflows'], ['GET', '/queues'], ['GET', '/workers'], ['GET', '/policy'], ['POST', '/runs'], ['GET', '/events']]) {
      assert.equal((await s.call(m!, u!)).status, 401, `${m} ${u}`);
    }
    const row = (await s.app.kairos.store.listTokens())[0]!;
    await s.app.kairos.store.revokeToken(row.id, Date.now());
    assert.equal((await s.call('GET', '/runs', { token })).body.error.code, 'TOKEN_INVALID');
  } finally {
    await s.close();
  }
});

test('auth: /metrics requires a token when metricsAuth is on', async () => {
  const s = await testServer({ metricsAuth: true });
  try {
    const { token } = await createToken(s.app.kairos.store, { role: 'viewer' });
    assert.equal((await s.call('GET', '/metrics')).status, 401);
    assert.equal((await s.call('GET', '/metrics', { token })).status, 200);
  } finally {
    await s.close();
  }
});

test('auth: a viewer reads but cannot register, submit, cancel, retry or switch the policy; an operator cannot switch the policy', async () => {
  const s = await testServer();
  try {
    const store = s.app.kairos.store;
    const admin = (await createToken(store, { role: 'admin' })).token;
    const viewer = (await createToken(store, { role: 'viewer' })).token;
    const operator = (await createToken(store, { role: 'operator' })).token;
    assert.equal((await s.call('POST', '/workflows', { token: admin, body: { source: HELLO } })).status, 201);
    const id = (await s.call('POST', '/runs', { token: operator, body: { workflow: 'hello' } })).body.id;
    await s.app.kairos.engine.wait(id);
    const denied = [
      await s.call('POST', '/workflows', { token: viewer, body: { source: HELLO } }),
      await s.call('POST', '/runs', { token: viewer, body: { workflow: 'hello' } }),
      await s.call('POST', `/runs/${id}/cancel`, { token: viewer }),
      await s.call('POST', `/runs/${id}/retry`, { token: viewer }),
      await s.call('PUT', '/policy', { token: viewer, body: { policy: 'fifo' } }),
      await s.call('PUT', '/policy', { token: operator, body: { policy: 'fifo' } }),
    ];
    for (const d of denied) assert.deepEqual([d.status, d.body.error.code], [403, 'FORBIDDEN']);
    assert.equal((await s.call('GET', `/runs/${id}`, { token: viewer })).status, 200);
    assert.equal((await s.call('PUT', '/policy', { token: admin, body: { policy: 'fifo' } })).status, 200);
  } finally {
    await s.close();
  }
});

test('auth: a namespace-scoped token sees nothing of another namespace (404, not 403)', async () => {
  const s = await testServer();
  try {
    const store = s.app.kairos.store;
    const admin = (await createToken(store, { role: 'admin' })).token;
    const teamA = (await createToken(store, { role: 'operator', namespace: 'team-a' })).token;
    await s.call('POST', '/workflows', { token: admin, body: { source: nsWorkflow('wa', 'team-a') } });
    await s.call('POST', '/workflows', { token: admin, body: { source: nsWorkflow('wb', 'team-b') } });
    const ra = (await s.call('POST', '/runs', { token: admin, body: { workflow: 'wa' } })).body.id;
    const rb = (await s.call('POST', '/runs', { token: admin, body: { workflow: 'wb' } })).body.id;
    await s.app.kairos.engine.wait(ra);
    await s.app.kairos.engine.wait(rb);

    assert.deepEqual((await s.call('GET', '/workflows', { token: teamA })).body.workflows.map((w: any) => w.name), ['wa']);
    assert.equal((await s.call('GET', '/workflows/wb', { token: teamA })).status, 404);
    assert.deepEqual((await s.call('GET', '/runs', { token: teamA })).body.runs.map((r: any) => r.id), [ra]);
    assert.deepEqual((await s.call('GET', '/runs?namespace=team-b', { token: teamA })).body.runs, []);
    for (const [m, u] of [['GET', `/runs/${rb}`], ['GET', `/runs/${rb}/tasks/t`], ['GET', `/runs/${rb}/tasks/t/logs`], ['POST', `/runs/${rb}/cancel`], ['POST', `/runs/${rb}/retry`], ['GET', `/events?run=${rb}`]]) {
      const r = await s.call(m!, u!, { token: teamA });
      assert.deepEqual([r.status, r.body.error.code], [404, 'RUN_NOT_FOUND'], `${m} ${u}`);
    }
    const sub = await s.call('POST', '/runs', { token: teamA, body: { workflow: 'wb' } });
    assert.deepEqual([sub.status, sub.body.error.code], [404, 'WORKFLOW_NOT_FOUND']);
    assert.equal((await s.call('POST', '/runs', { token: teamA, body: { workflow: 'wa' } })).status, 201);
    const reg = await s.call('POST', '/workflows', { token: teamA, body: { source: nsWorkflow('wc', 'team-b') } });
    assert.equal(reg.status, 403);
    assert.equal((await s.call('PUT', '/policy', { token: (await createToken(store, { role: 'admin', namespace: 'team-a' })).token, body: { policy: 'fifo' } })).status, 403);
  } finally {
    await s.close();
  }
});

test('auth: tokens are stored hashed: the plain token is nowhere in the database files', async () => {
  const s = await testServer();
  try {
    const { token, row } = await createToken(s.app.kairos.store, { role: 'admin', name: 'ci' });
    assert.equal(row.hash, hashToken(token));
    assert.match(token, /^kairos_[A-Za-z0-9_-]{43}$/);
    const bytes = ['kairos.db', 'kairos.db-wal'].map((f) => join(s.dir, f)).filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('');
    assert.ok(bytes.includes(row.hash), 'the hash is stored');
    assert.ok(!bytes.includes(token) && !bytes.includes(token.slice(7)), 'the token is not');
  } finally {
    await s.close();
  }
});

test('auth: rate limiting per token answers 429 RATE_LIMITED', async () => {
  const s = await testServer({ rateLimit: { max: 3, windowMs: 60_000 } });
  try {
    const a = (await createToken(s.app.kairos.store, { role: 'viewer' })).token;
    const b = (await createToken(s.app.kairos.store, { role: 'viewer' })).token;
    for (let i = 0; i < 3; i++) assert.equal((await s.call('GET', '/runs', { token: a })).status, 200);
    const limited = await s.call('GET', '/runs', { token: a });
    assert.deepEqual([limited.status, limited.body.error.code], [429, 'RATE_LIMITED']);
    assert.ok(limited.res.headers['retry-after']);
    assert.equal((await s.call('GET', '/runs', { token: b })).status, 200, 'another token has its own budget');
  } finally {
    await s.close();
  }
});
