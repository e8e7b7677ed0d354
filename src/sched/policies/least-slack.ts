/**
 * least-slack: smallest slack first, slack = deadline - now - estimate. `now` shifts every
 * task's slack by the same amount, so the order is the static key `deadline - estimate` and
 * the heap never needs re-keying. Tasks without a deadline go last (by FIFO); a task with no
 * estimate counts its runtime as `unknownEstimateMs` (default 0: its slack is its time to deadline).
 */
import { numberSetting, type PolicyFactory } from '../policy.js';
import { singleQueuePolicy } from '../single-queue.js';

export const leastSlack: PolicyFactory = (settings) => {
  const unknown = numberSetting(settings, 'unknownEstimateMs', 0);
  return singleQueuePolicy('least-slack', (t, k) => ((k.a = t.deadline === null ? Number.POSITIVE_INFINITY : t.deadline - (t.estimateMs ?? unknown)), (k.b = 0)));
};
