/**
 * heft (Topcuoglu et al. 2002, online form): tasks by upward rank first (`bottomLevelMs`, the
 * longest estimated path to the end of the job including the task), FIFO among equals; each is
 * placed on the worker where it would finish earliest, EFT = (when the worker can hold it) +
 * estimate / speed.
 *
 * Workers where the task fits now start it at `now`. A faster worker that is busy counts too:
 * when it frees up (by placed tasks' estimated ends) early enough to beat every worker free now,
 * the task is held this round (wait reason `policy`, naming that worker) rather than started
 * slowly — the defining trade of HEFT on heterogeneous workers.
 * Settings: `waitForFaster` (default true): set false to only choose among workers free now.
 * A task without an estimate is never held; it goes to the fastest worker free now.
 */
import type { PlacementChoice, PlacementOption, PolicyContext, PolicyFactory } from '../policy.js';
import { singleQueuePolicy } from '../single-queue.js';
import type { SchedTask } from '../types.js';

export const heft: PolicyFactory = (settings, ctx) => {
  const wait = settings.waitForFaster ?? true;
  if (typeof wait !== 'boolean') throw new TypeError(`heft setting 'waitForFaster' must be a boolean`);
  // A busy faster worker can take one held task when it frees up: once a task is held for it,
  // it is claimed for the rest of the round. This bounds holds per round by the worker count
  // (unbounded, a full cluster made every round test all 10,000 tasks: 7 ms per dispatch).
  const claimed = new Set<string>();
  const base = singleQueuePolicy('heft', (t, k) => ((k.a = -t.bottomLevelMs), (k.b = 0)));
  return {
    ...base,
    get size() {
      return base.size;
    },
    beginRound: (now) => {
      claimed.clear();
      base.beginRound(now);
    },
    choosePlacement: (t, options, now) => earliestFinish(t, options, now, wait, ctx, claimed),
  };
};

function earliestFinish(t: SchedTask, options: readonly PlacementOption[], now: number, waitForFaster: boolean, ctx: PolicyContext, claimed: Set<string>): PlacementChoice {
  const est = t.estimateMs ?? 1;
  let best = 0;
  let bestEft = Number.POSITIVE_INFINITY;
  for (let i = 0; i < options.length; i++) {
    const eft = now + est / options[i]!.worker.speed;
    if (eft < bestEft) (bestEft = eft), (best = i);
  }
  if (!waitForFaster || t.estimateMs === null) return { index: best };
  const bestSpeed = options[best]!.worker.speed;
  let wait: { id: string; speed: number; at: number; eft: number } | null = null;
  for (const w of ctx.eligibleWorkers(t)) {
    if (w.speed <= bestSpeed || claimed.has(w.id)) continue;
    // eft > now + est / speed (at > now), so a worker whose bound is not below the best so far
    // cannot win; skipping it saves the availableAt walk and changes no choice.
    if (now + est / w.speed >= (wait?.eft ?? bestEft)) continue;
    const at = ctx.availableAt(w.id, t.resources, now);
    // at === now: it fits there now but the framework excluded it (backfill reservation).
    if (at <= now || at === Number.POSITIVE_INFINITY) continue;
    const eft = at + est / w.speed;
    if (eft < (wait?.eft ?? bestEft)) wait = { id: w.id, speed: w.speed, at, eft };
  }
  if (wait) {
    claimed.add(wait.id);
    return { hold: `heft: finishes earliest on ${wait.id} (speed ${wait.speed}) once it frees up at ${wait.at}, by ${Math.round(wait.eft)} vs ${Math.round(bestEft)} now` };
  }
  return { index: best };
}
