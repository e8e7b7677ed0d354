/**
 * Wait reasons, computed lazily. A round records only a small code on the tasks it examined
 * (`Why`) plus one snapshot of the cluster at its end (free vectors, quota usage, queue heads,
 * the reservation); `waiting()` / `reasonOf()` turn those into WaitReason values on demand.
 * So a round with 10,000 waiting tasks that places 5 and stops costs nothing per unexamined task.
 *
 * Resource shortfall: over the workers that match the task and could ever hold it, the one with
 * the smallest normalised shortfall (sum over resources of missing / capacity), and that
 * worker's missing amounts: the nearest the task is to starting.
 */
import { fits, formatResources, shortfall, type Resources } from '../core/resources.js';
import type { WaitReason } from '../core/wait-reason.js';
import type { Reservation } from './backfill.js';
import type { QuotaBook, Usage } from './quotas.js';
import type { AdmissionMode, SchedTask, WorkerInfo } from './types.js';
import { matches } from './workers.js';

export enum Why {
  NotExamined = 0,
  Resources = 1,
  Quota = 2,
  Unschedulable = 3,
  HeadOfLine = 4,
  Reservation = 5,
  Held = 6,
}

export interface RoundState {
  readonly round: number;
  readonly now: number;
  /** Tasks enqueued with a number >= mark arrived after this round. */
  readonly mark: number;
  readonly admission: AdmissionMode;
  readonly policy: string;
  readonly free: ReadonlyMap<string, Resources>;
  readonly workers: readonly WorkerInfo[];
  readonly usage: ReadonlyMap<string, Usage>;
  /** Strict admission: queue -> key of its head after the round. */
  readonly heads: ReadonlyMap<string, string>;
  readonly reservation: Reservation | null;
  readonly capacityExhausted: boolean;
}

export interface Examined {
  readonly task: SchedTask;
  readonly enq: number;
  round: number;
  why: Why;
  detail: string;
}

const ZERO: Usage = { cpu: 0, memory: 0, running: 0 };

export function explainWait(e: Examined, s: RoundState | null, quotas: QuotaBook, queueOf: (t: SchedTask) => string, policyExplain?: (t: SchedTask) => WaitReason | null): WaitReason {
  if (!s) return { kind: 'policy', detail: 'not yet considered: no scheduling round has run' };
  if (e.enq >= s.mark) return { kind: 'policy', detail: 'not yet considered: queued after the last scheduling round' };
  const t = e.task;
  const unsched = unschedulable(t, s.workers);
  if (unsched) return unsched;
  if (e.round === s.round) {
    switch (e.why) {
      case Why.Resources:
        return resources(t, s);
      case Why.Quota:
        return quota(t, s, quotas) ?? { kind: 'policy', detail: 'quota was full during the last round' };
      case Why.HeadOfLine:
        return { kind: 'head_of_line', head: s.heads.get(queueOf(t)) ?? '(gone)' };
      case Why.Reservation:
        return { kind: 'reservation', head: s.reservation?.head.key ?? '(gone)', reservedStart: s.reservation?.start ?? s.now };
      case Why.Held:
        return { kind: 'policy', detail: e.detail };
      default:
        break;
    }
  }
  if (s.admission === 'strict') {
    const head = s.heads.get(queueOf(t));
    if (head !== undefined && head !== t.key) return { kind: 'head_of_line', head };
    if (head === t.key) return quota(t, s, quotas) ?? resources(t, s);
  }
  const q = quota(t, s, quotas);
  if (q) return q;
  const p = policyExplain?.(t);
  if (p) return p;
  // Not examined because the round stopped early: if it does not fit in what is free on any
  // worker, resources are what it waits for (whatever its rank), and the shortfall says how much.
  const r = resources(t, s);
  if (r.kind === 'resources') return r;
  const why = s.capacityExhausted ? 'capacity ran out before it was reached' : 'it was not reached';
  return { kind: 'policy', detail: `ranked behind other tasks by ${s.policy}; ${why}` };
}

export function unschedulable(t: SchedTask, workers: readonly WorkerInfo[]): WaitReason | null {
  let matching = 0;
  let biggest: WorkerInfo | null = null;
  for (const w of workers) {
    if (!matches(t, w)) continue;
    matching++;
    if (fits(t.resources, w.capacity)) return null;
    biggest ??= w;
  }
  if (matching === 0) {
    const sel = t.selector ? ` with labels ${JSON.stringify(t.selector)}` : '';
    return { kind: 'unschedulable', detail: `no worker${t.pool !== null ? ` in pool '${t.pool}'` : ''}${sel} (${workers.length} workers)` };
  }
  return { kind: 'unschedulable', detail: `needs ${formatResources(t.resources)}, more than the total capacity of every matching worker (e.g. ${biggest!.id}: ${formatResources(biggest!.capacity)})` };
}

function resources(t: SchedTask, s: RoundState): WaitReason {
  let best: { missing: Record<string, number>; score: number; worker: string } | null = null;
  for (const w of s.workers) {
    if (!matches(t, w) || !fits(t.resources, w.capacity)) continue;
    const missing = shortfall(t.resources, s.free.get(w.id) ?? w.capacity);
    let score = 0;
    for (const k in missing) score += missing[k]! / (w.capacity[k] ?? 1);
    if (!best || score < best.score) best = { missing, score, worker: w.id };
  }
  if (!best || best.score === 0) return { kind: 'policy', detail: 'resources were short during the last round' };
  return { kind: 'resources', missing: best.missing, worker: best.worker };
}

function quota(t: SchedTask, s: RoundState, quotas: QuotaBook): WaitReason | null {
  const v = quotas.violation(t, s.usage.get(t.job.namespace) ?? ZERO);
  return v ? { kind: 'quota', ...v } : null;
}
