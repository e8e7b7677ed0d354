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
}

export class WorkerPool {
  readonly #workers = new Map<string, WorkerState>();
  readonly #placed = new Map<string, PlacedTask>();
  #total: Record<string, number> = {};

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
    this.#workers.set(info.id, { info, free, placed });
    this.#recomputeTotal();
  }

  remove(id: string): void {
    if (this.#workers.delete(id)) this.#recomputeTotal();
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
    this.#placed.set(task.key, p);
    return p;
  }

  release(key: string): PlacedTask | undefined {
    const p = this.#placed.get(key);
    if (!p) return undefined;
    this.#placed.delete(key);
    const w = this.#workers.get(p.workerId);
    if (w && w.placed.delete(p)) addInto(w.free, p.task.resources, 1);
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
    const ends = [...w.placed].sort((x, y) => x.estEnd - y.estEnd);
    for (const p of ends) {
      addInto(free, p.task.resources, 1);
      if (fits(demand, free)) return { at: Math.max(now, p.estEnd), freeAt: free };
    }
    return { at: Number.POSITIVE_INFINITY, freeAt: free };
  }

  #recomputeTotal(): void {
    const t: Record<string, number> = {};
    for (const w of this.#workers.values()) addInto(t, w.info.capacity);
    this.#total = t;
  }
}

/** Pool and selector match (capacity aside). */
export function matches(task: SchedTask, w: WorkerInfo): boolean {
  if (task.pool !== null && task.pool !== w.pool) return false;
  const sel = task.selector;
  if (sel) for (const k in sel) if (w.labels[k] !== sel[k]) return false;
  return true;
}
