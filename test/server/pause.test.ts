import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from './helpers.js';
import { createToken } from '../../src/server/tokens.js';

const CHAIN = `name: chain
tasks:
  a:
    run: sleep 0.4
  b:
    needs: [a]
    run: "true"
`;

async function until<T>(fn: () => Promise<T | undefined>, what: string, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('runs: pause holds queued tasks with a paused reason; resume lets the run complete; 409 once finished', async () => {
  const s = await testServer();
  try {
    await s.call('POST', '/workflows', { body: { source: CHAIN } });
    const id = (await s.call('POST', '/runs', { body: { workflow: 'chain' } })).body.id;
    const p = await s.call('POST', `/runs/${id}/pause`);
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.paused, true);
    // Whatever is queued (a, if the pause beat its dispatch; b once a finishes: running attempts
    // are not stopped) is held with the run-pause reason.
    const q = await until(async () => {
      const r = (await s.call('GET', '/queues')).body;
      const b = r.waiting.find((w: any) => w.run === id && w.reason.kind === 'paused');
      return b ? { r, b } : undefined;
    }, 'a task held by the pause');
    assert.deepEqual(q.b.reason, { kind: 'paused', scope: 'run' });
    assert.equal(q.b.reasonText, 'run is paused');
    const run = (await s.call('GET', `/runs/${id}`)).body;
    assert.equal(run.run.paused, true);
    assert.equal(run.run.state, 'running');
    assert.deepEqual(run.tasks.find((t: any) => t.id === q.b.task).reason, { kind: 'paused', scope: 'run' });
    assert.equal(run.tasks.find((t: any) => t.id === q.b.task).state, 'queued');

    const r = await s.call('POST', `/runs/${id}/resume`);
    assert.equal(r.status, 200);
    assert.equal(r.body.paused, false);
    const done = await until(async () => {
      const b = (await s.call('GET', `/runs/${id}`)).body.run;
      return b.state === 'running' ? undefined : b;
    }, 'the run to finish');
    assert.equal(done.state, 'succeeded');

    const late = await s.call('POST', `/runs/${id}/pause`);
    assert.deepEqual([late.status, late.body.error.code], [409, 'ILLEGAL_TRANSITION']);
    const late2 = await s.call('POST', `/runs/${id}/resume`);
    assert.equal(late2.status, 409);
    assert.equal((await s.call('POST', '/runs/no-such/pause')).status, 404);
  } finally {
    await s.close();
  }
});

test('runs: pause/resume need operator and respect namespace scopes', async () => {
  const s = await testServer();
  try {
    const mk = async (role: 'admin' | 'operator' | 'viewer', namespace: string | null) => (await createToken(s.app.kairos.store, { role, namespace })).token;
    const root = await mk('admin', null);
    const viewer = await mk('viewer', null);
    const opB = await mk('operator', 'team-b');
    const opA = await mk('operator', 'team-a');
    await s.call('POST', '/workflows', { token: root, body: { source: 'name: sleepy\nnamespace: team-a\ntasks:\n  t:\n    run: sleep 5\n  u:\n    needs: [t]\n    run: "true"\n' } });
    const id = (await s.call('POST', '/runs', { token: root, body: { workflow: 'sleepy' } })).body.id;
    assert.equal((await s.call('POST', `/runs/${id}/pause`, { token: viewer })).status, 403);
    assert.equal((await s.call('POST', `/runs/${id}/pause`, { token: opB })).status, 404);
    const ok = await s.call('POST', `/runs/${id}/pause`, { token: opA });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.paused, true);
    assert.equal((await s.call('POST', `/runs/${id}/resume`, { token: opA })).body.paused, false);
    await s.call('POST', `/runs/${id}/cancel`, { token: root });
  } finally {
    await s.close();
  }
});

test('system: pause/resume, concurrency and GET /system are admin-only; a system pause shows on /queues', async () => {
  const s = await testServer({ concurrency: 2 });
  try {
    const sys = await s.call('GET', '/system');
    assert.equal(sys.status, 200);
    assert.equal(sys.body.paused, false);
    assert.equal(sys.body.concurrency, 2);
    assert.equal(sys.body.policy.policy, 'priority');
    assert.equal(typeof sys.body.policy.headTimeoutMs, 'number');

    const paused = await s.call('POST', '/system/pause');
    assert.equal(paused.body.paused, true);
    await s.call('POST', '/workflows', { body: { source: CHAIN } });
    const id = (await s.call('POST', '/runs', { body: { workflow: 'chain' } })).body.id;
    const q = await until(async () => {
      const r = (await s.call('GET', '/queues')).body;
      return r.waiting.some((w: any) => w.run === id && w.task === 'a') ? r : undefined;
    }, 'a queued');
    assert.equal(q.systemPaused, true);
    assert.deepEqual(q.waiting.find((w: any) => w.task === 'a').reason, { kind: 'paused', scope: 'system' });
    assert.equal(q.running, 0);
    assert.equal((await s.call('GET', `/runs/${id}`)).body.run.state, 'running');

    const c = await s.call('PUT', '/system/concurrency', { body: { concurrency: 5 } });
    assert.equal(c.status, 200);
    assert.equal(c.body.concurrency, 5);
    assert.equal(s.app.kairos.engine.concurrency, 5);
    const bad = await s.call('PUT', '/system/concurrency', { body: { concurrency: 0 } });
    assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.field], [400, 'VALIDATION_FAILED', 'concurrency']);

    assert.equal((await s.call('POST', '/system/resume')).body.paused, false);
    const done = await until(async () => {
      const b = (await s.call('GET', `/runs/${id}`)).body.run;
      return b.state === 'running' ? undefined : b;
    }, 'the run to finish');
    assert.equal(done.state, 'succeeded');

    // Roles: once a token exists, an operator (or a scoped admin) is refused.
    const mk = async (role: 'admin' | 'operator', namespace: string | null) => (await createToken(s.app.kairos.store, { role, namespace })).token;
    const op = await mk('operator', null);
    const scoped = await mk('admin', 'team-a');
    const root = await mk('admin', null);
    for (const [m, u, body] of [['GET', '/system'], ['POST', '/system/pause'], ['POST', '/system/resume'], ['PUT', '/system/concurrency', { concurrency: 3 }]] as const) {
      assert.equal((await s.call(m, u, { token: op, ...(body ? { body } : {}) })).status, 403, `${m} ${u} operator`);
      assert.equal((await s.call(m, u, { token: scoped, ...(body ? { body } : {}) })).status, 403, `${m} ${u} scoped admin`);
    }
    assert.equal((await s.call('GET', '/system', { token: root })).status, 200);
  } finally {
    await s.close();
  }
});

test('runs: GET /runs filters by priority', async () => {
  const s = await testServer();
  try {
    await s.call('POST', '/workflows', { body: { source: 'name: hi\npriority: 90\ntasks:\n  t:\n    run: "true"\n' } });
    await s.call('POST', '/workflows', { body: { source: 'name: lo\npriority: 10\ntasks:\n  t:\n    run: "true"\n' } });
    const hi = (await s.call('POST', '/runs', { body: { workflow: 'hi' } })).body.id;
    const lo = (await s.call('POST', '/runs', { body: { workflow: 'lo' } })).body.id;
    await until(async () => ((await s.call('GET', '/runs?state=succeeded')).body.runs.length === 2 ? true : undefined), 'both runs done');
    assert.deepEqual((await s.call('GET', '/runs?priority=90')).body.runs.map((r: any) => r.id), [hi]);
    assert.deepEqual((await s.call('GET', '/runs?priority=10')).body.runs.map((r: any) => r.id), [lo]);
    assert.deepEqual((await s.call('GET', '/runs?priority=50')).body.runs, []);
    const bad = await s.call('GET', '/runs?priority=high');
    assert.deepEqual([bad.status, bad.body.error.field], [400, 'priority']);
  } finally {
    await s.close();
  }
});

test('queues: strict admission shows the head timeout and each blocked head', async () => {
  const s = await testServer({ concurrency: 1 });
  try {
    const put = await s.call('PUT', '/policy', { body: { policy: 'priority', admission: 'strict', headTimeoutMs: 600_000 } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await s.call('POST', '/workflows', { body: { source: 'name: wide\ntasks:\n  a:\n    run: sleep 1\n  b:\n    run: "true"\n  c:\n    run: "true"\n' } });
    const id = (await s.call('POST', '/runs', { body: { workflow: 'wide' } })).body.id;
    const q = await until(async () => {
      const r = (await s.call('GET', '/queues')).body;
      return r.headTimeouts && r.headTimeouts.heads.length > 0 ? r : undefined;
    }, 'a blocked head');
    assert.equal(q.admission, 'strict');
    assert.equal(q.headTimeouts.headTimeoutMs, 600_000);
    const h = q.headTimeouts.heads[0];
    assert.equal(h.run, id);
    assert.equal(h.timeoutAt - h.blockedSince, 600_000);
    assert.ok(h.reasonText.length > 0);
    await s.call('PUT', '/policy', { body: { policy: 'priority', admission: 'greedy' } });
    assert.equal((await s.call('GET', '/queues')).body.headTimeouts, null);
    await s.call('POST', `/runs/${id}/cancel`);
  } finally {
    await s.close();
  }
});
