/**
 * Placement helpers of the framework: task shapes (pool, selector and demand: tasks of one
 * shape fit or fail together within a round), the per-shape cache of eligible workers, and the
 * default Score point (best fit).
 */
import { fits, type Resources } from '../core/resources.js';
import type { PlacementOption } from './policy.js';
import type { SchedTask, WorkerInfo } from './types.js';
import { matches, type WorkerPool, type WorkerState } from './workers.js';

/** Workers that match a shape and whose capacity could ever hold it, in pool order. */
export interface Eligibility {
  readonly infos: WorkerInfo[];
  readonly states: Set<WorkerState>;
}

/** Eligible workers per shape, valid for one pool version (rebuilt when workers change). */
export class EligibilityCache {
  readonly #pool: WorkerPool;
  readonly #byShape = new Map<string, Eligibility>();
  #version = -1;

  constructor(pool: WorkerPool) {
    this.#pool = pool;
  }

  get(shape: string, t: SchedTask): Eligibility {
    if (this.#version !== this.#pool.version || this.#byShape.size > 1000) {
      this.#byShape.clear();
      this.#version = this.#pool.version;
    }
    let el = this.#byShape.get(shape);
    if (!el) {
      el = { infos: [], states: new Set() };
      for (const w of this.#pool.states()) {
        if (!matches(t, w.info) || !fits(t.resources, w.info.capacity)) continue;
        el.infos.push(w.info);
        el.states.add(w);
      }
      this.#byShape.set(shape, el);
    }
    return el;
  }
}

/** best-fit: the worker left with the least normalised free room on the task's resources. */
export function bestFitIndex(placement: 'best-fit' | 'first-fit', t: SchedTask, options: readonly PlacementOption[]): number {
  if (placement === 'first-fit' || options.length === 1) return 0;
  let best = 0;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let i = 0; i < options.length; i++) {
    const { worker, free } = options[i]!;
    let score = 0;
    for (const k in t.resources) score += ((free[k] ?? 0) - t.resources[k]!) / (worker.capacity[k] || 1);
    if (score < bestScore) (bestScore = score), (best = i);
  }
  return best;
}

/** Shape strings of pool-less, selector-less tasks, per resources object (drivers share them per stage). */
const plainShapes = new WeakMap<Resources, string>();

export function shapeOf(t: SchedTask): string {
  if (t.pool === null && t.selector === null) {
    let s = plainShapes.get(t.resources);
    if (s === undefined) plainShapes.set(t.resources, (s = shapeKey(t)));
    return s;
  }
  return shapeKey(t);
}

function shapeKey(t: SchedTask): string {
  const sel = t.selector ? Object.keys(t.selector).sort().map((k) => `${k}=${t.selector![k]}`).join(',') : '';
  const res = Object.keys(t.resources).sort().map((k) => `${k}=${t.resources[k]}`).join(',');
  return `${t.pool ?? ''}\u0000${sel}\u0000${res}`;
}
