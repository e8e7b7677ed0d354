// isTerminal / isSettled (core/task-machine.ts) agree with TERMINAL_TASK_STATES for every state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TERMINAL_TASK_STATES, type TaskState } from '../../src/core/model.js';
import { isSettled, isTerminal } from '../../src/core/task-machine.js';

const ALL: readonly TaskState[] = [
  'pending', 'ready', 'queued', 'dispatched', 'running', 'succeeded', 'failed', 'retry_wait', 'timed_out', 'lost', 'skipped',
  'cancelled', 'compensating', 'compensated',
];

test('isTerminal is TERMINAL_TASK_STATES; isSettled adds compensating', () => {
  for (const s of ALL) {
    assert.equal(isTerminal(s), TERMINAL_TASK_STATES.has(s), s);
    assert.equal(isSettled(s), TERMINAL_TASK_STATES.has(s) || s === 'compensating', s);
  }
  assert.equal(isTerminal('unknown' as TaskState), false);
});
