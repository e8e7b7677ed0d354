/**
 * The scheduling framework: one `Scheduler` that both drivers (engine, simulator) use.
 *
 * State table of one round, `schedule(now)`:
 *   policy.next() -> task ──quota full──────────────> Why.Quota         (stays)
 *                     ├──no matching worker/capacity─> Why.Unschedulable (stays)
 *                     ├──fits nowhere now────────────> Why.Resources     (stays; strict: blocks its queue;
 *                     │                                                   backfill: first one gets the reservation)
 *                     ├──fits, reservation forbids───> Why.Reservation   (stays)
 *                     ├──policy holds it (heft)──────> Why.Held          (stays)
 *                     └──placed: accounted at once (worker free, quota usage, policy allocation)
 *   until the policy has no candidate or no worker can hold the smallest waiting demand
 *   (DemandFloor: "capacity exhausted"), then queue heads are timed (strict/backfill) and a
 *   snapshot is kept from which wait reasons are computed on demand (explain.ts).
 *
 * Invariants: a task is in exactly one of {waiting (#tasks with placedSeq WAITING, and the policy),
 * placed (#tasks with placedSeq >= 0, and its worker's `placed`)};
 * worker free = capacity - placed demand; quota usage never exceeds a limit through a placement.
 */
import { fits, type Resources } from '../core/resources.js';
import type { Rng } from '../core/clock.js';
import type { WaitReason } from '../core/wait-reason.js';
import { backfillAllows, commitBackfill, reserve, type Reservation } from './backfill.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { DemandFloor } from './demand-floor.js';
import { explainWait, Why } from './explain.js';
import { HeadTimers } from './head-timers.js';
import { LastRound } from './last-round.js';
import type { PlacementOption, Policy, PolicyContext } from './policy.js';
import { QuotaBook } from './quotas.js';
import { policyFactory } from './registry.js';
import type { Expired, Placement, RoundResult, SchedTask, SchedulerApi, SchedulerConfig, Waiting, WorkerInfo } from './types.js';
import { RoomIndex } from './room.js';
import { WorkerPool, type PlacedTask, type WorkerState } from './workers.js';
import { bestFitIndex, EligibilityCache, shapeOf } from './placement.js';
import { entryOpsOf, type EntryOps } from './entry-policy.js';
import { EntryPool, WAITING, type TaskEntry } from './task-entry.js';
import { TaskIndex } from './task-index.js';

type Entry = TaskEntry;
const NO_EXPIRED: readonly Expired[] = Object.freeze([]);

/** The reused round result (see `SchedulerApi.schedule`: valid until the next round). */
type MutableResult = { placements: readonly Placement[]; expired: readonly Expired[] };
type MutablePlacement = { task: SchedTask; workerId: string; handle: unknown };

export class Scheduler implements SchedulerApi {
  #raw: SchedulerConfig;
  #cfg: ResolvedConfig;
  #policy: Policy;
  /** The policy's entry protocol, or null (then: Policy methods by task and key). */
  #ops: EntryOps | null;
  readonly #pool = new WorkerPool();
  readonly #quotas = new QuotaBook();
  readonly #floor = new DemandFloor();
  /** Every waiting and placed task by key (values() in enqueue order). */
  readonly #tasks = new TaskIndex();
  readonly #entries = new EntryPool();
  #queued = 0;
  #running = 0;
  #placedSeq = 0;
  readonly #timers = new HeadTimers();
  readonly #ctx: PolicyContext;
  readonly #room = new RoomIndex();
  readonly #last = new LastRound(this.#pool, this.#quotas);
  readonly #elig = new EligibilityCache(this.#pool);
  /** Per-round scratch, cleared at the start of each round (no allocation per round). */
  readonly #failed = new Map<string, Why>();
  readonly #refused = new Map<string, number>();
  #heldDetail = '';
  /** Reused every round: the result, its placements array and Placement objects, the facts. */
  readonly #placements: MutablePlacement[] = [];
  readonly #placementPool: MutablePlacement[] = [];
  readonly #result: MutableResult = { placements: this.#placements, expired: NO_EXPIRED };
  #round = 0;
  #enq = 0;

  constructor(config: SchedulerConfig, opts: { rng?: Rng } = {}) {
    this.#raw = config;
    this.#cfg = resolveConfig(config);
    this.#quotas.setQuotas(this.#cfg.quotas);
    const self = this;
    this.#ctx = {
      totalCapacity: () => this.#pool.total(),
      eligibleWorkers: (t) => this.#eligible(t),
      availableAt: (id, demand, now) => this.#pool.earliestAt(id, demand, now),
      get unknownEstimateMs() {
        return self.#cfg.unknownEstimateMs;
      },
      ...(opts.rng ? { rng: opts.rng } : {}),
    };
    this.#policy = policyFactory(this.#cfg.policy)(this.#cfg.settings, this.#ctx);
    this.#ops = entryOpsOf(this.#policy);
  }

  get config(): Readonly<SchedulerConfig> {
    return this.#raw;
  }

  get policy(): string {
    return this.#policy.name;
  }

  /** Switches policy, settings, admission or quotas at run time; no queued or placed task is lost. */
  configure(config: SchedulerConfig): void {
    const next = resolveConfig(config);
    const samePolicy = next.policy === this.#cfg.policy && JSON.stringify(next.settings) === JSON.stringify(this.#cfg.settings);
    if (!samePolicy) {
      const p = policyFactory(next.policy)(next.settings, this.#ctx);
      const ops = entryOpsOf(p);
      const placed: Entry[] = [];
      for (const e of this.#tasks.values()) {
        if (e.placedSeq !== WAITING) placed.push(e);
        else if (ops !== null) ops.enqueue(e);
        else p.enqueue(e.task);
      }
      placed.sort((x, y) => x.placedSeq - y.placedSeq); // placement order, as before
      for (const pl of placed) p.allocated(pl.task, 1);
      this.#policy = p;
      this.#ops = ops;
      this.#last.clear(); // queue names of the old policy no longer mean anything
    }
    if (next.admission !== this.#cfg.admission) this.#timers.clear();
    this.#raw = config;
    this.#cfg = next;
    this.#quotas.setQuotas(next.quotas);
  }

  addWorker(worker: WorkerInfo): void {
    if (!(worker.speed > 0)) throw new TypeError(`worker ${worker.id}: speed must be > 0, got ${worker.speed}`);
    this.#last.freeze();
    this.#pool.add(worker);
  }

  removeWorker(id: string): void {
    if (!this.#pool.get(id)) return;
    this.#last.freeze();
    this.#pool.remove(id);
  }

  workers(): readonly WorkerInfo[] {
    return this.#pool.infos();
  }

  allocated(workerId: string): Resources {
    const w = this.#pool.get(workerId);
    if (!w) return {};
    const out: Record<string, number> = {};
    for (const k in w.info.capacity) out[k] = w.info.capacity[k]! - (w.free[k] ?? 0);
    return out;
  }

  enqueue(task: SchedTask): void {
    const old = this.#tasks.get(task.key);
    if (old !== undefined) {
      if (old.placedSeq === WAITING) return;
      throw new Error(`scheduler: task ${task.key} is still placed; release it before enqueueing it again`);
    }
    this.#admit(task, false);
  }

  /** `enqueue` for a key the caller guarantees is neither waiting nor placed (no check, no Map: task-index.ts). */
  enqueueFresh(task: SchedTask): void {
    this.#admit(task, true);
  }

  #admit(task: SchedTask, fresh: boolean): void {
    const e = this.#entries.take(task, this.#enq++, shapeOf(task));
    if (fresh) this.#tasks.addFresh(e);
    else this.#tasks.add(e);
    this.#queued++;
    this.#floor.add(task.resources);
    if (this.#ops !== null) this.#ops.enqueue(e);
    else this.#policy.enqueue(task);
  }

  remove(key: string): void {
    const e = this.#tasks.get(key);
    if (e === undefined || e.placedSeq !== WAITING) return;
    this.#tasks.delete(e);
    this.#queued--;
    this.#floor.delete(e.task.resources);
    if (this.#ops !== null) this.#ops.remove(e);
    else this.#policy.remove(key);
    this.#timers.forget(key);
  }

  release(key: string): void {
    const p = this.#tasks.get(key);
    if (p !== undefined && p.placedSeq >= 0) this.#release(p);
  }

  /** `release` by the handle of the task's Placement (no lookup by key); by key when the handle is stale. */
  releaseHandle(handle: unknown, task: SchedTask): void {
    const p = handle as Entry;
    if (p.task !== task || !p.alive || p.placedSeq < 0) return this.release(task.key);
    this.#release(p);
  }

  #release(p: Entry): void {
    this.#tasks.delete(p);
    this.#running--;
    // A task whose worker was removed frees nothing: no worker to snapshot.
    if (p.ws!.live) this.#last.beforeFree(p.ws!);
    const u = p.usage!;
    this.#last.beforeUsage(u);
    this.#pool.releasePlaced(p);
    this.#quotas.release(p.task, u);
    this.#policy.allocated(p.task, -1);
    this.#entries.give(p);
  }

  get queuedCount(): number {
    return this.#queued;
  }

  get runningCount(): number {
    return this.#running;
  }

  /** The backfill reservation of the latest round, if any. */
  reservation(): { head: string; workerId: string; start: number } | null {
    const r = this.#last.facts?.reservation;
    return r ? { head: r.head.key, workerId: r.workerId, start: r.start } : null;
  }

  schedule(now: number): RoundResult {
    const round = ++this.#round;
    const mark = this.#enq;
    const cfg = this.#cfg;
    const policy = this.#policy;
    const ops = this.#ops;
    const placements = this.#placements;
    const pool = this.#placementPool;
    while (placements.length > 0) placements.pop(); // a length write is a runtime call
    if (this.#failed.size > 0) this.#failed.clear();
    if (this.#refused.size > 0) this.#refused.clear();
    this.#quotas.prune(); // idle usage records, when many (the previous round's snapshot is no longer read)
    let reservation: Reservation | null = null;
    let afterReservation = 0;

    // Workers that can still hold the smallest waiting demand; at 0 nothing else can start.
    const floor = this.#floor.floor();
    const room = this.#room.refresh(this.#pool, floor);
    let roomy = room.length;

    policy.beginRound(now);
    while (roomy > 0 && afterReservation <= cfg.backfillDepth) {
      let e: Entry;
      if (ops !== null) {
        const qe = ops.next();
        if (qe === undefined) break;
        e = qe as Entry;
      } else {
        const pt = policy.next();
        if (!pt) break;
        e = this.#tasks.get(pt.key)!;
      }
      const t = e.task;
      e.round = round;
      if (reservation) afterReservation++;
      const a = this.#attempt(t, e, now, reservation, room);
      if (typeof a !== 'number') {
        this.#pool.placeOn(e, a, now, cfg.unknownEstimateMs);
        e.placedSeq = this.#placedSeq++;
        this.#queued--;
        this.#running++;
        // The chosen worker held t, so it held the floor (floor <= t's demand).
        if (!fits(floor, a.free)) (a.roomy = false), roomy--;
        if (reservation) commitBackfill(reservation, t, a.info, now);
        e.usage = this.#quotas.place(t);
        this.#floor.delete(t.resources);
        // Checked first: reading `key` may build the string (the engine makes it on demand).
        if (this.#timers.active) this.#timers.forget(t.key);
        if (ops !== null) ops.placed(e, a.info.id);
        else policy.placed(t, a.info.id);
        policy.allocated(t, 1);
        const n = placements.length;
        let pl = pool[n];
        if (pl === undefined) pool.push((pl = { task: t, workerId: a.info.id, handle: e }));
        else (pl.task = t), (pl.workerId = a.info.id), (pl.handle = e);
        placements.push(pl);
        continue;
      }
      e.why = a;
      e.detail = a === Why.Held ? this.#heldDetail : '';
      if (cfg.admission === 'strict') policy.blockQueue(policy.queueOf(t));
      else if (cfg.admission === 'backfill' && !reservation && a === Why.Resources) {
        reservation = reserve(this.#pool, t, this.#eligible(t), now);
      }
    }
    policy.endRound();

    const expired = cfg.admission === 'greedy' ? NO_EXPIRED : this.#timeHeads(now, round, mark, roomy === 0, reservation);
    this.#last.recordRound(round, now, mark, roomy === 0, reservation, cfg.admission, policy);
    const result = this.#result;
    result.expired = expired;
    return result;
  }

  waiting(): readonly Waiting[] {
    const out: Waiting[] = [];
    for (const e of this.#tasks.values()) if (e.placedSeq === WAITING) out.push({ task: e.task, reason: this.#explain(e), since: e.task.readyAt });
    return out;
  }

  reasonOf(key: string): WaitReason | undefined {
    const e = this.#tasks.get(key);
    return e !== undefined && e.placedSeq === WAITING ? this.#explain(e) : undefined;
  }

  #explain(e: Entry): WaitReason {
    const p = this.#policy;
    return explainWait(e, this.#last.state(), this.#quotas, (t) => p.queueOf(t), p.explain?.bind(p));
  }

  /** The worker to place `t` on, or why it stays (detail of a hold in #heldDetail). */
  #attempt(t: SchedTask, e: Entry, now: number, r: Reservation | null, room: readonly WorkerState[]): WorkerState | Why {
    if (this.#quotas.hasQuotas && this.#quotas.violation(t)) return Why.Quota;
    const failed = this.#failed;
    const known = failed.size > 0 ? failed.get(e.shape) : undefined;
    if (known !== undefined) return known;
    // Backfill refusals are monotone in the estimate for one shape and namespace (free and the
    // reservation's spare room only shrink during a round): refused at E => refused at >= E.
    const refusedKey = r ? `${e.shape}\u0000${t.job.namespace}` : '';
    const minRefused = r ? this.#refused.get(refusedKey) : undefined;
    if (minRefused !== undefined && (t.estimateMs ?? Number.POSITIVE_INFINITY) >= minRefused) return Why.Reservation;
    const elig = this.#elig.get(e.shape, t);
    // Free capacity only shrinks during a round, so a shape that failed stays failed.
    if (elig.infos.length === 0) return failed.set(e.shape, Why.Unschedulable), Why.Unschedulable;
    const choose = this.#policy.choosePlacement;
    const options: PlacementOption[] | null = choose ? [] : null;
    const states: WorkerState[] | null = choose ? [] : null;
    const bestFit = this.#cfg.placement === 'best-fit';
    const d = t.resources;
    let fitNow = 0;
    let best: WorkerState | null = null;
    let bestScore = Number.POSITIVE_INFINITY;
    // Only roomy workers (pool order) can hold t: the same options, in the same order, as a scan
    // of every worker.
    const k1 = elig.one;
    const d1 = k1 === null ? 0 : d[k1]!;
    for (let i = 0; i < room.length; i++) {
      const w = room[i]!;
      if (!w.roomy || !(elig.all || elig.states.has(w))) continue;
      // One named resource: `fits` and the score below, unrolled (same arithmetic).
      if (k1 !== null ? d1 > 0 && d1 > (w.free[k1] ?? 0) + 1e-9 : !fits(d, w.free)) continue;
      fitNow++;
      if (r && !backfillAllows(r, t, w.info, now, this.#quotas)) continue;
      if (options) {
        options.push({ worker: w.info, free: w.free });
        states!.push(w);
      } else if (best === null || bestFit) {
        // best-fit: the worker left with the least normalised free room on t's resources (first on ties).
        let score = 0;
        if (bestFit && k1 !== null) score += ((w.free[k1] ?? 0) - d1) / (w.info.capacity[k1] || 1);
        else if (bestFit) for (const k in d) score += ((w.free[k] ?? 0) - d[k]!) / (w.info.capacity[k] || 1);
        if (best === null || score < bestScore) (bestScore = score), (best = w);
      }
    }
    if (fitNow === 0) return failed.set(e.shape, Why.Resources), Why.Resources;
    if (options ? options.length === 0 : best === null) {
      const est = t.estimateMs ?? Number.POSITIVE_INFINITY;
      this.#refused.set(refusedKey, Math.min(est, this.#refused.get(refusedKey) ?? Number.POSITIVE_INFINITY));
      return Why.Reservation;
    }
    if (!options) return best!;
    const choice = choose!.call(this.#policy, t, options, now) ?? { index: bestFitIndex(this.#cfg.placement, t, options) };
    if ('hold' in choice) return (this.#heldDetail = choice.hold), Why.Held;
    return states![choice.index]!;
  }

  /** Workers matching t whose capacity could ever hold it, in pool order (shared: do not mutate). */
  #eligible(t: SchedTask): WorkerInfo[] {
    return this.#elig.get(shapeOf(t), t).infos; // a record's shape is shapeOf(its task)
  }

  /** Strict/backfill: every queue head still waiting is blocked; time it, expire the overdue. */
  #timeHeads(now: number, round: number, mark: number, exhausted: boolean, r: Reservation | null): readonly Expired[] {
    const cfg = this.#cfg;
    const overdue: Entry[] = [];
    for (const h of this.#policy.heads()) {
      const e = this.#tasks.get(h.key);
      if (!e || e.placedSeq !== WAITING || e.enq >= mark) continue;
      if (this.#timers.observe(this.#policy.queueOf(h), h.key, now, cfg.headTimeoutMs, cfg.headRetries) === 'expired') overdue.push(e);
    }
    if (overdue.length === 0) return NO_EXPIRED;
    const expired: Expired[] = [];
    this.#last.recordRound(round, now, mark, exhausted, r, cfg.admission, this.#policy);
    const snap = this.#last.state();
    for (const e of overdue) {
      const reason = explainWait(e, snap, this.#quotas, (t) => this.#policy.queueOf(t), this.#policy.explain?.bind(this.#policy));
      const tries = this.#cfg.headRetries;
      expired.push({ task: e.task, reason, detail: `queue head blocked for ${cfg.headTimeoutMs} ms${tries > 0 ? ` on each of ${tries + 1} tries` : ''}` });
      this.remove(e.task.key);
    }
    return expired;
  }
}
