/**
 * srpt-dag: `srpt` with Decima's one DAG signal added — prefer the stage that unlocks the most
 * work. Found by the diagnosis of issue 4 (docs/learned-policy.md, "Where the room is"): among
 * fixed scoring rules tried on TRAINING workloads only, adding the share of the job's remaining
 * work that waits on a stage (SchedTask.descendantWorkMs / the job's remainingWorkMs) to the SRPT
 * order was the only change that helped: -1.3% average JCT on continuous TPC-H (4 training seeds,
 * each better), -0.1% / -0.6% on two Alibaba training slices. Nearly all of it comes from the
 * order inside a job (dagWeight 0 gives -1.2% on those TPC-H seeds, 0.3 -1.2%, the linear-rule
 * version -1.3%). On the evaluation sets: -1.1% to -1.7% on
 * every continuous-TPC-H seed, but +0.2% on the Alibaba evaluation jobs.
 *
 * Job order (lowest first): ln(1 + remaining work in cpu-seconds) - dagWeight x min(1, descendant
 * work of the job's head task / remaining work); ties by arrival. Inside a job: most descendant
 * work first, then the longest remaining path, then FIFO. Without descendant facts the order is
 * exactly srpt's: both drivers fill them (core/dag.ts), but the live engine leaves them out of
 * runs over 2,048 tasks whose DAG has shared descendants (the exact count would be too costly).
 * Settings: `dagWeight` (default 0.3, as the learned policy's teacher, teacher.ts).
 */
import { numberSetting, type PolicyFactory } from '../policy.js';
import type { JobInfo, SchedTask } from '../types.js';
import { JobQueuesPolicy } from './weighted-fair.js';

export const srptDag: PolicyFactory = (settings) => {
  const weight = numberSetting(settings, 'dagWeight', 0.3);
  const score = (_running: number, job: JobInfo, head: SchedTask): number => {
    const rem = Math.max(0, job.remainingWorkMs);
    const share = rem > 0 ? Math.min(1, (head.descendantWorkMs ?? 0) / rem) : 0;
    return Math.log1p(rem / 1000) - weight * share;
  };
  return new JobQueuesPolicy('srpt-dag', score,
    (_running, key) => `job key ${key.toFixed(3)}: ln(1 + remaining cpu-s) minus ${weight} x the share of its work that waits on its next stage`,
    (t, k) => ((k.a = -(t.descendantWorkMs ?? 0)), (k.b = -t.bottomLevelMs)));
};
