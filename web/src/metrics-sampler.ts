/**
 * Samples `/metrics` every PERIOD_MS while the dashboard is signed in, keeping the last
 * MAX_SAMPLES (an hour) in memory, so the metrics page has history the moment it opens. Rates
 * and interval means come from differences between consecutive samples of the counters.
 */
import { request } from './api';
import { parseProm, quantile, sumBy } from './prom';

export const PERIOD_MS = 5000;
const MAX_SAMPLES = 720;

export interface MetricsSample {
  /** Unix seconds. */
  t: number;
  waitSum: Map<string, number>;
  waitCount: Map<string, number>;
  /** Per priority: cumulative buckets [le seconds, count]. */
  waitBuckets: Map<string, [number, number][]>;
  outcomes: Map<string, number>;
  runsFinished: number;
  allocated: Map<string, number>;
  capacity: Map<string, number>;
  running: number;
  queued: number;
}

function toSample(text: string, t: number): MetricsSample {
  const s = parseProm(text);
  const waitBuckets = new Map<string, [number, number][]>();
  const byLe = new Map<string, Map<number, number>>();
  for (const x of s) {
    if (x.name !== 'kairos_queue_wait_seconds_bucket') continue;
    const p = x.labels.priority ?? '';
    const le = x.labels.le === '+Inf' ? Infinity : Number(x.labels.le);
    const m = byLe.get(p) ?? new Map<number, number>();
    m.set(le, (m.get(le) ?? 0) + x.value);
    byLe.set(p, m);
  }
  for (const [p, m] of byLe) waitBuckets.set(p, [...m]);
  return {
    t,
    waitSum: sumBy(s, 'kairos_queue_wait_seconds_sum', 'priority'),
    waitCount: sumBy(s, 'kairos_queue_wait_seconds_count', 'priority'),
    waitBuckets,
    outcomes: sumBy(s, 'kairos_task_outcomes_total', 'outcome'),
    runsFinished: sumBy(s, 'kairos_runs_finished_total', '').get('') ?? 0,
    allocated: sumBy(s, 'kairos_resource_allocated', 'resource'),
    capacity: sumBy(s, 'kairos_resource_capacity', 'resource'),
    running: sumBy(s, 'kairos_tasks_running', '').get('') ?? 0,
    queued: sumBy(s, 'kairos_queue_depth', '').get('') ?? 0,
  };
}

class Sampler {
  readonly samples: MetricsSample[] = [];
  error: string | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #subs = new Set<() => void>();
  #busy = false;

  start(): void {
    if (this.#timer) return;
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), PERIOD_MS);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  subscribe(fn: () => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }

  async sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const text = await (await request('/metrics')).text();
      this.samples.push(toSample(text, Date.now() / 1000));
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.#busy = false;
      for (const f of this.#subs) f();
    }
  }
}

export const sampler = new Sampler();

export function p95Wait(s: MetricsSample, priority: string): number | null {
  return quantile(0.95, s.waitBuckets.get(priority) ?? []);
}
