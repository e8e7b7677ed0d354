/**
 * srpt: shortest remaining job work first — the job whose unfinished tasks add up to the least
 * work (`JobInfo.remainingWorkMs`, estimate x cores) runs first; inside a job the longest
 * remaining path first, then FIFO; ties between jobs by earlier arrival. The classic optimum for
 * average completion time on one machine (Schrage 1968), applied to jobs of parallel tasks; on the
 * real workloads it beats every other registered heuristic on average JCT (docs/policies.md), at
 * the price of starving large jobs under sustained load — `weighted-fair` with a negative alpha
 * is the fair-er version of the same idea. It is also the teacher the learned policy imitates.
 * A job's key is refreshed on each enqueue, placement and release of its tasks (the events on
 * which the driver updates remainingWorkMs).
 */
import type { PolicyFactory } from '../policy.js';
import { JobQueuesPolicy } from './weighted-fair.js';

export const srpt: PolicyFactory = () =>
  new JobQueuesPolicy('srpt', (_running, job) => job.remainingWorkMs, (running, score) => `job holds ${running} tasks and has ${Math.round(score)} ms of work left`);
