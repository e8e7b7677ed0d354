/**
 * Resource vectors. Units: `cpu` in cores (fractions allowed), `memory` in bytes, `gpu` in
 * devices, custom names in their own units. A missing name means zero.
 */
export type Resources = Readonly<Record<string, number>>;

export const NO_RESOURCES: Resources = Object.freeze({});

/** True when `demand` fits in `free` on every dimension. */
export function fits(demand: Resources, free: Resources): boolean {
  for (const k in demand) {
    const d = demand[k]!;
    if (d > 0 && d > (free[k] ?? 0) + 1e-9) return false;
  }
  return true;
}

/** The dimensions where `demand` exceeds `free`, with how much is missing (for wait reasons). */
export function shortfall(demand: Resources, free: Resources): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in demand) {
    const miss = demand[k]! - (free[k] ?? 0);
    if (demand[k]! > 0 && miss > 1e-9) out[k] = miss;
  }
  return out;
}

export function add(a: Resources, b: Resources): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const k in b) out[k] = (out[k] ?? 0) + b[k]!;
  return out;
}

export function subtract(a: Resources, b: Resources): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const k in b) out[k] = (out[k] ?? 0) - b[k]!;
  return out;
}

/** Adds `b` into the mutable vector `into` (hot path: no allocation). */
export function addInto(into: Record<string, number>, b: Resources, sign = 1): void {
  for (const k in b) into[k] = (into[k] ?? 0) + sign * b[k]!;
}

/** The largest share of any dimension of `capacity` that `r` takes (dominant share, DRF). */
export function dominantShare(r: Resources, capacity: Resources): number {
  let s = 0;
  for (const k in r) {
    const c = capacity[k] ?? 0;
    if (c > 0) s = Math.max(s, r[k]! / c);
  }
  return s;
}

/**
 * Whether two resource vectors have the same names and amounts. Allocation-free (for-in, no
 * Object.keys): it runs per task on the engine's and the scheduler's hot paths.
 */
export function sameResources(a: Resources, b: Resources): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

export function formatResources(r: Resources): string {
  return Object.entries(r)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => (k === 'memory' ? `${k}=${formatBytes(v)}` : `${k}=${+v.toFixed(3)}`))
    .join(',');
}

export function formatBytes(n: number): string {
  const units = ['B', 'Ki', 'Mi', 'Gi', 'Ti'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${+v.toFixed(1)}${units[i]}`;
}

/** Cores a demand counts for in work sums (JobInfo.remainingWorkMs): its cpu, or 1 when it names none. */
export function workCores(r: Resources): number {
  const c = r['cpu'];
  return c !== undefined && c > 0 ? c : 1;
}
