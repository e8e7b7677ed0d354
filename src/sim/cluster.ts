/**
 * Builds the simulated workers: the workload's recorded cluster, `--executors N` workers of the
 * workload's worker shape, or a cluster of a given number of cores (`--load` with trace arrivals)
 * made of whole workers plus one partial worker holding the remainder, so the capacity is exact.
 * `speeds` (optional) are cycled over the workers to make them heterogeneous.
 */
import type { Resources } from '../core/resources.js';
import type { WorkerInfo } from '../sched/types.js';
import type { WorkerGroup } from './workload.js';

export function workersFromGroups(groups: readonly WorkerGroup[], speeds?: readonly number[]): WorkerInfo[] {
  const out: WorkerInfo[] = [];
  for (const g of groups) {
    for (let i = 0; i < g.count; i++) {
      out.push({
        id: `${g.namePrefix ?? 'w'}-${out.length}`,
        pool: g.pool ?? 'default',
        capacity: g.capacity,
        speed: g.speed,
        labels: {},
      });
    }
  }
  return withSpeeds(out, speeds);
}

export function workersOfShape(count: number, shape: Resources, speeds?: readonly number[]): WorkerInfo[] {
  return workersFromGroups([{ count, capacity: shape, speed: 1, namePrefix: 'w' }], speeds);
}

/**
 * Workers of `shape` totalling `cores` cpu (rounded up to a whole core); the last one is scaled
 * down on every dimension. Never smaller than one whole worker (every task of a workload fits one).
 */
export function workersForCores(cores: number, shape: Resources, speeds?: readonly number[]): WorkerInfo[] {
  const per = shape['cpu'] ?? 1;
  const total = Math.max(per, Math.ceil(cores));
  const whole = Math.floor(total / per);
  const rest = total - whole * per;
  const groups: WorkerGroup[] = [{ count: whole, capacity: shape, speed: 1, namePrefix: 'w' }];
  if (rest > 0) {
    const part: Record<string, number> = {};
    for (const k in shape) part[k] = (shape[k]! * rest) / per;
    groups.push({ count: 1, capacity: part, speed: 1, namePrefix: 'w' });
  }
  return workersFromGroups(groups, speeds);
}

function withSpeeds(ws: WorkerInfo[], speeds?: readonly number[]): WorkerInfo[] {
  if (speeds === undefined || speeds.length === 0) return ws;
  return ws.map((w, i) => ({ ...w, speed: speeds[i % speeds.length]! }));
}

/** Sum of cpu x speed: the capacity the load and lower-bound arithmetic use. */
export function effectiveCores(ws: readonly WorkerInfo[]): number {
  let c = 0;
  for (const w of ws) c += (w.capacity['cpu'] ?? 1) * w.speed;
  return c;
}
