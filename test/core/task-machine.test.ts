import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transition, type TaskEvent } from '../../src/core/task-machine.js';
import type { TaskState } from '../../src/core/model.js';
import { DEFAULT_RETRY, retryDelayMs } from '../../src/core/retry.js';

const R2 = { ...DEFAULT_RETRY, max: 2, initialMs: 1000, jitter: 0 };
const ALL: TaskState[] = ['pending', 'ready', 'queued', 'dispatched', 'running', 'succeeded', 'failed', 'retry_wait', 'timed_out', 'lost', 'skipped', 'cancelled', 'compensating', 'compensated'];

// [from, event, expected state or null for illegal, effect kinds]
const TABLE: [TaskState, TaskEvent, TaskState | null, string[]][] = [
  ['pending', { type: 'deps_met' }, 'ready', []],
  ['ready', { type: 'deps_met' }, null, []],
  ['pending', { type: 'skip', reason: 'x' }, 'skipped', []],
  ['ready', { type: 'skip', reason: 'x' }, 'skipped', []],
  ['running', { type: 'skip', reason: 'x' }, null, []],
  ['ready', { type: 'enqueue' }, 'queued', ['enqueue']],
  ['queued', { type: 'dispatch', attempt: 1 }, 'dispatched', ['execute']],
  ['ready', { type: 'dispatch', attempt: 1 }, null, []],
  ['dispatched', { type: 'start' }, 'running', []],
  ['running', { type: 'succeed' }, 'succeeded', ['release']],
  ['queued', { type: 'succeed' }, null, []],
  ['running', { type: 'fail', attempt: 1, retries: R2, u: 0, error: 'e' }, 'retry_wait', ['release', 'retry_after']],
  ['running', { type: 'fail', attempt: 2, retries: R2, u: 0, error: 'e' }, 'retry_wait', ['release', 'retry_after']],
  ['running', { type: 'fail', attempt: 3, retries: R2, u: 0, error: 'e' }, 'failed', ['release']],
  ['running', { type: 'timeout', attempt: 3, retries: R2, u: 0 }, 'timed_out', ['kill', 'release']],
  ['running', { type: 'timeout', attempt: 1, retries: R2, u: 0 }, 'retry_wait', ['kill', 'release', 'retry_after']],
  ['running', { type: 'lose', reason: 'lease' }, 'lost', ['release']],
  ['dispatched', { type: 'lose', reason: 'lease' }, 'lost', ['release']],
  ['queued', { type: 'lose', reason: 'lease' }, null, []],
  ['lost', { type: 'reschedule' }, 'ready', []],
  ['retry_wait', { type: 'retry_due' }, 'ready', []],
  ['running', { type: 'retry_due' }, null, []],
  ['running', { type: 'cancel', reason: 'c' }, 'cancelled', ['kill', 'release']],
  ['queued', { type: 'cancel', reason: 'c' }, 'cancelled', []],
  ['pending', { type: 'cancel', reason: 'c' }, 'cancelled', []],
  ['retry_wait', { type: 'cancel', reason: 'c' }, 'cancelled', []],
  ['succeeded', { type: 'cancel', reason: 'c' }, null, []],
  ['compensating', { type: 'cancel', reason: 'c' }, null, []],
  ['succeeded', { type: 'compensate' }, 'compensating', ['run_compensation']],
  ['failed', { type: 'compensate' }, null, []],
  ['compensating', { type: 'compensated' }, 'compensated', []],
  ['compensating', { type: 'compensate_failed', error: 'e' }, 'failed', []],
  ['pending', { type: 'reject', error: 'bad template' }, 'failed', []],
  ['running', { type: 'reject', error: 'x' }, null, []],
  ['failed', { type: 'reset' }, 'pending', []],
  ['succeeded', { type: 'reset' }, 'pending', []],
  ['running', { type: 'reset' }, null, []],
];

for (const [from, event, to, effects] of TABLE) {
  test(`${from} --${event.type}--> ${to ?? 'illegal'}`, () => {
    const t = transition(from, event);
    if (to === null) {
      assert.equal(t.ok, false);
      if (!t.ok) assert.match(t.reason, new RegExp(`'${event.type}' is not allowed in state '${from}'`));
    } else {
      assert.ok(t.ok);
      if (t.ok) {
        assert.equal(t.state, to);
        assert.deepEqual(t.effects.map((e) => e.kind), effects);
      }
    }
  });
}

test('terminal states accept nothing but reset (and compensate from succeeded)', () => {
  const events: TaskEvent[] = [{ type: 'deps_met' }, { type: 'enqueue' }, { type: 'start' }, { type: 'succeed' }, { type: 'retry_due' }, { type: 'reschedule' }];
  for (const s of ['succeeded', 'failed', 'timed_out', 'skipped', 'cancelled', 'compensated'] as TaskState[]) {
    for (const e of events) assert.equal(transition(s, e).ok, false, `${s} + ${e.type}`);
  }
});

test('every state answers every event with a value, never a throw', () => {
  const events: TaskEvent[] = TABLE.map((r) => r[1]);
  for (const s of ALL) for (const e of events) assert.equal(typeof transition(s, e).ok, 'boolean');
});

test('retry delay: exponential doubles and caps; jitter only shortens; fixed stays', () => {
  const p = { ...DEFAULT_RETRY, max: 10, initialMs: 100, maxMs: 1000, jitter: 0 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(p, n, 0)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(retryDelayMs({ ...p, jitter: 0.5 }, 3, 0.999999), 200);
  assert.equal(retryDelayMs({ ...p, backoff: 'fixed' }, 5, 0), 100);
  const retry = transition('running', { type: 'fail', attempt: 2, retries: { ...p, max: 3 }, u: 0, error: 'x' });
  assert.ok(retry.ok && retry.effects.some((e) => e.kind === 'retry_after' && e.delayMs === 200));
});
