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
  /** Every worker of the pool is eligible (the usual case): no `states` lookup needed. */
  all: boolean;
  /** The shape's only resource name when it names exactly one (e.g. cpu): fit and score without a for-in. */
  readonly one: string | null;
}

/** Eligible workers per shape, valid for one pool version (rebuilt when workers change). */
export class EligibilityCache {
  readonly #pool: WorkerPool;
  readonly #byShape = new Map<string, Eligibility>();
  #version = -1;
  /** The shape last asked for and its answer (a round mostly sees one shape: no Map lookup). */
  #lastShape = '';
  #lastEl: Eligibility | null = null;

  constructor(pool: WorkerPool) {
    this.#pool = pool;
  }

  get(shape: string, t: SchedTask): Eligibility {
    if (this.#version !== this.#pool.version || this.#byShape.size > 1000) {
      this.#byShape.clear();
      this.#version = this.#pool.version;
      this.#lastEl = null;
    } else if (shape === this.#lastShape && this.#lastEl !== null) return this.#lastEl;
    let el = this.#byShape.get(shape);
    if (!el) {
      const names = Object.keys(t.resources);
      el = { infos: [], states: new Set(), all: true, one: names.length === 1 ? names[0]! : null };
      for (const w of this.#pool.states()) {
        if (!matches(t, w.info) || !fits(t.resources, w.info.capacity)) {
          el.all = false;
          continue;
        }
        el.infos.push(w.info);
        el.states.add(w);
      }
      this.#byShape.set(shape, el);
    }
    this.#lastShape = shape;
    this.#lastEl = el;
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

/** The resources object last asked for and its shape (tasks of a stage come together: no WeakMap lookup). */
let lastResources: Resources | null = null;
let lastShape = '';

export function shapeOf(t: SchedTask): string {
  if (t.pool === null && t.selector === null) {
    const r = t.resources;
    if (r === lastResources) return lastShape;
    let s = plainShapes.get(r);
    if (s === undefined) plainShapes.set(r, (s = shapeKey(t)));
    lastResources = r;
    lastShape = s;
    return s;
  }
  return shapeKey(t);
}

function shapeKey(t: SchedTask): string {
  const sel = t.selector ? Object.keys(t.selector).sort().map((k) => `${k}=${t.selector![k]}`).join(',') : '';
  const res = Object.keys(t.resources).sort().map((k) => `${k}=${t.resources[k]}`).join(',');
  return `${t.pool ?? ''}\u0000${sel}\u0000${res}`;
}
