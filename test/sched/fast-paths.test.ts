// The simulator's fast paths (enqueueFresh, releaseHandle: a lazy index by key, task-index.ts)
// and the entry protocol of built-in policies (entry-policy.ts) must answer exactly as the plain
// calls: same placements, same wait reasons in the same `waiting()` order, same lookups by key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/clock.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import type { Placement, SchedTask } from '../../src/sched/types.js';
import { task, worker } from './builders.js';

/** One random workload driven through both call styles; every observable compared per round. */
function drive(policy: string, admission: 'greedy' | 'strict' | 'backfill', seed: number): void {
  const plain = new Scheduler({ policy, admission, quotas: { q: { running: 2 } } });
  const fast = new Scheduler({ policy, admission, quotas: { q: { running: 2 } } });
  for (const s of [plain, fast]) for (let i = 0; i < 3; i++) s.addWorker(worker(`w${i}`, { capacity: { cpu: 4 } }));
  const rng = new SeededRng(seed);
  const placed: { t: SchedTask; h: unknown }[] = [];
  const waiting = new Set<string>();
  let n = 0;
  for (let round = 0; round < 60; round++) {
    for (let k = rng.int(4); k > 0; k--) {
      const t = task(`t${n++}`, { ns: rng.next() < 0.3 ? 'q' : 'p', resources: { cpu: 1 + rng.int(3) }, readyAt: round, estimateMs: 1 + rng.int(5), bottomLevelMs: rng.int(9), priority: rng.int(3) });
      plain.enqueue(t);
      fast.enqueueFresh(t);
      waiting.add(t.key);
    }
    if (waiting.size > 0 && rng.next() < 0.2) {
      const key = [...waiting][rng.int(waiting.size)]!;
      plain.remove(key);
      fast.remove(key);
      waiting.delete(key);
    }
    for (let k = rng.int(3); k > 0 && placed.length > 0; k--) {
      const [p] = placed.splice(rng.int(placed.length), 1);
      plain.release(p!.t.key);
      fast.releaseHandle(p!.h, p!.t);
    }
    const a = plain.schedule(round);
    const pa = a.placements.map((p: Placement) => `${p.task.key}@${p.workerId}`);
    const b = fast.schedule(round);
    const pb = b.placements.map((p: Placement) => `${p.task.key}@${p.workerId}`);
    assert.deepEqual(pb, pa, `round ${round} placements`);
    for (const p of b.placements) placed.push({ t: p.task, h: p.handle }), waiting.delete(p.task.key);
    for (const e of b.expired) waiting.delete(e.task.key);
    assert.deepEqual(fast.waiting(), plain.waiting(), `round ${round} waiting`);
    for (const key of waiting) assert.deepEqual(fast.reasonOf(key), plain.reasonOf(key));
    assert.equal(fast.queuedCount, plain.queuedCount);
    assert.equal(fast.runningCount, plain.runningCount);
  }
}

for (const policy of ['fifo', 'sjf', 'critical-path', 'fair', 'weighted-fair', 'priority']) {
  test(`${policy}: enqueueFresh/releaseHandle answer as enqueue/release`, () => {
    for (const admission of ['greedy', 'strict', 'backfill'] as const) for (let seed = 1; seed <= 3; seed++) drive(policy, admission, seed);
  });
}

test('a stale handle falls back to release by key (a no-op once released)', () => {
  const s = new Scheduler({ policy: 'fifo' });
  s.addWorker(worker('w', { capacity: { cpu: 1 } }));
  const a = task('a', { resources: { cpu: 1 } });
  s.enqueueFresh(a);
  const h = s.schedule(0).placements[0]!.handle;
  s.releaseHandle(h, a);
  const b = task('b', { resources: { cpu: 1 } });
  s.enqueueFresh(b); // reuses a's record
  assert.equal(s.schedule(1).placements[0]!.task.key, 'b');
  s.releaseHandle(h, a); // stale: must not release b
  assert.equal(s.runningCount, 1);
  s.enqueue(task('c', { resources: { cpu: 1 } }));
  assert.equal(s.schedule(2).placements.length, 0);
});

test('a policy derived from a built-in one that replaces next() loses the entry protocol (its next() is called)', async () => {
  const { policyFactory } = await import('../../src/sched/registry.js');
  const { entryOpsOf } = await import('../../src/sched/entry-policy.js');
  const ctx = { totalCapacity: () => ({}), eligibleWorkers: () => [], availableAt: () => 0, unknownEstimateMs: 1 };
  for (const name of ['fifo', 'sjf', 'heft', 'fair', 'weighted-fair']) {
    const base = policyFactory(name)({}, ctx);
    assert.notEqual(entryOpsOf(base), null, `${name} offers the entry protocol`);
    assert.equal(entryOpsOf({ ...base, next: () => base.next() }), null, `${name} with its own next()`);
    assert.equal(entryOpsOf({ ...base, enqueue: (t: SchedTask) => base.enqueue(t) }), null, `${name} with its own enqueue()`);
  }
});

test('priority: the entry protocol places, orders and explains exactly as its by-key Policy methods', async () => {
  const { policyFactory, registerPolicy } = await import('../../src/sched/registry.js');
  const { entryOpsOf } = await import('../../src/sched/entry-policy.js');
  const ctx = { totalCapacity: () => ({}), eligibleWorkers: () => [], availableAt: () => 0, unknownEstimateMs: 1 };
  assert.notEqual(entryOpsOf(policyFactory('priority')({}, ctx)), null, 'priority offers the entry protocol');
  // The same policy with its own next(): the Scheduler must use enqueue/remove/next/placed by key.
  registerPolicy('priority-by-key', (settings, c) => {
    const p = policyFactory('priority')(settings, c);
    return {
      name: p.name,
      get size() {
        return p.size;
      },
      queueOf: (t: SchedTask) => p.queueOf(t),
      enqueue: (t: SchedTask) => p.enqueue(t),
      remove: (key: string) => p.remove(key),
      beginRound: (now: number) => p.beginRound(now),
      next: () => p.next(),
      placed: (t: SchedTask, w: string) => p.placed(t, w),
      blockQueue: (q: string) => p.blockQueue(q),
      endRound: () => p.endRound(),
      heads: () => p.heads(),
      allocated: (t: SchedTask, d: 1 | -1) => p.allocated(t, d),
    };
  });
  assert.equal(entryOpsOf(policyFactory('priority-by-key')({}, ctx)), null);
  for (const admission of ['greedy', 'strict', 'backfill'] as const) {
    for (let seed = 1; seed <= 4; seed++) {
      const rng = new SeededRng(seed);
      const byEntry = new Scheduler({ policy: 'priority', admission });
      const byKey = new Scheduler({ policy: 'priority-by-key', admission });
      for (const s of [byEntry, byKey]) for (let i = 0; i < 2; i++) s.addWorker(worker(`w${i}`, { capacity: { cpu: 4 } }));
      const running: SchedTask[] = [];
      const waiting = new Set<string>();
      let n = 0;
      for (let round = 0; round < 50; round++) {
        for (let k = rng.int(5); k > 0; k--) {
          const t = task(`t${n++}`, { resources: { cpu: 1 + rng.int(3) }, readyAt: round, priority: rng.int(3) });
          byEntry.enqueueFresh(t);
          byKey.enqueue(t);
          waiting.add(t.key);
        }
        if (waiting.size > 0 && rng.next() < 0.25) {
          const key = [...waiting][rng.int(waiting.size)]!;
          byEntry.remove(key);
          byKey.remove(key);
          waiting.delete(key);
        }
        for (let k = rng.int(3); k > 0 && running.length > 0; k--) {
          const [t] = running.splice(rng.int(running.length), 1);
          byEntry.release(t!.key);
          byKey.release(t!.key);
        }
        const a = byEntry.schedule(round);
        const pa = a.placements.map((p: Placement) => `${p.task.key}@${p.workerId}`);
        const pb = byKey.schedule(round).placements.map((p: Placement) => `${p.task.key}@${p.workerId}`);
        assert.deepEqual(pa, pb, `${admission} seed ${seed} round ${round} placements`);
        for (const p of a.placements) running.push(p.task), waiting.delete(p.task.key);
        for (const e of a.expired) waiting.delete(e.task.key);
        assert.deepEqual(byEntry.waiting().map((w) => [w.task.key, w.reason]), byKey.waiting().map((w) => [w.task.key, w.reason]));
      }
    }
  }
});
