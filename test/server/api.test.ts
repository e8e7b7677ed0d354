import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HELLO, testServer } from './helpers.js';
import { join } from 'node:path';
import { shutdown } from '../../src/server/lifecycle.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

test('api: register + submit + the run succeeds; list, search, get, task, attempts, logs', async () => {
  const s = await testServer();
  try {
    const reg = await s.call('POST', '/workflows', { body: HELLO, headers: { 'content-type': 'application/yaml' } });
    assert.equal(reg.status, 201);
    assert.deepEqual([reg.body.name, reg.body.version, reg.body.tasks], ['hello', 1, 2]);
    const reg2 = await s.call('POST', '/workflows', { body: { source: HELLO } });
    assert.equal(reg2.body.version, 2);

    const sub = await s.call('POST', '/runs', { body: { workflow: 'hello', labels: { ticket: 'ABC-123' } } });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const id = sub.body.id;
    const done = await s.app.kairos.engine.wait(id);
    assert.equal(done.state, 'succeeded');

    const one = await s.call('GET', `/runs/${id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.run.state, 'succeeded');
    assert.deepEqual(one.body.tasks.map((t: any) => [t.id, t.state, t.needs]), [['a', 'succeeded', []], ['b', 'succeeded', ['a']]]);

    for (const q of ['', '?state=succeeded', '?workflow=hello', '?search=ABC', `?search=${id.slice(2, 8)}`, '?since=2000-01-01T00:00:00Z', '?namespace=default&limit=5']) {
      const list = await s.call('GET', `/runs${q}`);
      assert.equal(list.status, 200, q);
      assert.deepEqual(list.body.runs.map((r: any) => r.id), [id], q);
    }
    assert.deepEqual((await s.call('GET', '/runs?state=failed')).body.runs, []);
    assert.deepEqual((await s.call('GET', '/runs?search=nomatch')).body.runs, []);

    const task = await s.call('GET', `/runs/${id}/tasks/a`);
    assert.equal(task.status, 200);
    assert.equal(task.body.attempts.length, 1);
    assert.equal(task.body.attempts[0].status, 'succeeded');
    const logs = await s.call('GET', `/runs/${id}/tasks/a/logs`);
    assert.equal(logs.status, 200);
    assert.match(logs.body, /hello-from-a/);
    const followed = await s.call('GET', `/runs/${id}/tasks/a/logs?follow=1`);
    assert.match(followed.body, /hello-from-a/);

    const wf = await s.call('GET', '/workflows/hello');
    assert.equal(wf.body.workflow.version, 2);
    assert.deepEqual(wf.body.versions.map((v: any) => v.version), [2, 1]);
    assert.equal((await s.call('GET', '/workflows/hello?version=1')).body.workflow.version, 1);
    assert.deepEqual((await s.call('GET', '/workflows')).body.workflows.map((w: any) => w.name), ['hello']);
  } finally {
    await s.close();
  }
});

test('api: following the log of a running task streams until the task ends', async () => {
  const s = await testServer();
  try {
    const yaml = 'name: slow\ntasks:\n  t:\n    run: "echo one; sleep 0.5; echo two"\n';
    await s.call('POST', '/workflows', { body: { source: yaml } });
    const id = (await s.call('POST', '/runs', { body: { workflow: 'slow' } })).body.id;
    const logs = await s.call('GET', `/runs/${id}/tasks/t/logs?follow=true`);
    assert.equal(logs.status, 200);
    assert.match(logs.body, /one\ntwo/);
  } finally {
    await s.close();
  }
});

test('api: validation errors name the field; spec errors carry the line', async () => {
  const s = await testServer();
  try {
    const spec = await s.call('POST', '/workflows', { body: { source: 'name: bad\ntasks:\n  a:\n    run: echo\n    needs: [zz]\n' } });
    assert.equal(spec.status, 400);
    assert.equal(spec.body.error.code, 'SPEC_INVALID');
    assert.equal(spec.body.error.field, 'tasks.a.needs[0]');
    assert.equal(spec.body.error.line, 5);
    assert.ok(spec.body.error.issues.length >= 1);

    const missing = await s.call('POST', '/runs', { body: {} });
    assert.deepEqual([missing.status, missing.body.error.code, missing.body.error.field], [400, 'VALIDATION_FAILED', 'workflow']);
    const wrongType = await s.call('POST', '/runs', { body: { workflow: 'hello', params: [] } });
    assert.deepEqual([wrongType.status, wrongType.body.error.field], [400, 'params']);
    const extra = await s.call('POST', '/runs', { body: { workflow: 'hello', prams: {} } });
    assert.deepEqual([extra.status, extra.body.error.field], [400, 'prams']);
    const limit = await s.call('GET', '/runs?limit=0');
    assert.deepEqual([limit.status, limit.body.error.field], [400, 'limit']);
    const since = await s.call('GET', '/runs?since=yesterday');
    assert.deepEqual([since.status, since.body.error.field], [400, 'since']);
    const json = await s.call('POST', '/runs', { body: '{"workflow":', headers: { 'content-type': 'application/json' } });
    assert.deepEqual([json.status, json.body.error.code], [400, 'BAD_REQUEST']);
    const both = await s.call('POST', '/workflows', { body: {} });
    assert.deepEqual([both.status, both.body.error.code], [400, 'VALIDATION_FAILED']);

    await s.call('POST', '/workflows', { body: { source: 'name: p\nparams:\n  n: { required: true }\ntasks:\n  a:\n    run: echo\n' } });
    const param = await s.call('POST', '/runs', { body: { workflow: 'p' } });
    assert.deepEqual([param.status, param.body.error.code], [400, 'PARAM_MISSING']);
    for (const r of [spec, missing, param, json]) assert.ok(!JSON.stringify(r.body).includes('    at '), 'no stack trace');
  } finally {
    await s.close();
  }
});

test('api: 404, 409 on cancelling a finished run, 413 on an oversized body, 415', async () => {
  const s = await testServer({ bodyLimitBytes: 4096 });
  try {
    assert.equal((await s.call('GET', '/runs/nope')).body.error.code, 'RUN_NOT_FOUND');
    assert.equal((await s.call('GET', '/nothing')).body.error.code, 'ROUTE_NOT_FOUND');
    assert.equal((await s.call('GET', '/workflows/nope')).status, 404);
    const nf = await s.call('POST', '/runs', { body: { workflow: 'nope' } });
    assert.deepEqual([nf.status, nf.body.error.code, nf.body.error.field], [404, 'WORKFLOW_NOT_FOUND', 'workflow']);

    await s.call('POST', '/workflows', { body: { source: HELLO } });
    const id = (await s.call('POST', '/runs', { body: { workflow: 'hello' } })).body.id;
    await s.app.kairos.engine.wait(id);
    assert.equal((await s.call('GET', `/runs/${id}/tasks/zz`)).body.error.code, 'TASK_NOT_FOUND');
    const c = await s.call('POST', `/runs/${id}/cancel`);
    assert.deepEqual([c.status, c.body.error.code], [409, 'ILLEGAL_TRANSITION']);

    const big = await s.call('POST', '/workflows', { body: { source: 'x'.repeat(10_000) } });
    assert.deepEqual([big.status, big.body.error.code], [413, 'BODY_TOO_LARGE']);
    const media = await s.call('POST', '/runs', { body: 'x', headers: { 'content-type': 'application/xml' } });
    assert.deepEqual([media.status, media.body.error.code], [415, 'UNSUPPORTED_MEDIA_TYPE']);
  } finally {
    await s.close();
  }
});

test('api: cancel a running run, retry it; graceful shutdown refuses new submits', async () => {
  const s = await testServer();
  try {
    await s.call('POST', '/workflows', { body: { source: 'name: long\ntasks:\n  t:\n    run: sleep 30\n' } });
    const id = (await s.call('POST', '/runs', { body: { workflow: 'long' } })).body.id;
    const c = await s.call('POST', `/runs/${id}/cancel`);
    assert.deepEqual([c.status, c.body.state], [200, 'cancelled']);
    const r = await s.call('POST', `/runs/${id}/retry`, { body: { task: 't' } });
    assert.deepEqual([r.status, r.body.state], [200, 'running']);
    await s.call('POST', `/runs/${id}/cancel`);

    await s.call('POST', '/workflows', { body: { source: 'name: quick\ntasks:\n  t:\n    run: sleep 0.3\n' } });
    const q = (await s.call('POST', '/runs', { body: { workflow: 'quick' } })).body.id;
    await new Promise((r) => setTimeout(r, 100));
    const stopping = shutdown(s.app, 10_000);
    const refused = await s.call('POST', '/runs', { body: { workflow: 'quick' } });
    assert.deepEqual([refused.status, refused.body.error.code], [503, 'SHUTTING_DOWN']);
    assert.equal((await s.call('GET', '/healthz')).status, 503);
    await stopping;
    // The running attempt was allowed to finish before the engine stopped.
    const store = new SqliteStore(join(s.dir, 'kairos.db'));
    assert.equal((await store.getTasks(q))[0]!.state, 'succeeded');
    await store.close();
  } finally {
    await s.close().catch(() => {});
  }
});
