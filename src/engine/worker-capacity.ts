/**
 * The one writer of the scheduler's worker list. Each worker's registered info (the local
 * worker's capacity and concurrency; a remote worker's registration and learned speed) is kept
 * here as the real one, and what the scheduler sees is that info composed with the tuners'
 * adjustments, always recomputed from the real info:
 *
 *   pool limit   adaptive concurrency per pool: the pool's `slots` scaled down to the limit,
 *                split over its workers in proportion to their own slots (never above them);
 *   adjustments  per worker, by source (the circuit breaker: open = no capacity, half-open =
 *                what runs now + the probes), applied last.
 *
 * Invariant: nothing else calls `scheduler.addWorker`, so no update (a re-registration, a speed
 * change, a new concurrency) can silently undo a fence or a limit. Re-adding a worker under its
 * id keeps what is placed on it (scheduler contract): a lowered capacity starts nothing new until
 * enough attempts end; nothing running is stopped.
 */
import type { SchedulerApi, WorkerInfo } from '../sched/types.js';

export type WorkerAdjustment = (w: WorkerInfo) => WorkerInfo;

export class WorkerCapacity {
  readonly #scheduler: SchedulerApi;
  readonly #real = new Map<string, WorkerInfo>();
  readonly #adjust = new Map<string, Map<string, WorkerAdjustment>>();
  readonly #poolLimits = new Map<string, number>();

  constructor(scheduler: SchedulerApi) {
    this.#scheduler = scheduler;
  }

  /** Registers a worker or replaces its real info (capacity, speed, labels). */
  set(info: WorkerInfo): void {
    const before = this.#real.get(info.id);
    this.#real.set(info.id, info);
    if (this.#poolLimits.has(info.pool) || (before !== undefined && before.pool !== info.pool && this.#poolLimits.has(before.pool))) {
      this.#installPool(info.pool);
      if (before !== undefined && before.pool !== info.pool) this.#installPool(before.pool);
    } else {
      this.#install(info.id);
    }
  }

  /** Changes part of a registered worker's real info (e.g. its learned speed); no-op when unknown. */
  update(id: string, patch: Partial<Omit<WorkerInfo, 'id'>>): void {
    const w = this.#real.get(id);
    if (w !== undefined) this.set({ ...w, ...patch });
  }

  remove(id: string): void {
    const w = this.#real.get(id);
    this.#real.delete(id);
    this.#adjust.delete(id);
    this.#scheduler.removeWorker(id);
    if (w !== undefined && this.#poolLimits.has(w.pool)) this.#installPool(w.pool);
  }

  real(id: string): WorkerInfo | undefined {
    return this.#real.get(id);
  }

  /** Sets (or, with null, clears) the adjustment of `source` on worker `id`; false when unknown. */
  adjust(id: string, source: string, f: WorkerAdjustment | null): boolean {
    if (!this.#real.has(id)) return false;
    let m = this.#adjust.get(id);
    if (f === null) m?.delete(source);
    else (m ??= new Map()).set(source, f), this.#adjust.set(id, m);
    this.#install(id);
    return true;
  }

  /** Caps the pool's total `slots` at `limit` (null lifts the cap). */
  setPoolLimit(pool: string, limit: number | null): void {
    if (limit === null) this.#poolLimits.delete(pool);
    else this.#poolLimits.set(pool, limit);
    this.#installPool(pool);
  }

  /** The pool's registered slots in total (its limit when uncapped). */
  poolSlots(pool: string): number {
    let n = 0;
    for (const w of this.#real.values()) if (w.pool === pool) n += w.capacity.slots ?? 0;
    return n;
  }

  #installPool(pool: string): void {
    for (const w of this.#real.values()) if (w.pool === pool) this.#install(w.id);
  }

  #install(id: string): void {
    let w = this.#real.get(id);
    if (w === undefined) return;
    const limit = this.#poolLimits.get(w.pool);
    if (limit !== undefined) w = this.#limited(w, limit);
    for (const f of this.#adjust.get(id)?.values() ?? []) w = f(w);
    this.#scheduler.addWorker(w);
  }

  /**
   * The worker's share of the pool limit: floor(limit x its slots / pool slots), the remainder
   * going one slot each to the first workers by id (deterministic), never above its own slots.
   */
  #limited(w: WorkerInfo, limit: number): WorkerInfo {
    const own = w.capacity.slots ?? 0;
    const total = this.poolSlots(w.pool);
    if (total <= limit || own === 0) return w;
    const shares = [...this.#real.values()].filter((x) => x.pool === w.pool && (x.capacity.slots ?? 0) > 0).sort((a, b) => (a.id < b.id ? -1 : 1));
    let given = 0;
    for (const x of shares) given += Math.floor((limit * (x.capacity.slots ?? 0)) / total);
    let extra = limit - given;
    let slots = Math.floor((limit * own) / total);
    for (const x of shares) {
      if (extra <= 0) break;
      if (x.id === w.id) slots += 1;
      extra--;
    }
    return { ...w, capacity: { ...w.capacity, slots: Math.min(own, slots) } };
  }
}
