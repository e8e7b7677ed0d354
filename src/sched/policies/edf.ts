/**
 * edf: earliest absolute deadline first; tasks without a deadline last; FIFO among equals.
 * The key is the absolute deadline, so it is static while the task waits. No settings.
 */
import type { PolicyFactory } from '../policy.js';
import { deadlineKey, singleQueuePolicy } from '../single-queue.js';

export const edf: PolicyFactory = () => singleQueuePolicy('edf', (t, k) => ((k.a = deadlineKey(t)), (k.b = 0)));
