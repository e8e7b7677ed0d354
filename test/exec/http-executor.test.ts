/** The http executor against a real node:http server on a free port. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Action } from '../../src/core/model.js';
import { HttpExecutor } from '../../src/exec/http-executor.js';
import { MAX_OUTPUT_BYTES } from '../../src/exec/outputs.js';
import { request, never, tempDir } from './helpers.js';

const dir = tempDir('http');
const ex = new HttpExecutor();
let server: Server;
let base = '';
/** Requests that arrived at /hang, so a test can cancel once its request is in flight. */
const hanging: ServerResponse[] = [];
let hangArrived: (() => void) | null = null;

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });
}

before(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readAll(req);
    switch (url.pathname) {
      case '/json':
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ ok: true, items: [1, 2] }));
      case '/text':
        return res.end('plain hello');
      case '/echo':
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null, body }));
      case '/status':
        res.statusCode = Number(url.searchParams.get('code'));
        return res.end(url.searchParams.get('msg') ?? '');
      case '/big':
        return res.end('y'.repeat(MAX_OUTPUT_BYTES + 10));
      case '/hang':
        hanging.push(res);
        hangArrived?.();
        return; // never answers
      default:
        res.statusCode = 404;
        return res.end('no route');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function http(path: string, over: Partial<Extract<Action, { kind: 'http' }>> = {}): Action {
  return { kind: 'http', method: 'GET', url: `${base}${path}`, headers: {}, expectStatus: null, ...over };
}

test('a 2xx JSON response succeeds with outputs { status, body: parsed JSON }', async () => {
  const res = await ex.execute(request(http('/json')), never());
  assert.equal(res.outcome, 'succeeded', res.error ?? '');
  assert.deepEqual(res.outputs, { status: 200, body: { ok: true, items: [1, 2] } });
});

test('a text response becomes body text', async () => {
  const res = await ex.execute(request(http('/text')), never());
  assert.deepEqual(res.outputs, { status: 200, body: 'plain hello' });
});

test('method, headers and body are sent', async () => {
  const res = await ex.execute(request(http('/echo', { method: 'post', headers: { authorization: 'Bearer abc' }, body: '{"x":1}' })), never());
  assert.deepEqual(res.outputs, { status: 200, body: { method: 'POST', auth: 'Bearer abc', body: '{"x":1}' } });
});

test('a non-2xx status fails with the status and the first 200 characters of the body', async () => {
  const msg = `down for maintenance ${'z'.repeat(400)}`;
  const res = await ex.execute(request(http(`/status?code=503&msg=${encodeURIComponent(msg)}`)), never());
  assert.equal(res.outcome, 'failed');
  assert.equal(res.error, `HTTP 503: ${msg.slice(0, 200)}`);
  assert.deepEqual(res.outputs, {});
});

test('expectStatus decides success: 404 expected succeeds, 200 unexpected fails', async () => {
  const notFound = await ex.execute(request(http('/nowhere', { expectStatus: [404] })), never());
  assert.equal(notFound.outcome, 'succeeded');
  assert.deepEqual(notFound.outputs, { status: 404, body: 'no route' });
  const ok = await ex.execute(request(http('/json', { expectStatus: [201, 202] })), never());
  assert.equal(ok.outcome, 'failed');
  assert.match(ok.error ?? '', /^HTTP 200: \{"ok":true/);
});

test('timeout aborts a request the server never answers', async () => {
  const res = await ex.execute(request(http('/hang'), { timeoutMs: 300 }), never());
  assert.equal(res.outcome, 'timed_out');
  assert.equal(res.error, 'timed out after 300 ms');
});

test('cancel aborts a request in flight', async () => {
  const ac = new AbortController();
  const arrived = new Promise<void>((r) => (hangArrived = r));
  const running = ex.execute(request(http('/hang')), ac.signal);
  await arrived;
  ac.abort();
  const res = await running;
  assert.equal(res.outcome, 'cancelled');
});

test('a refused connection fails with the cause', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const res = await ex.execute(request({ kind: 'http', method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {}, expectStatus: null }), never());
  assert.equal(res.outcome, 'failed');
  assert.match(res.error ?? '', /ECONNREFUSED/);
});

test('the log holds the request, the status and the body, with secrets redacted', async () => {
  const logPath = join(dir, 'runs', 'echo.log');
  const res = await ex.execute(
    request(http('/echo', { method: 'POST', headers: { authorization: 'Bearer tok-123-secret' }, body: 'payload' }), {
      logPath,
      env: { API_TOKEN: 'tok-123-secret' },
      secretEnv: ['API_TOKEN'],
    }),
    never(),
  );
  assert.equal(res.outcome, 'succeeded');
  assert.deepEqual(res.outputs, { status: 200, body: { method: 'POST', auth: 'Bearer ***', body: 'payload' } });
  const log = readFileSync(logPath, 'utf8');
  assert.match(log, /^> POST http:\/\/127\.0\.0\.1:\d+\/echo\n< HTTP 200 OK\n/);
  assert.match(log, /"auth":"Bearer \*\*\*"/);
  assert.ok(!log.includes('tok-123-secret'));
});

test('a body larger than the output limit succeeds with body null; the log stays bounded', async () => {
  const logPath = join(dir, 'big.log');
  const res = await ex.execute(request(http('/big'), { logPath, maxLogBytes: 1000 }), never());
  assert.equal(res.outcome, 'succeeded');
  assert.deepEqual(res.outputs, { status: 200, body: null });
  const log = readFileSync(logPath, 'utf8');
  assert.match(log, /bytes truncated/);
  assert.match(log, /exceeds the 1048576-byte output limit/);
  assert.ok(Buffer.byteLength(log) < 1200);
});
