import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HELLO, testServer } from './helpers.js';

/** Opens an SSE stream over real HTTP and collects events until `stop` says enough. */
function sse(port: number, path: string, stop: (events: { event: string; data: any }[]) => boolean): Promise<{ event: string; data: any }[]> {
  return new Promise((resolve, reject) => {
    const req = request({ port, path, headers: { accept: 'text/event-stream' } }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      const events: { event: string; data: any }[] = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
        }
        if (stop(events)) {
          req.destroy();
          resolve(events);
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.end();
  });
}

test('events: an SSE client receives the task and run changes of a run', async () => {
  const s = await testServer();
  try {
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (s.app.server.address() as AddressInfo).port;
    await s.call('POST', '/workflows', { body: { source: HELLO } });
    const id = (await s.call('POST', '/runs', { body: { workflow: 'hello' } })).body.id;
    // A second run's events must not reach a client filtering on the first... submit after subscribing.
    const got = sse(port, `/events?run=${id}`, (ev) => ev.some((e) => e.event === 'run' && e.data.state === 'succeeded'));
    const all = sse(port, '/events', (ev) => ev.filter((e) => e.event === 'run' && e.data.state === 'succeeded').length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    await s.call('POST', `/runs/${id}/retry`, { body: { task: 'a' } }).catch(() => {});
    const events = await got;
    const tasks = events.filter((e) => e.event === 'task');
    assert.ok(tasks.length > 0);
    assert.ok(tasks.every((e) => e.data.runId === id));
    assert.ok(tasks.some((e) => e.data.taskId === 'b' && e.data.state === 'succeeded'), JSON.stringify(tasks));
    assert.ok((await all).length > 0);
  } finally {
    await s.close();
  }
});
