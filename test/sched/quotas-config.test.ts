// Namespace quotas hold; HEFT placement; switching the policy at run time keeps every task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/sched/scheduler.js';
import { policyNames } from '../../src/sched/registry.js';
import { SeededRng } from '../../src/core/clock.js';
import { task, worker } from './builders.js';

test('quotas are never exceeded and blocked tasks say quota', () => {
  const quotas = { A: { cpu: 3, running: 2 }, B: { memory: 10 } };
  const s = new Scheduler({ policy: 'fifo', quotas });
  s.addWorker(worker('w', { capacity: { cpu: 64, memory: 1000 } }));
  const rng = new SeededRng(7);
  const running = new Map<string, { ns: string; cpu: number; memory: number }>();
  let n = 0;
  for (let round = 0; round < 300; round++) {
    for (let i = 0; i < 3; i++) {
      const ns = ['A', 'B', 'C'][rng.int(3)]!;
      s.enqueue(task(`t${n++}`, { ns, resources: { cpu: 1 + rng.int(2), memory: 1 + rng.int(4) } }));
    }
    for (const p of s.schedule(round).placements) running.set(p.task.key, { ns: p.task.job.namespace, cpu: p.task.resources.cpu!, memory: p.task.resources.memory! });
    const use = (ns: string) => [...running.values()].filter((r) => r.ns === ns);
    assert.ok(use('A').length <= 2 && use('A').reduce((a, r) => a + r.cpu, 0) <= 3, `round ${round}: A over quota`);
    assert.ok(use('B').reduce((a, r) => a + r.memory, 0) <= 10, `round ${round}: B over quota`);
    for (const w of s.waiting()) if (w.task.job.namespace === 'A') assert.equal(w.reason.kind, 'quota');
    for (const k of [...running.keys()]) if (rng.next() < 0.3) (s.release(k), running.delete(k));
  }
  assert.equal(s.waiting().filter((w) => w.task.job.namespace === 'C').length, 0, 'unquoted namespace never waits here');
});

test('quota reason names the resource, limit, usage and request', () => {
  const s = new Scheduler({ policy: 'fifo', quotas: { A: { cpu: 2 } } });
  s.addWorker(worker('w', { capacity: { cpu: 8 } }));
  s.enqueue(task('a1', { ns: 'A', resources: { cpu: 2 } }));
  s.enqueue(task('a2', { ns: 'A', resources: { cpu: 1 } }));
  s.schedule(0);
  assert.deepEqual(s.reasonOf('a2'), { kind: 'quota', namespace: 'A', resource: 'cpu', limit: 2, used: 2, requested: 1 });
});

test('heft: earliest finish on the faster worker, holding for it when it frees up soon', () => {
  const s = new Scheduler({ policy: 'heft' });
  s.addWorker(worker('slow', { capacity: { cpu: 1 }, speed: 1 }));
  s.addWorker(worker('fast', { capacity: { cpu: 1 }, speed: 4 }));
  s.enqueue(task('a', { estimateMs: 400, bottomLevelMs: 10 }));
  assert.deepEqual(s.schedule(0).placements.map((p) => p.workerId), ['fast']); // ends at 100
  s.enqueue(task('b', { estimateMs: 400, bottomLevelMs: 5 })); // slow: 400; fast after a: 100 + 100
  assert.equal(s.schedule(0).placements.length, 0);
  assert.match(JSON.stringify(s.reasonOf('b')), /fast/);
  s.enqueue(task('c', { estimateMs: null, bottomLevelMs: 1 })); // unknown: never held
  assert.deepEqual(s.schedule(1).placements.map((p) => [p.task.key, p.workerId]), [['c', 'slow']]);
  const plain = new Scheduler({ policy: 'heft', settings: { waitForFaster: false } });
  plain.addWorker(worker('slow', { capacity: { cpu: 1 }, speed: 1 }));
  plain.addWorker(worker('fast', { capacity: { cpu: 1 }, speed: 4 }));
  plain.enqueue(task('a', { estimateMs: 400 }));
  plain.enqueue(task('b', { estimateMs: 400 }));
  assert.deepEqual(plain.schedule(0).placements.map((p) => p.workerId), ['fast', 'slow']);
});

test('switching policy and admission mid-stream keeps every queued and placed task', () => {
  const names = policyNames();
  const s = new Scheduler({ policy: 'fifo' });
  s.addWorker(worker('w1', { capacity: { cpu: 3 } }));
  s.addWorker(worker('w2', { capacity: { cpu: 2 } }));
  const all = new Set<string>();
  const done = new Set<string>();
  const placed: string[] = [];
  for (let i = 0; i < 200; i++) {
    const k = `t${i}`;
    all.add(k);
    s.enqueue(task(k, { priority: [10, 50, 100][i % 3]!, ns: `ns${i % 2}`, deadline: i * 7, bottomLevelMs: i % 13 }));
  }
  let last = 'fifo';
  for (let round = 0; s.queuedCount + s.runningCount > 0 && round < 2000; round++) {
    if (round % 3 === 0) {
      last = names[(round / 3) % names.length]!;
      s.configure({ policy: last, admission: (['greedy', 'strict', 'backfill'] as const)[(round / 3) % 3] });
    }
    assert.equal(s.queuedCount + s.runningCount + done.size, all.size, `round ${round}`);
    for (const p of s.schedule(round).placements) placed.push(p.task.key);
    const k = placed.shift();
    if (k !== undefined) (s.release(k), done.add(k));
  }
  for (const k of placed) done.add(k);
  assert.equal(done.size, all.size);
  assert.throws(() => s.configure({ policy: 'nope' }), /unknown scheduling policy 'nope'/);
  assert.throws(() => s.configure({ policy: 'wrr', settings: { levels: 'x' } }), /levels/);
  assert.equal(s.config.policy, last, 'a rejected configuration changes nothing');
  assert.equal(s.policy, last);
});
