/**
 * Rewards and advantages (Decima, Mao et al. 2019, section 5.3). The reward between two decisions
 * is minus the time-integral of jobs in the system, so the return from time t is
 *   G(t) = -( sum over jobs of |[arrival, finish] ∩ [t, end]|  +  P x deadlines missed after t )
 * in seconds: maximising it minimises average JCT (and misses, weighted by the penalty P; a miss
 * is charged at its deadline, so decisions after a deadline passed are not blamed for it).
 * G(t) is computed from the job intervals directly, at any t.
 *
 * Input-dependent baseline: several rollouts of the same experiment (same arrivals and
 * durations, different sampling) and b(t) = the mean of their G(t) — it removes the variance the
 * arrival sequence causes, which a state-only baseline cannot.
 */
import type { Episode } from './rollout.js';
import type { Objective } from './model-file.js';

export const DEFAULT_OBJECTIVE: Objective = { kind: 'avg-jct', deadlineMissPenaltySec: 0, starvationPenaltySec: 0 };

/** G(t) in seconds for each t of `times` (ascending or not). */
export function returnsAt(ep: Episode, times: ArrayLike<number>, obj: Objective): Float64Array {
  const out = new Float64Array(times.length);
  const n = ep.arrival.length;
  const pen = obj.deadlineMissPenaltySec;
  for (let k = 0; k < times.length; k++) {
    const t = times[k]!;
    let s = 0;
    for (let j = 0; j < n; j++) {
      const f = ep.finish[j]!;
      if (f <= t) continue;
      const a = ep.arrival[j]!;
      s += (f - (a > t ? a : t)) / 1000;
      const d = ep.deadline[j]!;
      if (pen > 0 && d === d && f > d && d > t) s += pen;
    }
    out[k] = -s;
  }
  return out;
}

/**
 * Advantages of every recorded decision of each episode in `group` (rollouts of one experiment):
 * own G(t) minus the mean over the group's G(t).
 */
export function groupAdvantages(group: readonly Episode[], obj: Objective): Float64Array[] {
  return group.map((ep) => {
    const own = returnsAt(ep, ep.time, obj);
    const base = new Float64Array(ep.decisions);
    for (const other of group) {
      const g = other === ep ? own : returnsAt(other, ep.time, obj);
      for (let k = 0; k < ep.decisions; k++) base[k] += g[k]! / group.length;
    }
    for (let k = 0; k < ep.decisions; k++) own[k] -= base[k]!;
    return own;
  });
}

/** Episode reward: G(0) per job (= minus the average time in system, s) — the learning curve's y. */
export function episodeReward(ep: Episode, obj: Objective): number {
  return returnsAt(ep, [0], obj)[0]! / Math.max(1, ep.arrival.length);
}
