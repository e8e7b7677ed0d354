/**
 * The state of a `foreach` group (the task a fan-out expanded from), derived from the states of
 * its instances: a pure aggregate, so a group never needs its own attempts.
 *
 *   any instance not settled                      -> null (still running)
 *   every instance succeeded (or none exist)      -> succeeded
 *   any failed or timed out                       -> failed
 *   otherwise any cancelled                       -> cancelled
 *   otherwise (some skipped, rest succeeded)      -> succeeded
 */
import type { TaskState } from './model.js';
import { isSettled } from './task-machine.js';

export function groupOutcome(instanceStates: Iterable<TaskState>): TaskState | null {
  let failed = false;
  let cancelled = false;
  for (const s of instanceStates) {
    if (!isSettled(s)) return null;
    if (s === 'failed' || s === 'timed_out') failed = true;
    else if (s === 'cancelled') cancelled = true;
  }
  return failed ? 'failed' : cancelled ? 'cancelled' : 'succeeded';
}
