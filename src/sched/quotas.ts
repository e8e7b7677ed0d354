/**
 * Per-namespace quota accounting: cpu, memory and running-task count of placed tasks.
 * Invariant: usage(ns) = the sum over tasks placed and not released of that namespace, so a
 * placement that passes `violation` never takes a namespace over any limit.
 */
import type { Quota, SchedTask } from './types.js';

export interface Usage {
  cpu: number;
  memory: number;
  running: number;
}

/**
 * A namespace's live usage record. Records stay while their namespace is idle (reset to exact
 * zeros, as a fresh record would start), so a placed task keeps a pointer to its record and its
 * release needs no lookup; LastRound saves the round-end value in `saved` (copy on write).
 */
export interface UsageRecord extends Usage {
  readonly ns: string;
  /** LastRound's stamp when `saved` was written (-1: never). */
  stamp: number;
  readonly saved: Usage;
}

export interface QuotaViolation {
  readonly namespace: string;
  readonly resource: 'cpu' | 'memory' | 'running';
  readonly limit: number;
  readonly used: number;
  readonly requested: number;
}

const EPS = 1e-9;

export class QuotaBook {
  readonly #usage = new Map<string, UsageRecord>();
  /** The record last looked up (consecutive placements are mostly of one job). */
  #lastRec: UsageRecord | null = null;
  #quotas: Readonly<Record<string, Quota>> = {};

  #has = false;

  setQuotas(q: Readonly<Record<string, Quota>>): void {
    this.#quotas = q;
    this.#has = Object.keys(q).length > 0;
  }

  /** Asked for every candidate of every round: cached (Object.keys allocated an array each time). */
  get hasQuotas(): boolean {
    return this.#has;
  }

  usage(ns: string): Usage {
    const u = this.#usage.get(ns);
    return u !== undefined && u.running > 0 ? u : { cpu: 0, memory: 0, running: 0 };
  }

  /** Every record (idle ones too: running 0, exact zeros). */
  records(): IterableIterator<UsageRecord> {
    return this.#usage.values();
  }

  /** The first limit the task would cross, given `usage` (default: current) plus `extra`. */
  violation(task: SchedTask, usage: Usage = this.usage(task.job.namespace), extra?: SchedTask): QuotaViolation | null {
    const ns = task.job.namespace;
    const q = this.#quotas[ns];
    if (!q) return null;
    const want = { cpu: (task.resources.cpu ?? 0) + (extra?.resources.cpu ?? 0), memory: (task.resources.memory ?? 0) + (extra?.resources.memory ?? 0), running: extra ? 2 : 1 };
    for (const r of ['running', 'cpu', 'memory'] as const) {
      const limit = q[r];
      if (limit !== undefined && usage[r] + want[r] > limit + EPS) return { namespace: ns, resource: r, limit, used: usage[r], requested: want[r] };
    }
    return null;
  }

  /** Accounts a placement; returns the record to give to `release`. */
  place(task: SchedTask): UsageRecord {
    const ns = task.job.namespace;
    let u = this.#lastRec;
    if (u === null || u.ns !== ns) {
      let r = this.#usage.get(ns);
      if (r === undefined) this.#usage.set(ns, (r = { ns, cpu: 0, memory: 0, running: 0, stamp: -1, saved: { cpu: 0, memory: 0, running: 0 } }));
      this.#lastRec = u = r;
    }
    u.cpu += task.resources.cpu ?? 0;
    u.memory += task.resources.memory ?? 0;
    u.running++;
    return u;
  }

  /** Gives back a placement accounted by `place` on record `u`. */
  release(task: SchedTask, u: UsageRecord): void {
    u.cpu -= task.resources.cpu ?? 0;
    u.memory -= task.resources.memory ?? 0;
    // Back to exact zeros when idle, as the fresh record the namespace would otherwise get.
    if (--u.running === 0) (u.cpu = 0), (u.memory = 0);
  }

  /** Drops idle records when there are many (call only when no pointer to one is held but by placed tasks). */
  prune(): void {
    if (this.#usage.size <= 10_000) return;
    for (const [ns, u] of this.#usage) if (u.running === 0) this.#usage.delete(ns);
    this.#lastRec = null;
  }
}
