/**
 * Worker state and resource accounting: capacity, free vector, and the tasks placed on each
 * worker with their estimated ends (placement time + estimate / speed). Placements are accounted
 * the moment they are made; `release` gives the resources back.
 *
 * Invariant: for every worker, free = capacity - sum(resources of tasks placed on it).
 * A placed task whose worker was removed keeps its record until released (the driver reports it
 * lost and releases it); releasing it then touches no worker.
 */
import { addInto, fits, type Resources } from '../core/resources.js';
import type { SchedTask, WorkerInfo } from './types.js';

export interface PlacedTask {
  readonly task: SchedTask;
  readonly workerId: string;
  readonly startAt: number;
  /** Estimated end (ms); unknown estimates use the configured `unknownEstimateMs`. */
  readonly estEnd: number;
}

export interface WorkerState {
  readonly info: WorkerInfo;
  readonly free: Record<string, number>;
  readonly placed: Set<PlacedTask>;
  /** Position in pool order (Map insertion order: a re-added id keeps its place). */
  readonly order: number;
  /** Scheduler's room index: can hold the current demand floor (see room.ts). */
  roomy: boolean;
  /** Free grew since the room index last looked (queued in `takeGrown`). */
  grown: boolean;
  /** `placed` sorted by estimated end (stable), cached until the next place/release here. */
  byEnd: PlacedTask[] | null;
}

export class WorkerPool {
  readonly #workers = new Map<string, WorkerState>();
  readonly #placed = new Map<string, PlacedTask>();
  #total: Record<string, number> = {};
  #nextOrder = 0;
  /** Bumped on add/remove: anything cached per worker set is stale. */
  version = 0;
  readonly #grown: WorkerState[] = [];
  readonly #scratch: Record<string, number> = {};

  get size(): number {
    return this.#workers.size;
  }

  get placedCount(): number {
    return this.#placed.size;
  }

  add(info: WorkerInfo): void {
    const old = this.#workers.get(info.id);
    const free: Record<string, number> = { ...info.capacity };
    const placed = new Set<PlacedTask>();
    if (old) for (const p of old.placed) { addInto(free, p.task.resources, -1); placed.add(p); }
    this.#workers.set(info.id, { info, free, placed, order: old ? old.order : this.#nextOrder++, roomy: false, grown: false, byEnd: null });
    this.version++;
    this.#recomputeTotal();
  }

  remove(id: string): void {
    if (this.#workers.delete(id)) this.version++, this.#recomputeTotal();
  }

  /** Workers whose free vector grew (release) since the last call; the list is reused. */
  takeGrown(out: WorkerState[]): WorkerState[] {
    if (out.length > 0) out.length = 0;
    if (this.#grown.length === 0) return out;
    for (const w of this.#grown) (w.grown = false), out.push(w);
    this.#grown.length = 0;
    return out;
  }

  get(id: string): WorkerState | undefined {
    return this.#workers.get(id);
  }

  states(): IterableIterator<WorkerState> {
    return this.#workers.values();
  }

  infos(): WorkerInfo[] {
    return [...this.#workers.values()].map((w) => w.info);
  }

  total(): Resources {
    return this.#total;
  }

  placedTask(key: string): PlacedTask | undefined {
    return this.#placed.get(key);
  }

  placedTasks(): IterableIterator<PlacedTask> {
    return this.#placed.values();
  }

  place(task: SchedTask, workerId: string, now: number, unknownEstimateMs: number): PlacedTask {
    const w = this.#workers.get(workerId)!;
    const est = task.estimateMs ?? unknownEstimateMs;
    const p: PlacedTask = { task, workerId, startAt: now, estEnd: now + est / w.info.speed };
    addInto(w.free, task.resources, -1);
    w.placed.add(p);
    w.byEnd = null;
    this.#placed.set(task.key, p);
    return p;
  }

  release(key: string): PlacedTask | undefined {
    const p = this.#placed.get(key);
    if (!p) return undefined;
    this.#placed.delete(key);
    const w = this.#workers.get(p.workerId);
    if (w && w.placed.delete(p)) {
      w.byEnd = null;
      addInto(w.free, p.task.resources, 1);
      if (!w.grown) (w.grown = true), this.#grown.push(w);
    }
    return p;
  }

  /**
   * Earliest time `demand` fits on the worker if nothing else is placed there, walking its
   * placed tasks by estimated end. An end already in the past (the task overran its estimate)
   * counts as `now`: we know no better. Infinity when the capacity can never hold it.
   */
  availableAt(workerId: string, demand: Resources, now: number): { at: number; freeAt: Record<string, number> } {
    const w = this.#workers.get(workerId);
    if (!w || !fits(demand, w.info.capacity)) return { at: Number.POSITIVE_INFINITY, freeAt: {} };
    const free: Record<string, number> = { ...w.free };
    if (fits(demand, free)) return { at: now, freeAt: free };
    for (const p of byEnd(w)) {
      addInto(free, p.task.resources, 1);
      if (fits(demand, free)) return { at: Math.max(now, p.estEnd), freeAt: free };
    }
    return { at: Number.POSITIVE_INFINITY, freeAt: free };
  }

  /**
   * `availableAt(...).at` without allocating: a reused scratch vector (a key set to 0 reads as a
   * missing one) and the cached end order. HEFT asks this for every busy faster worker for each
   * task it places; the copies and sorts were most of its 24 µs per dispatched task.
   */
  earliestAt(workerId: string, demand: Resources, now: number): number {
    const w = this.#workers.get(workerId);
    if (!w || !fits(demand, w.info.capacity)) return Number.POSITIVE_INFINITY;
    if (fits(demand, w.free)) return now;
    const free = this.#scratch;
    for (const k in free) free[k] = 0;
    for (const k in w.free) free[k] = w.free[k]!;
    for (const p of byEnd(w)) {
      addInto(free, p.task.resources, 1);
      if (fits(demand, free)) return Math.max(now, p.estEnd);
    }
    return Number.POSITIVE_INFINITY;
  }

  #recomputeTotal(): void {
    const t: Record<string, number> = {};
    for (const w of this.#workers.values()) addInto(t, w.info.capacity);
    this.#total = t;
  }
}

function byEnd(w: WorkerState): PlacedTask[] {
  return (w.byEnd ??= [...w.placed].sort((x, y) => x.estEnd - y.estEnd));
}

/** Pool and selector match (capacity aside). */
export function matches(task: SchedTask, w: WorkerInfo): boolean {
  if (task.pool !== null && task.pool !== w.pool) return false;
  const sel = task.selector;
  if (sel) for (const k in sel) if (w.labels[k] !== sel[k]) return false;
  return true;
}
