// Share-based policies: wrr slot split, starvation freedom, DRF convergence, weighted-fair targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/sched/scheduler.js';
import { job, placedKeys, task, worker } from './builders.js';
import { dominantShare } from '../../src/core/resources.js';

/** One slot; both queues always non-empty; counts dispatches per priority over `slots` rounds. */
function wrrSplit(settings: Record<string, unknown>, priorities: number[], slots: number): Map<number, number> {
  const s = new Scheduler({ policy: 'wrr', settings });
  s.addWorker(worker('w', { capacity: { cpu: 1 } }));
  let n = 0;
  const refill = () => {
    for (const p of priorities) while (s.waiting().filter((w) => w.task.priority === p).length < 3) s.enqueue(task(`t${n++}`, { priority: p }));
  };
  const count = new Map<number, number>();
  for (let i = 0; i < slots; i++) {
    refill();
    const r = s.schedule(i);
    assert.equal(r.placements.length, 1);
    const t = r.placements[0]!.task;
    count.set(t.priority, (count.get(t.priority) ?? 0) + 1);
    s.release(t.key);
  }
  return count;
}

test('wrr: 1,000 dispatches under contention split 900/100 (+-1%)', () => {
  const c = wrrSplit({}, [100, 50], 1000);
  assert.ok(Math.abs(c.get(100)! - 900) <= 10, `high ${c.get(100)}`);
  assert.ok(Math.abs(c.get(50)! - 100) <= 10, `normal ${c.get(50)}`);
});

test('wrr: configurable shares and the low level', () => {
  const c = wrrSplit({ shares: { high: 0.7, normal: 0.3 } }, [100, 50], 1000);
  assert.ok(Math.abs(c.get(100)! - 700) <= 10, `high ${c.get(100)}`);
  const three = wrrSplit({}, [100, 50, 10], 1010);
  // defaults 0.9/0.1/0.01: 89.1% / 9.9% / 1.0%
  assert.ok(Math.abs(three.get(100)! - 900) <= 10 && Math.abs(three.get(50)! - 100) <= 10 && Math.abs(three.get(10)! - 10) <= 2, JSON.stringify([...three]));
  const distinct = wrrSplit({ levels: 'distinct', shares: { '7': 3, '3': 1 } }, [7, 3], 1000);
  assert.equal(distinct.get(7), 750);
});

test('wrr: a starved normal queue still progresses while high keeps arriving', () => {
  const s = new Scheduler({ policy: 'wrr' });
  s.addWorker(worker('w', { capacity: { cpu: 2 } }));
  s.enqueue(task('normal', { priority: 50, readyAt: 0 }));
  let started = -1;
  for (let i = 0; i < 50 && started < 0; i++) {
    for (let k = 0; k < 5; k++) s.enqueue(task(`h${i}-${k}`, { priority: 100, readyAt: i }));
    const r = s.schedule(i);
    for (const p of r.placements) {
      if (p.task.key === 'normal') started = i;
      s.release(p.task.key);
    }
  }
  assert.ok(started >= 0 && started <= 5, `normal started in round ${started}`);
});

test('wrr: a waiting normal task explains its share', () => {
  const s = new Scheduler({ policy: 'wrr' });
  s.addWorker(worker('w', { capacity: { cpu: 1 } }));
  for (let i = 0; i < 3; i++) s.enqueue(task(`h${i}`, { priority: 100 }));
  s.enqueue(task('n', { priority: 50 }));
  s.schedule(0);
  const r = s.reasonOf('n');
  assert.equal(r?.kind, 'share');
  assert.equal(r?.kind === 'share' && r.queue, 'normal');
});

test('fair: DRF dominant shares converge across namespaces', () => {
  // Cluster 90 cpu, 180 memory. Namespace A tasks <1 cpu, 4 mem> (memory-dominant),
  // B tasks <3 cpu, 1 mem> (cpu-dominant). DRF equalises dominant shares: A gets x tasks, B y tasks
  // with 4x/180 = 3y/90, 4x + y <= 180, x + 3y <= 90 -> x = 30, y = 20, both shares 2/3.
  const s = new Scheduler({ policy: 'fair' });
  for (let i = 0; i < 3; i++) s.addWorker(worker(`w${i}`, { capacity: { cpu: 30, memory: 60 } }));
  for (let i = 0; i < 200; i++) {
    s.enqueue(task(`a${i}`, { ns: 'A', resources: { cpu: 1, memory: 4 } }));
    s.enqueue(task(`b${i}`, { ns: 'B', resources: { cpu: 3, memory: 1 } }));
  }
  const placed = [...s.schedule(0).placements];
  const alloc = { A: { cpu: 0, memory: 0 }, B: { cpu: 0, memory: 0 } };
  for (const p of placed) {
    const a = alloc[p.task.job.namespace as 'A' | 'B'];
    a.cpu += p.task.resources.cpu!;
    a.memory += p.task.resources.memory!;
  }
  const total = { cpu: 90, memory: 180 };
  const sa = dominantShare(alloc.A, total);
  const sb = dominantShare(alloc.B, total);
  assert.ok(Math.abs(sa - sb) < 0.05, `shares ${sa} vs ${sb}`);
  assert.ok(sa > 0.6, `share ${sa}`);
  // As tasks finish and restart, shares stay together.
  for (let round = 1; round < 50; round++) {
    for (const p of placed.splice(0, 5)) s.release(p.task.key);
    placed.push(...s.schedule(round).placements);
  }
  const again = { A: { cpu: 0, memory: 0 }, B: { cpu: 0, memory: 0 } };
  for (const p of placed) {
    const a = again[p.task.job.namespace as 'A' | 'B'];
    a.cpu += p.task.resources.cpu!;
    a.memory += p.task.resources.memory!;
  }
  assert.ok(Math.abs(dominantShare(again.A, total) - dominantShare(again.B, total)) < 0.05);
});

test('fair: weights scale the dominant share', () => {
  const s = new Scheduler({ policy: 'fair', settings: { weights: { A: 3 } } });
  s.addWorker(worker('w', { capacity: { cpu: 40 } }));
  for (let i = 0; i < 100; i++) {
    s.enqueue(task(`a${i}`, { ns: 'A' }));
    s.enqueue(task(`b${i}`, { ns: 'B' }));
  }
  const ns = s.schedule(0).placements.map((p) => p.task.job.namespace);
  assert.equal(ns.filter((n) => n === 'A').length, 30);
  assert.equal(s.reasonOf('a99')?.kind, 'resources');
});

test('weighted-fair: tasks spread in proportion to remaining work^alpha', () => {
  for (const [alpha, want] of [[1, [30, 10]], [0, [20, 20]]] as const) {
    const s = new Scheduler({ policy: 'weighted-fair', settings: { alpha } });
    s.addWorker(worker('w', { capacity: { cpu: 40 } }));
    const big = job('big', { remainingWorkMs: 3000 });
    const small = job('small', { remainingWorkMs: 1000 });
    for (let i = 0; i < 100; i++) {
      s.enqueue(task(`b${i}`, { job: big }));
      s.enqueue(task(`s${i}`, { job: small }));
    }
    const ids = s.schedule(0).placements.map((p) => p.task.job.id);
    assert.deepEqual([ids.filter((x) => x === 'big').length, ids.filter((x) => x === 'small').length], want, `alpha ${alpha}`);
  }
});

test('srpt: the job with the least remaining work goes first, re-ranked as work finishes', () => {
  const s = new Scheduler({ policy: 'srpt' });
  s.addWorker(worker('w', { capacity: { cpu: 1 } }));
  const big = job('srpt-big', { arrivalAt: 0, remainingWorkMs: 5000 });
  const small = job('srpt-small', { arrivalAt: 10, remainingWorkMs: 2000 });
  for (let i = 0; i < 3; i++) s.enqueue(task(`big${i}`, { job: big }));
  for (let i = 0; i < 2; i++) s.enqueue(task(`small${i}`, { job: small }));
  // The later, smaller job runs first; the big job (earlier arrival) waits for it.
  const order: string[] = [];
  for (let round = 0; round < 10 && s.queuedCount > 0; round++) {
    for (const p of s.schedule(round).placements) {
      order.push(p.task.key);
      // The driver lowers the job's remaining work as its task finishes, then releases.
      (p.task.job as { remainingWorkMs: number }).remainingWorkMs -= 1000;
      s.release(p.task.key);
    }
  }
  assert.deepEqual(order, ['small0', 'small1', 'big0', 'big1', 'big2']);
  // Once the big job has less left than a newcomer, it keeps its place.
  const s2 = new Scheduler({ policy: 'srpt' });
  s2.addWorker(worker('w', { capacity: { cpu: 1 } }));
  s2.enqueue(task('a', { job: job('srpt-a', { remainingWorkMs: 500 }) }));
  s2.enqueue(task('b', { job: job('srpt-b', { remainingWorkMs: 400 }) }));
  assert.deepEqual(placedKeys(s2), ['b']);
});
