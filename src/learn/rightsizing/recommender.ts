/**
 * Right-sizing: recommended cpu and memory requests per task signature from observed use, after
 * the Kubernetes VPA recommender (autoscaler/vertical-pod-autoscaler/pkg/recommender):
 *
 * - per signature, two decaying histograms (decayed-histogram.ts, the VPA's DecayingHistogram
 *   scheme): peak memory of each attempt (bytes) and average cpu of each attempt (millicores =
 *   cpu time / wall time x 1000). Decay is by time: a sample's weight halves every `halfLifeMs`
 *   (VPA: 24 h), so a task whose use changed is re-learned within a few half-lives;
 * - recommendation = percentile x (1 + margin) (VPA: 15% margin; target p90, lower p50, upper
 *   p95). Memory bounds use `memory*Percentile`, cpu `cpu*Percentile`; both floored at a minimum;
 * - an attempt killed for memory adds a sample of `oomBump` x the limit it was killed at (VPA:
 *   max(1.2 x the limit, +100 MB)), so the next recommendation is above what failed;
 * - `confident` once a signature has `minSamples` attempts: only then may it be applied.
 *
 * Pure: times are arguments. Bounded: at most `maxSignatures` (least recently observed evicted).
 */
import { DecayedHistogram, type DecayedHistogramJSON } from '../decayed-histogram.js';
import { LruMap } from '../lru-map.js';

export interface RightSizingOptions {
  readonly halfLifeMs: number;
  readonly margin: number;
  readonly lowerPercentile: number;
  readonly targetPercentile: number;
  readonly upperPercentile: number;
  readonly minSamples: number;
  readonly minMemoryBytes: number;
  readonly minCpu: number;
  readonly oomBump: number;
  readonly oomMinBumpBytes: number;
  readonly maxSignatures: number;
}

export const DEFAULT_RIGHTSIZING: RightSizingOptions = {
  halfLifeMs: 24 * 3600_000, margin: 0.15, lowerPercentile: 0.5, targetPercentile: 0.9, upperPercentile: 0.95,
  minSamples: 3, minMemoryBytes: 16 * 1024 * 1024, minCpu: 0.01, oomBump: 1.2, oomMinBumpBytes: 100 * 1024 * 1024,
  maxSignatures: 5000,
};

export interface Bounds {
  readonly lower: number;
  readonly target: number;
  readonly upper: number;
}

export interface RightSizingRecommendation {
  readonly signature: string;
  readonly samples: number;
  readonly ooms: number;
  readonly declared: { readonly cpu: number | null; readonly memory: number | null };
  /** Cores. */
  readonly cpu: Bounds | null;
  /** Bytes. */
  readonly memory: Bounds | null;
  readonly confident: boolean;
  readonly lastAt: number;
}

export interface UsageSample {
  readonly peakRssBytes?: number;
  readonly cpuMs?: number;
  readonly wallMs: number;
  /** What the task declared (its request), remembered to show next to the recommendation. */
  readonly declared: { readonly cpu?: number; readonly memory?: number };
}

interface Entry {
  memory: DecayedHistogram;
  cpu: DecayedHistogram;
  samples: number;
  ooms: number;
  declaredCpu: number | null;
  declaredMemory: number | null;
  lastAt: number;
}

interface EntryJSON {
  readonly memory: DecayedHistogramJSON;
  readonly cpu: DecayedHistogramJSON;
  readonly samples: number;
  readonly ooms: number;
  readonly declaredCpu: number | null;
  readonly declaredMemory: number | null;
  readonly lastAt: number;
}

export interface RightSizingJSON {
  readonly kind: 'kairos.rightsizing';
  readonly version: 1;
  readonly signatures: readonly (readonly [string, EntryJSON])[];
}

export class RightSizingRecommender {
  readonly options: RightSizingOptions;
  readonly #entries: LruMap<string, Entry>;

  constructor(options: Partial<RightSizingOptions> = {}) {
    this.options = { ...DEFAULT_RIGHTSIZING, ...options };
    const o = this.options;
    if (!(o.halfLifeMs > 0) || !(o.margin >= 0) || !(o.minSamples >= 1)) throw new RangeError('rightsizing halfLifeMs > 0, margin >= 0, minSamples >= 1 required');
    this.#entries = new LruMap(o.maxSignatures);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Records one finished attempt's use; false (nothing changed) when it carries no measurement. */
  observe(signature: string, u: UsageSample, atMs: number): boolean {
    const hasMem = u.peakRssBytes !== undefined && u.peakRssBytes > 0 && Number.isFinite(u.peakRssBytes);
    const hasCpu = u.cpuMs !== undefined && u.cpuMs >= 0 && Number.isFinite(u.cpuMs) && u.wallMs > 0;
    if (!hasMem && !hasCpu) return false;
    const e = this.#entry(signature, atMs);
    const tau = atMs / this.options.halfLifeMs;
    if (hasMem) e.memory.add(u.peakRssBytes!, tau);
    if (hasCpu) e.cpu.add((u.cpuMs! / u.wallMs) * 1000, tau);
    e.samples++;
    e.declaredCpu = u.declared.cpu ?? null;
    e.declaredMemory = u.declared.memory ?? null;
    e.lastAt = atMs;
    return true;
  }

  /** An attempt was killed for exceeding `limitBytes`: its true need is above that. */
  observeOom(signature: string, limitBytes: number, atMs: number): void {
    if (!(limitBytes > 0)) return;
    const e = this.#entry(signature, atMs);
    const o = this.options;
    e.memory.add(Math.max(limitBytes * o.oomBump, limitBytes + o.oomMinBumpBytes), atMs / o.halfLifeMs);
    e.ooms++;
    e.samples++;
    e.lastAt = atMs;
  }

  recommend(signature: string): RightSizingRecommendation | null {
    const e = this.#entries.peek(signature);
    return e === undefined ? null : this.#recommendation(signature, e);
  }

  /** Every signature's recommendation, most recently observed last. */
  all(): RightSizingRecommendation[] {
    const out: RightSizingRecommendation[] = [];
    for (const [sig, e] of this.#entries.entries()) out.push(this.#recommendation(sig, e));
    return out;
  }

  #recommendation(signature: string, e: Entry): RightSizingRecommendation {
    const o = this.options;
    const bounds = (h: DecayedHistogram, scale: number, min: number): Bounds | null => {
      const q = (p: number) => Math.max(min, (h.quantile(p) ?? 0) * scale * (1 + o.margin));
      return h.totalWeight > 0 ? { lower: q(o.lowerPercentile), target: q(o.targetPercentile), upper: q(o.upperPercentile) } : null;
    };
    return {
      signature, samples: e.samples, ooms: e.ooms, declared: { cpu: e.declaredCpu, memory: e.declaredMemory },
      memory: bounds(e.memory, 1, o.minMemoryBytes), cpu: bounds(e.cpu, 1 / 1000, o.minCpu),
      confident: e.samples >= o.minSamples, lastAt: e.lastAt,
    };
  }

  #entry(signature: string, atMs: number): Entry {
    let e = this.#entries.get(signature);
    if (e === undefined) {
      e = { memory: new DecayedHistogram(), cpu: new DecayedHistogram(), samples: 0, ooms: 0, declaredCpu: null, declaredMemory: null, lastAt: atMs };
      this.#entries.set(signature, e);
    }
    return e;
  }

  toJSON(): RightSizingJSON {
    const signatures: [string, EntryJSON][] = [];
    for (const [sig, e] of this.#entries.entries()) {
      signatures.push([sig, { memory: e.memory.toJSON(), cpu: e.cpu.toJSON(), samples: e.samples, ooms: e.ooms, declaredCpu: e.declaredCpu, declaredMemory: e.declaredMemory, lastAt: e.lastAt }]);
    }
    return { kind: 'kairos.rightsizing', version: 1, signatures };
  }

  /** Checks every field; throws on a file that is not a version-1 right-sizing model. */
  static fromJSON(j: unknown, options: Partial<RightSizingOptions> = {}): RightSizingRecommender {
    const m = j as RightSizingJSON;
    if (m === null || typeof m !== 'object' || m.kind !== 'kairos.rightsizing' || m.version !== 1 || !Array.isArray(m.signatures)) {
      throw new Error('not a kairos.rightsizing version 1 model');
    }
    const r = new RightSizingRecommender(options);
    for (const row of m.signatures) {
      if (!Array.isArray(row) || typeof row[0] !== 'string') throw new Error('right-sizing signature row is invalid');
      const [sig, e] = row;
      if (!Number.isInteger(e.samples) || e.samples < 0 || !Number.isInteger(e.ooms) || !Number.isFinite(e.lastAt)) throw new Error(`right-sizing entry '${sig}' is invalid`);
      r.#entries.set(sig, {
        memory: DecayedHistogram.fromJSON(e.memory), cpu: DecayedHistogram.fromJSON(e.cpu), samples: e.samples, ooms: e.ooms,
        declaredCpu: numOrNull(e.declaredCpu), declaredMemory: numOrNull(e.declaredMemory), lastAt: e.lastAt,
      });
    }
    return r;
  }
}

function numOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}
