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
  /** Set by `placeOn` (the scheduler's per-task record is the placed record: no extra object). */
  workerId: string;
  startAt: number;
  /** Estimated end (ms); unknown estimates use the configured `unknownEstimateMs`. */
  estEnd: number;
  /** The worker's state it was placed on (re-pointed when the id is re-added; see `live`). */
  ws: WorkerState | null;
  /** Its index in `ws.placed` while placed (release without a search), -1 otherwise. */
  pidx: number;
}

export interface WorkerState {
  readonly info: WorkerInfo;
  readonly free: Record<string, number>;
  /**
   * In placement order, with holes (null) where released records were. An array, not a Set: a
   * 1-core worker's Set went 0 -> 1 -> 0 entries per task and rehashed its table each time (10% of
   * the bytes a TPC-H run allocated). A release leaves a hole at the record's `pidx` and the
   * array is compacted (order kept) once half of it is holes: removing by search and shifting the
   * rest cost O(placed) per release — ~1,000 moves a task with the engine's 1,024 slots.
   */
  readonly placed: (PlacedTask | null)[];
  /** Holes in `placed`. */
  holes: number;
  /** Position in pool order (Map insertion order: a re-added id keeps its place). */
  readonly order: number;
  /** Scheduler's room index: can hold the current demand floor (see room.ts). */
  roomy: boolean;
  /** Free grew since the room index last looked (queued in `takeGrown`). */
  grown: boolean;
  /** `placed` sorted by estimated end (stable), cached until the next place/release here. */
  byEnd: PlacedTask[] | null;
  /** False once removed or replaced: releasing a task placed on it then touches no worker. */
  live: boolean;
  /** LastRound's copy of `free` at the end of the round stamped `savedStamp` (copy on write). */
  saved: Record<string, number> | null;
  savedStamp: number;
}

export class WorkerPool {
  readonly #workers = new Map<string, WorkerState>();
  #total: Record<string, number> = {};
  #nextOrder = 0;
  /** Bumped on add/remove: anything cached per worker set is stale. */
  version = 0;
  readonly #grown: WorkerState[] = [];
  readonly #scratch: Record<string, number> = {};

  get size(): number {
    return this.#workers.size;
  }

  add(info: WorkerInfo): void {
    const old = this.#workers.get(info.id);
    const free: Record<string, number> = { ...info.capacity };
    const placed: PlacedTask[] = [];
    const w: WorkerState = { info, free, placed, holes: 0, order: old ? old.order : this.#nextOrder++, roomy: false, grown: false, byEnd: null, live: true, saved: null, savedStamp: -1 };
    if (old) {
      old.live = false;
      for (const p of old.placed) if (p !== null) { addInto(free, p.task.resources, -1); p.pidx = placed.length; placed.push(p); p.ws = w; }
    }
    this.#workers.set(info.id, w);
    this.version++;
    this.#recomputeTotal();
  }

  remove(id: string): void {
    const w = this.#workers.get(id);
    if (w && this.#workers.delete(id)) (w.live = false), this.version++, this.#recomputeTotal();
  }

  /** Workers whose free vector grew (release) since the last call; the list is reused. */
  takeGrown(out: WorkerState[]): WorkerState[] {
    while (out.length > 0) out.pop(); // pops, not a length write (a runtime call)
    const grown = this.#grown;
    if (grown.length === 0) return out;
    for (let i = 0; i < grown.length; i++) (grown[i]!.grown = false), out.push(grown[i]!);
    while (grown.length > 0) grown.pop();
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

  /**
   * Accounts `p.task` on `w` (a state of this pool) and fills p's placement fields. The caller
   * (the scheduler) keeps the records by task key and releases each at most once.
   */
  placeOn(p: PlacedTask, w: WorkerState, now: number, unknownEstimateMs: number): void {
    const task = p.task;
    const est = task.estimateMs ?? unknownEstimateMs;
    p.workerId = w.info.id;
    p.startAt = now;
    p.estEnd = now + est / w.info.speed;
    p.ws = w;
    addInto(w.free, task.resources, -1);
    p.pidx = w.placed.length;
    w.placed.push(p);
    w.byEnd = null;
  }

  /** Gives back the resources of a record placed with `placeOn` (none if its worker is gone). */
  releasePlaced(p: PlacedTask): void {
    const w = p.ws;
    if (w !== null && w.live && removeFrom(w, p)) {
      w.byEnd = null;
      addInto(w.free, p.task.resources, 1);
      if (!w.grown) (w.grown = true), this.#grown.push(w);
    }
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
  if (w.byEnd !== null) return w.byEnd;
  const out: PlacedTask[] = [];
  for (const p of w.placed) if (p !== null) out.push(p);
  return (w.byEnd = out.sort((x, y) => x.estEnd - y.estEnd));
}

/** Removes `p` from `w.placed` keeping the order of the rest; whether it was there. */
function removeFrom(w: WorkerState, p: PlacedTask): boolean {
  const list = w.placed;
  const i = p.pidx;
  if (i < 0 || list[i] !== p) return false;
  p.pidx = -1;
  if (i === list.length - 1) list.pop();
  else (list[i] = null), w.holes++;
  if (w.holes > 16 && w.holes * 2 > list.length) {
    let j = 0;
    for (let k = 0; k < list.length; k++) {
      const q = list[k]!;
      if (q !== null) (list[j] = q), (q.pidx = j++);
    }
    while (list.length > j) list.pop(); // a length write is a runtime call
    w.holes = 0;
  }
  return true;
}

/** Pool and selector match (capacity aside). */
export function matches(task: SchedTask, w: WorkerInfo): boolean {
  if (task.pool !== null && task.pool !== w.pool) return false;
  const sel = task.selector;
  if (sel) for (const k in sel) if (w.labels[k] !== sel[k]) return false;
  return true;
}
