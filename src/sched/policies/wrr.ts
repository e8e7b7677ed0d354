/**
 * wrr: weighted round robin between priority queues, FIFO inside each queue.
 *
 * Dispatch slots are shared by smooth weighted round robin (nginx's SWRR, a deficit counter
 * per queue): for each slot, the queue with the largest credit + weight offers its head; when
 * that task is placed, every queue that still had candidates gains its weight and the winner
 * pays the sum of those weights. Under sustained contention queue i therefore gets exactly
 * weight_i / sum(weights) of the slots, interleaved (5 high, 1 normal, 4 high per 10 for 0.9/0.1), and a
 * queue with nothing to offer gains no credit (no burst when it refills). Credits are clamped
 * to +-sum(weights) so a queue blocked for a long time (strict admission) cannot bank a burst.
 * A queue whose head does not fit is passed over for that slot (work conserving); its credit
 * is kept, so it gets the next slot it can use.
 *
 * Settings (defaults):
 *   levels: 'bands' — high (priority >= thresholds.high), normal (>= thresholds.normal), low;
 *           'distinct' — one queue per distinct priority value, named by the value.
 *   thresholds: { high: 100, normal: 50 } (the model's high = 100, normal = 50, low = 10).
 *   shares: bands { high: 0.9, normal: 0.1, low: 0.01 } — with only high and normal busy the
 *           split is exactly 90/10 (the default); with all three busy it is
 *           89.1/9.9/1.0, so low priority never starves either. Missing names take the default.
 *           distinct: { "<priority>": weight }, missing values weigh `defaultShare` (0.1).
 *   A weight of 0 means "only when no weighted queue has a candidate".
 */
import type { WaitReason } from '../../core/wait-reason.js';
import { FIFO_KEY, OrderedQueue } from '../ordered-queue.js';
import { numberSetting, type Policy, type PolicyFactory } from '../policy.js';
import type { SchedTask } from '../types.js';

export const DEFAULT_SHARES: Readonly<Record<string, number>> = { high: 0.9, normal: 0.1, low: 0.01 };

interface Level {
  readonly name: string;
  /** Higher rank wins ties (high before normal). */
  readonly rank: number;
  readonly weight: number;
  credit: number;
  readonly q: OrderedQueue;
}

export const wrr: PolicyFactory = (settings) => {
  const mode = settings.levels ?? 'bands';
  if (mode !== 'bands' && mode !== 'distinct') throw new TypeError(`wrr setting 'levels' must be 'bands' or 'distinct'`);
  const th = (settings.thresholds ?? {}) as Record<string, unknown>;
  const high = numberSetting(th, 'high', 100);
  const normal = numberSetting(th, 'normal', 50);
  const shares = (settings.shares ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(shares)) if (typeof v !== 'number' || !(v >= 0)) throw new TypeError(`wrr share '${k}' must be a number >= 0`);
  const dflt = numberSetting(settings, 'defaultShare', 0.1);
  const s = shares as Record<string, number>;
  if (mode === 'bands') {
    const rank: Record<string, number> = { high: 2, normal: 1, low: 0 };
    return new WrrPolicy(
      (t) => (t.priority >= high ? 'high' : t.priority >= normal ? 'normal' : 'low'),
      (name) => ({ rank: rank[name]!, weight: s[name] ?? DEFAULT_SHARES[name]! }),
    );
  }
  return new WrrPolicy(
    (t) => String(t.priority),
    (name) => ({ rank: Number(name), weight: s[name] ?? dflt }),
  );
};

class WrrPolicy implements Policy {
  readonly name = 'wrr';
  readonly #levels = new Map<string, Level>();
  #order: Level[] = [];
  readonly #where = new Map<string, Level>();
  readonly #blocked = new Set<Level>();
  #lastActive: Level[] = [];
  readonly #levelOf: (t: SchedTask) => string;
  readonly #describe: (name: string) => { rank: number; weight: number };

  constructor(levelOf: (t: SchedTask) => string, describe: (name: string) => { rank: number; weight: number }) {
    this.#levelOf = levelOf;
    this.#describe = describe;
  }

  get size(): number {
    return this.#where.size;
  }

  /** Credit per level, for tests and the dashboard. */
  credits(): Record<string, number> {
    return Object.fromEntries(this.#order.map((l) => [l.name, l.credit]));
  }

  queueOf(t: SchedTask): string {
    return this.#levelOf(t);
  }

  enqueue(t: SchedTask): void {
    const name = this.#levelOf(t);
    let l = this.#levels.get(name);
    if (!l) {
      l = { name, ...this.#describe(name), credit: 0, q: new OrderedQueue(FIFO_KEY) };
      this.#levels.set(name, l);
      this.#order = [...this.#levels.values()].sort((a, b) => b.rank - a.rank);
    }
    l.q.push(t);
    this.#where.set(t.key, l);
  }

  remove(key: string): void {
    const l = this.#where.get(key);
    if (!l) return;
    this.#where.delete(key);
    l.q.remove(key);
  }

  beginRound(): void {
    this.#blocked.clear();
  }

  /** The level that gets the next slot: largest credit + weight among those with candidates. */
  next(): SchedTask | undefined {
    let best: Level | undefined;
    const active: Level[] = [];
    for (const l of this.#order) {
      if (l.q.untaken === 0 || this.#blocked.has(l)) continue;
      active.push(l);
      if (!best || better(l, best)) best = l;
    }
    this.#lastActive = active;
    return best?.q.take();
  }

  placed(t: SchedTask): void {
    const l = this.#where.get(t.key)!;
    this.#where.delete(t.key);
    l.q.placed(t.key);
    let total = 0;
    for (const a of this.#lastActive) total += a.weight;
    if (!this.#lastActive.includes(l)) total += l.weight;
    for (const a of this.#lastActive) a.credit += a.weight;
    if (!this.#lastActive.includes(l)) l.credit += l.weight;
    l.credit -= total;
    for (const a of this.#lastActive) a.credit = Math.max(-total, Math.min(total, a.credit));
    l.credit = Math.max(-total, l.credit);
  }

  blockQueue(q: string): void {
    const l = this.#levels.get(q);
    if (l) this.#blocked.add(l);
  }

  endRound(): void {
    for (const l of this.#order) l.q.endRound();
  }

  heads(): SchedTask[] {
    const out: SchedTask[] = [];
    for (const l of this.#order) {
      const h = l.q.peek();
      if (h) out.push(h);
    }
    return out;
  }

  allocated(): void {}

  explain(t: SchedTask): WaitReason | null {
    const mine = this.#levels.get(this.#levelOf(t));
    if (!mine) return null;
    let best: Level | undefined;
    for (const l of this.#order) if (l.q.size > 0 && (!best || better(l, best))) best = l;
    if (!best || best === mine) return null;
    let total = 0;
    for (const l of this.#order) if (l.q.size > 0) total += l.weight;
    const pct = total > 0 ? ((100 * mine.weight) / total).toFixed(1) : '0';
    return { kind: 'share', queue: mine.name, detail: `${pct}% of dispatch slots under contention; ${best.name} has the next slot (credit ${mine.credit.toFixed(2)} vs ${best.credit.toFixed(2)})` };
  }
}

/** Zero-weight levels lose to any weighted level; otherwise largest credit + weight, then rank. */
function better(a: Level, b: Level): boolean {
  if ((a.weight > 0) !== (b.weight > 0)) return a.weight > 0;
  const x = a.credit + a.weight;
  const y = b.credit + b.weight;
  return x !== y ? x > y : a.rank > b.rank;
}
