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
 * Invariants: a task is in exactly one of {waiting (#entries + policy), placed (#pool)};
 * worker free = capacity - placed demand; quota usage never exceeds a limit through a placement.
 */
import { fits, type Resources } from '../core/resources.js';
import type { Rng } from '../core/clock.js';
import type { WaitReason } from '../core/wait-reason.js';
import { backfillAllows, commitBackfill, reserve, type Reservation } from './backfill.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { DemandFloor } from './demand-floor.js';
import { explainWait, Why, type Examined, type RoundState } from './explain.js';
import { HeadTimers } from './head-timers.js';
import type { PlacementOption, Policy, PolicyContext } from './policy.js';
import { QuotaBook } from './quotas.js';
import { policyFactory } from './registry.js';
import type { Expired, Placement, RoundResult, SchedTask, SchedulerApi, SchedulerConfig, Waiting, WorkerInfo } from './types.js';
import { matches, WorkerPool } from './workers.js';

interface Entry extends Examined {
  /** Pool, selector and demand: tasks of one shape fit or fail together within a round. */
  readonly shape: string;
}

type Attempt = { readonly worker: WorkerInfo } | { readonly why: Why; readonly detail?: string };

export class Scheduler implements SchedulerApi {
  #raw: SchedulerConfig;
  #cfg: ResolvedConfig;
  #policy: Policy;
  readonly #pool = new WorkerPool();
  readonly #quotas = new QuotaBook();
  readonly #floor = new DemandFloor();
  readonly #entries = new Map<string, Entry>();
  readonly #timers = new HeadTimers();
  readonly #ctx: PolicyContext;
  #round = 0;
  #enq = 0;
  #last: RoundState | null = null;

  constructor(config: SchedulerConfig, opts: { rng?: Rng } = {}) {
    this.#raw = config;
    this.#cfg = resolveConfig(config);
    this.#quotas.setQuotas(this.#cfg.quotas);
    const self = this;
    this.#ctx = {
      totalCapacity: () => this.#pool.total(),
      eligibleWorkers: (t) => this.#eligible(t),
      availableAt: (id, demand, now) => this.#pool.availableAt(id, demand, now).at,
      get unknownEstimateMs() {
        return self.#cfg.unknownEstimateMs;
      },
      ...(opts.rng ? { rng: opts.rng } : {}),
    };
    this.#policy = policyFactory(this.#cfg.policy)(this.#cfg.settings, this.#ctx);
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
      for (const e of this.#entries.values()) p.enqueue(e.task);
      for (const pl of this.#pool.placedTasks()) p.allocated(pl.task, 1);
      this.#policy = p;
      this.#last = null; // queue names of the old policy no longer mean anything
    }
    if (next.admission !== this.#cfg.admission) this.#timers.clear();
    this.#raw = config;
    this.#cfg = next;
    this.#quotas.setQuotas(next.quotas);
  }

  addWorker(worker: WorkerInfo): void {
    if (!(worker.speed > 0)) throw new TypeError(`worker ${worker.id}: speed must be > 0, got ${worker.speed}`);
    this.#pool.add(worker);
  }

  removeWorker(id: string): void {
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
    if (this.#entries.has(task.key)) return;
    if (this.#pool.placedTask(task.key)) throw new Error(`scheduler: task ${task.key} is still placed; release it before enqueueing it again`);
    this.#entries.set(task.key, { task, enq: this.#enq++, round: -1, why: Why.NotExamined, detail: '', shape: shapeOf(task) });
    this.#floor.add(task.resources);
    this.#policy.enqueue(task);
  }

  remove(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.#floor.delete(e.task.resources);
    this.#policy.remove(key);
    this.#timers.forget(key);
  }

  release(key: string): void {
    const p = this.#pool.release(key);
    if (!p) return;
    this.#quotas.add(p.task, -1);
    this.#policy.allocated(p.task, -1);
  }

  get queuedCount(): number {
    return this.#entries.size;
  }

  get runningCount(): number {
    return this.#pool.placedCount;
  }

  /** The backfill reservation of the latest round, if any. */
  reservation(): { head: string; workerId: string; start: number } | null {
    const r = this.#last?.reservation;
    return r ? { head: r.head.key, workerId: r.workerId, start: r.start } : null;
  }

  schedule(now: number): RoundResult {
    const round = ++this.#round;
    const mark = this.#enq;
    const cfg = this.#cfg;
    const policy = this.#policy;
    const placements: Placement[] = [];
    const failedShapes = new Map<string, Why>();
    const refused = new Map<string, number>();
    let reservation: Reservation | null = null;
    let afterReservation = 0;

    // Workers that can still hold the smallest waiting demand; at 0 nothing else can start.
    const floor = this.#floor.floor();
    let roomy = 0;
    for (const w of this.#pool.states()) if (fits(floor, w.free)) roomy++;

    policy.beginRound(now);
    while (roomy > 0 && afterReservation <= cfg.backfillDepth) {
      const t = policy.next();
      if (!t) break;
      const e = this.#entries.get(t.key)!;
      e.round = round;
      if (reservation) afterReservation++;
      const a = this.#attempt(t, e, now, failedShapes, reservation, refused);
      if ('worker' in a) {
        const w = this.#pool.get(a.worker.id)!;
        const roomyBefore = fits(floor, w.free);
        this.#pool.place(t, a.worker.id, now, cfg.unknownEstimateMs);
        if (roomyBefore && !fits(floor, w.free)) roomy--;
        if (reservation) commitBackfill(reservation, t, a.worker, now);
        this.#quotas.add(t, 1);
        this.#entries.delete(t.key);
        this.#floor.delete(t.resources);
        this.#timers.forget(t.key);
        policy.placed(t, a.worker.id);
        policy.allocated(t, 1);
        placements.push({ task: t, workerId: a.worker.id });
        continue;
      }
      e.why = a.why;
      e.detail = a.detail ?? '';
      if (cfg.admission === 'strict') policy.blockQueue(policy.queueOf(t));
      else if (cfg.admission === 'backfill' && !reservation && a.why === Why.Resources) {
        reservation = reserve(this.#pool, t, this.#eligible(t), now);
      }
    }
    policy.endRound();

    const expired = cfg.admission === 'greedy' ? [] : this.#timeHeads(now, round, mark, roomy === 0, reservation);
    this.#last = this.#snapshot(round, now, mark, roomy === 0, reservation);
    return { placements, expired };
  }

  waiting(): readonly Waiting[] {
    const out: Waiting[] = [];
    for (const e of this.#entries.values()) out.push({ task: e.task, reason: this.#explain(e), since: e.task.readyAt });
    return out;
  }

  reasonOf(key: string): WaitReason | undefined {
    const e = this.#entries.get(key);
    return e ? this.#explain(e) : undefined;
  }

  #explain(e: Entry): WaitReason {
    const p = this.#policy;
    return explainWait(e, this.#last, this.#quotas, (t) => p.queueOf(t), p.explain?.bind(p));
  }

  #attempt(t: SchedTask, e: Entry, now: number, failed: Map<string, Why>, r: Reservation | null, refused: Map<string, number>): Attempt {
    if (this.#quotas.hasQuotas && this.#quotas.violation(t)) return { why: Why.Quota };
    const known = failed.get(e.shape);
    if (known !== undefined) return { why: known };
    // Backfill refusals are monotone in the estimate for one shape and namespace (free and the
    // reservation's spare room only shrink during a round): refused at E => refused at >= E.
    const refusedKey = r ? `${e.shape}\u0000${t.job.namespace}` : '';
    const minRefused = r ? refused.get(refusedKey) : undefined;
    if (minRefused !== undefined && (t.estimateMs ?? Number.POSITIVE_INFINITY) >= minRefused) return { why: Why.Reservation };
    let eligible = 0;
    let fitNow = 0;
    const options: PlacementOption[] = [];
    for (const w of this.#pool.states()) {
      if (!matches(t, w.info) || !fits(t.resources, w.info.capacity)) continue;
      eligible++;
      if (!fits(t.resources, w.free)) continue;
      fitNow++;
      if (r && !backfillAllows(r, t, w.info, now, this.#quotas)) continue;
      options.push({ worker: w.info, free: w.free });
    }
    // Free capacity only shrinks during a round, so a shape that failed stays failed.
    if (eligible === 0) return failed.set(e.shape, Why.Unschedulable), { why: Why.Unschedulable };
    if (fitNow === 0) return failed.set(e.shape, Why.Resources), { why: Why.Resources };
    if (options.length === 0) {
      const est = t.estimateMs ?? Number.POSITIVE_INFINITY;
      refused.set(refusedKey, Math.min(est, refused.get(refusedKey) ?? Number.POSITIVE_INFINITY));
      return { why: Why.Reservation };
    }
    const choice = this.#policy.choosePlacement?.(t, options, now) ?? { index: this.#defaultPlacement(t, options) };
    if ('hold' in choice) return { why: Why.Held, detail: choice.hold };
    return { worker: options[choice.index]!.worker };
  }

  /** best-fit: the worker left with the least normalised free room on the task's resources. */
  #defaultPlacement(t: SchedTask, options: readonly PlacementOption[]): number {
    if (this.#cfg.placement === 'first-fit' || options.length === 1) return 0;
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

  #eligible(t: SchedTask): WorkerInfo[] {
    const out: WorkerInfo[] = [];
    for (const w of this.#pool.states()) if (matches(t, w.info) && fits(t.resources, w.info.capacity)) out.push(w.info);
    return out;
  }

  /** Strict/backfill: every queue head still waiting is blocked; time it, expire the overdue. */
  #timeHeads(now: number, round: number, mark: number, exhausted: boolean, r: Reservation | null): Expired[] {
    const cfg = this.#cfg;
    const expired: Expired[] = [];
    const overdue: Entry[] = [];
    for (const h of this.#policy.heads()) {
      const e = this.#entries.get(h.key);
      if (!e || e.enq >= mark) continue;
      if (this.#timers.observe(this.#policy.queueOf(h), h.key, now, cfg.headTimeoutMs, cfg.headRetries) === 'expired') overdue.push(e);
    }
    if (overdue.length === 0) return expired;
    const snap = this.#snapshot(round, now, mark, exhausted, r);
    for (const e of overdue) {
      const reason = explainWait(e, snap, this.#quotas, (t) => this.#policy.queueOf(t), this.#policy.explain?.bind(this.#policy));
      const tries = this.#cfg.headRetries;
      expired.push({ task: e.task, reason, detail: `queue head blocked for ${cfg.headTimeoutMs} ms${tries > 0 ? ` on each of ${tries + 1} tries` : ''}` });
      this.remove(e.task.key);
    }
    return expired;
  }

  #snapshot(round: number, now: number, mark: number, exhausted: boolean, reservation: Reservation | null): RoundState {
    const free = new Map<string, Resources>();
    for (const w of this.#pool.states()) free.set(w.info.id, { ...w.free });
    const heads = new Map<string, string>();
    if (this.#cfg.admission === 'strict') for (const h of this.#policy.heads()) heads.set(this.#policy.queueOf(h), h.key);
    return { round, now, mark, admission: this.#cfg.admission, policy: this.#policy.name, free, workers: this.#pool.infos(), usage: this.#quotas.snapshot(), heads, reservation, capacityExhausted: exhausted };
  }
}

function shapeOf(t: SchedTask): string {
  const sel = t.selector ? Object.keys(t.selector).sort().map((k) => `${k}=${t.selector![k]}`).join(',') : '';
  const res = Object.keys(t.resources).sort().map((k) => `${k}=${t.resources[k]}`).join(',');
  return `${t.pool ?? ''}\u0000${sel}\u0000${res}`;
}
