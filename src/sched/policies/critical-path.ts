/**
 * critical-path: the task with the longest remaining path to the end of its job
 * (`bottomLevelMs`) first; among equals, the job with more remaining work; then FIFO.
 * The job's remaining work is read when the task is enqueued (heap keys must not change while
 * queued); it only shrinks as the job progresses, so the snapshot errs towards older tasks.
 * No settings.
 */
import type { PolicyFactory } from '../policy.js';
import { singleQueuePolicy } from '../single-queue.js';

export const criticalPath: PolicyFactory = () => singleQueuePolicy('critical-path', (t, k) => ((k.a = -t.bottomLevelMs), (k.b = -t.job.remainingWorkMs)));
