/**
 * fifo: tasks in the order they became ready (readyAt, then seq). No settings.
 * With strict admission this is "strict FIFO": a blocked head holds back every task.
 */
import { FIFO_KEY } from '../ordered-queue.js';
import type { PolicyFactory } from '../policy.js';
import { singleQueuePolicy } from '../single-queue.js';

export const fifo: PolicyFactory = () => singleQueuePolicy('fifo', FIFO_KEY);
