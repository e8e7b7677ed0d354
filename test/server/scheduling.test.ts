import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from './helpers.js';

const THREE = `name: three
tasks:
  a:
    run: sleep 0.8
  b:
    run: "true"
  c:
    needs: [a]
    run: "true"
`;

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('scheduling: /queues shows every waiting task with its reason; the policy switches at run time without losing tasks', async () => {
  const s = await testServer({ concurrency: 1 });
  try {
    await s.call('POST', '/workflows', { body: { source: THREE } });
    const id = (await s.call('POST', '/runs', { body: { workflow: 'three' } })).body.id;
    const q = await until(async () => {
      const r = (await s.call('GET', '/queues')).body;
      return r.waiting.length >= 2 && r.running === 1 ? r : undefined;
    }, 'one running and two waiting');
    const byTask = new Map(q.waiting.map((w: any) => [w.task, w]));
    const waitingB = byTask.get('b') as any;
    const waitingC = byTask.get('c') as any;
    assert.ok(waitingB && waitingC, JSON.stringify(q));
    // The only slot is taken: the scheduler says so (not enough slots), or that capacity ran out
    // before the policy reached it; either way a reason, never silence.
    assert.ok(['resources', 'policy'].includes(waitingB.reason.kind), JSON.stringify(waitingB.reason));
    assert.ok(waitingB.reasonText.length > 0);
    assert.deepEqual(waitingC.reason, { kind: 'dependency', waitingOn: ['a'] });
    assert.deepEqual(q.depth, [{ priority: 50, queued: 1 }]);
    const run = (await s.call('GET', `/runs/${id}`)).body;
    assert.equal(run.tasks.find((t: any) => t.id === 'b').reason.kind, waitingB.reason.kind);

    const workers = (await s.call('GET', '/workers')).body.workers;
    assert.equal(workers[0].allocated.slots, 1);
    assert.equal(workers[0].use.slots, 1);

    assert.equal((await s.call('GET', '/policy')).body.policy, 'priority');
    const put = await s.call('PUT', '/policy', { body: { policy: 'fifo', admission: 'greedy' } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.policy, 'fifo');
    assert.ok(put.body.available.includes('wrr'));
    assert.equal((await s.call('GET', '/policy')).body.policy, 'fifo');
    assert.match((await s.call('GET', '/metrics')).body, /kairos_scheduler_policy\{policy="fifo"\} 1/);

    const bad = await s.call('PUT', '/policy', { body: { policy: 'no-such' } });
    assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.field], [400, 'POLICY_UNKNOWN', 'policy']);
    assert.match(bad.body.error.message, /fifo.*wrr|priority/);

    const done = await s.app.kairos.engine.wait(id);
    assert.equal(done.state, 'succeeded', 'every task ran after the switch');
  } finally {
    await s.close();
  }
});
