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

export interface QuotaViolation {
  readonly namespace: string;
  readonly resource: 'cpu' | 'memory' | 'running';
  readonly limit: number;
  readonly used: number;
  readonly requested: number;
}

const EPS = 1e-9;

export class QuotaBook {
  readonly #usage = new Map<string, Usage>();
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
    return this.#usage.get(ns) ?? { cpu: 0, memory: 0, running: 0 };
  }

  /** The live usage record of a namespace, if it has placed tasks (do not mutate). */
  peek(ns: string): Usage | undefined {
    return this.#usage.get(ns);
  }

  snapshot(): Map<string, Usage> {
    const m = new Map<string, Usage>();
    for (const [k, u] of this.#usage) m.set(k, { ...u });
    return m;
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

  add(task: SchedTask, sign: 1 | -1): void {
    const ns = task.job.namespace;
    let u = this.#usage.get(ns);
    if (!u) this.#usage.set(ns, (u = { cpu: 0, memory: 0, running: 0 }));
    u.cpu += sign * (task.resources.cpu ?? 0);
    u.memory += sign * (task.resources.memory ?? 0);
    u.running += sign;
    if (u.running === 0) this.#usage.delete(ns);
  }
}
