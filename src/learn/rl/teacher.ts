/**
 * The heuristic the network starts from (the imitation target, and the prior of residual
 * models): `srpt-dag` (src/sched/policies/srpt-dag.ts) — shortest remaining job work first, with
 * each job's key lowered by DAG_WEIGHT x the share of its remaining work that waits on the
 * candidate stage, so inside a job the stage unlocking the most work goes first; then the longest
 * remaining path, then the oldest task; ties between jobs by earlier arrival. On the training
 * workloads it beat plain job-SRPT by 0.1-1.3% average JCT and `weighted-fair:alpha=-1` by 5-22%
 * (docs/learned-policy.md). Deadlines: when a candidate's deadline can still be met but only just
 * (slack in [0, URGENT_SLACK_MS)), least slack goes first.
 */
import { DAG_WEIGHT, type CandidateView } from './features.js';
import type { SchedTask } from '../../sched/types.js';

/** Slack (ms) under which a deadline task pre-empts the SRPT order. */
export const URGENT_SLACK_MS = 60_000;

export function teacherIndex(c: readonly CandidateView[], n: number, now: number): number {
  let best = -1;
  let bestSlack = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = c[i]!.head;
    if (t.deadline === null) continue;
    const slack = t.deadline - now - t.bottomLevelMs;
    if (slack >= 0 && slack < URGENT_SLACK_MS && slack < bestSlack) (bestSlack = slack), (best = i);
  }
  if (best >= 0) return best;
  best = 0;
  let kb = key(c[0]!.head);
  for (let i = 1; i < n; i++) {
    const k = key(c[i]!.head);
    if (k < kb || (k === kb && better(c[i]!.head, c[best]!.head))) (best = i), (kb = k);
  }
  return best;
}

/** srpt-dag's key: ln(1 + remaining cpu-s) - DAG_WEIGHT x min(1, descendant work / remaining work). */
export function teacherKey(t: SchedTask): number {
  const rem = Math.max(0, t.job.remainingWorkMs);
  const share = rem > 0 ? Math.min(1, (t.descendantWorkMs ?? 0) / rem) : 0;
  return Math.log1p(rem / 1000) - DAG_WEIGHT * share;
}
const key = teacherKey;

function better(a: SchedTask, b: SchedTask): boolean {
  if (a.job !== b.job && a.job.arrivalAt !== b.job.arrivalAt) return a.job.arrivalAt < b.job.arrivalAt;
  if ((a.descendantWorkMs ?? 0) !== (b.descendantWorkMs ?? 0)) return (a.descendantWorkMs ?? 0) > (b.descendantWorkMs ?? 0);
  if (a.bottomLevelMs !== b.bottomLevelMs) return a.bottomLevelMs > b.bottomLevelMs;
  return a.seq < b.seq;
}
