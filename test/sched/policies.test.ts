// Each policy's defining order, table-driven: one slot, tasks in, dispatch order out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/sched/scheduler.js';
import { policyNames } from '../../src/sched/registry.js';
import { drain, job, task, worker, type TaskOver } from './builders.js';

interface Case {
  readonly policy: string;
  readonly settings?: Record<string, unknown>;
  readonly tasks: readonly [string, TaskOver][];
  readonly order: readonly string[];
}

const cases: Record<string, Case> = {
  'fifo: readyAt then seq': { policy: 'fifo', tasks: [['b', { readyAt: 5 }], ['a', { readyAt: 1 }], ['c', { readyAt: 5 }]], order: ['a', 'b', 'c'] },
  'priority: strict, fifo inside': { policy: 'priority', tasks: [['l', { priority: 10 }], ['n', { priority: 50 }], ['h2', { priority: 100, readyAt: 9 }], ['h1', { priority: 100, readyAt: 1 }]], order: ['h1', 'h2', 'n', 'l'] },
  'edf: earliest deadline, none last': { policy: 'edf', tasks: [['none', {}], ['late', { deadline: 900 }], ['soon', { deadline: 100 }]], order: ['soon', 'late', 'none'] },
  'sjf: shortest estimate, unknown last': { policy: 'sjf', tasks: [['unk', { estimateMs: null }], ['long', { estimateMs: 500 }], ['short', { estimateMs: 10 }]], order: ['short', 'long', 'unk'] },
  'sjf: unknownEstimateMs setting': { policy: 'sjf', settings: { unknownEstimateMs: 100 }, tasks: [['unk', { estimateMs: null }], ['long', { estimateMs: 500 }], ['short', { estimateMs: 10 }]], order: ['short', 'unk', 'long'] },
  'least-slack: deadline - estimate': {
    policy: 'least-slack',
    // slacks: a 1000-900=100, b 500-100=400, c 300-0=300, d none
    tasks: [['d', {}], ['b', { deadline: 500, estimateMs: 100 }], ['a', { deadline: 1000, estimateMs: 900 }], ['c', { deadline: 300, estimateMs: null }]],
    order: ['a', 'c', 'b', 'd'],
  },
  'critical-path: longest path, then job work': {
    policy: 'critical-path',
    tasks: [['short', { bottomLevelMs: 10 }], ['tieSmallJob', { bottomLevelMs: 50, job: job('small', { remainingWorkMs: 10 }) }], ['tieBigJob', { bottomLevelMs: 50, job: job('big', { remainingWorkMs: 99 }) }], ['long', { bottomLevelMs: 80 }]],
    order: ['long', 'tieBigJob', 'tieSmallJob', 'short'],
  },
  'heft: upward rank': { policy: 'heft', tasks: [['r1', { bottomLevelMs: 1 }], ['r3', { bottomLevelMs: 3 }], ['r2', { bottomLevelMs: 2 }]], order: ['r3', 'r2', 'r1'] },
  // SWRR interleaves: per 10 slots 9 high and 1 normal, the normal one mid-cycle.
  'wrr: 9 of every 10 slots to high': {
    policy: 'wrr',
    tasks: [...Array.from({ length: 12 }, (_, i): [string, TaskOver] => [`h${i}`, { priority: 100 }]), ['n0', { priority: 50 }], ['n1', { priority: 50 }]],
    order: ['h0', 'h1', 'h2', 'h3', 'h4', 'n0', 'h5', 'h6', 'h7', 'h8', 'h9', 'h10', 'h11', 'n1'],
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(name, () => {
    const s = new Scheduler({ policy: c.policy, settings: c.settings ?? {} });
    s.addWorker(worker('w', { capacity: { cpu: 1 } }));
    for (const [k, over] of c.tasks) s.enqueue(task(k, over));
    assert.deepEqual(drain(s), c.order);
  });
}

test('every registered policy drains a mixed queue completely, in every admission mode', () => {
  for (const policy of policyNames()) {
    for (const admission of ['greedy', 'strict', 'backfill'] as const) {
      const s = new Scheduler({ policy, admission });
      s.addWorker(worker('w1', { capacity: { cpu: 2, memory: 4 } }));
      s.addWorker(worker('w2', { capacity: { cpu: 3, memory: 2 }, speed: 2 }));
      const keys: string[] = [];
      for (let i = 0; i < 40; i++) {
        const k = `t${i}`;
        keys.push(k);
        s.enqueue(task(k, { ns: `ns${i % 3}`, job: job(`j${i % 4}`, { namespace: `ns${i % 3}` }), priority: [10, 50, 100][i % 3]!, resources: { cpu: 1 + (i % 2), memory: i % 3 }, deadline: i % 5 ? 1000 * i : null, estimateMs: 100 + i, bottomLevelMs: (i * 37) % 11 }));
      }
      const seen: string[] = [];
      for (let now = 0; now < 500 && s.queuedCount > 0; now++) {
        const r = s.schedule(now);
        assert.equal(r.expired.length, 0);
        for (const p of r.placements) seen.push(p.task.key);
        for (const p of r.placements) s.release(p.task.key);
      }
      assert.deepEqual([...seen].sort(), [...keys].sort(), `${policy}/${admission}`);
    }
  }
});
