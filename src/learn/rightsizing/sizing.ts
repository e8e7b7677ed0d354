/**
 * What to request, given a declared request and a recommendation: the two sizing decisions the
 * engine (and any other driver) takes from the recommender, each with its reason.
 *
 * - `applied`: the recommendation's target replaces the declared cpu / memory when the
 *   recommendation is confident; a dimension the task did not declare is left alone (the
 *   request would otherwise appear from nowhere and change placement for tasks that never asked
 *   for any). Memory is never recommended below `minMemoryBytes` (the recommender's floor).
 * - `afterOom`: the memory request for the retry of an attempt killed for memory: x growth of the
 *   limit it was killed at, at least the recommendation's upper bound, at most `capBytes`; null
 *   when the cap was already reached (retrying at the same size would fail the same way).
 */
import type { RightSizingRecommendation } from './recommender.js';

export interface SizedRequest {
  readonly resources: Readonly<Record<string, number>>;
  readonly changed: boolean;
  readonly reason: string;
}

export function applied(declared: Readonly<Record<string, number>>, rec: RightSizingRecommendation | null): SizedRequest {
  if (rec === null) return { resources: declared, changed: false, reason: 'no recommendation yet' };
  if (!rec.confident) return { resources: declared, changed: false, reason: `only ${rec.samples} sample(s): not confident yet` };
  const out: Record<string, number> = { ...declared };
  const parts: string[] = [];
  if (declared.memory !== undefined && declared.memory > 0 && rec.memory !== null && Math.abs(rec.memory.target - declared.memory) > 1) {
    out.memory = Math.round(rec.memory.target);
    parts.push(`memory ${mib(declared.memory)} -> ${mib(out.memory)}`);
  }
  if (declared.cpu !== undefined && declared.cpu > 0 && rec.cpu !== null && Math.abs(rec.cpu.target - declared.cpu) > 1e-3) {
    out.cpu = Math.round(rec.cpu.target * 1000) / 1000;
    parts.push(`cpu ${declared.cpu} -> ${out.cpu}`);
  }
  if (parts.length === 0) return { resources: declared, changed: false, reason: 'recommendation equals the declared request' };
  return { resources: out, changed: true, reason: `recommended from ${rec.samples} attempt(s) (p90 + margin): ${parts.join(', ')}` };
}

export interface OomGrowth {
  readonly growth: number;
  readonly capBytes: number;
}

export function afterOom(killedAtBytes: number, rec: RightSizingRecommendation | null, g: OomGrowth): { memory: number; reason: string } | null {
  if (killedAtBytes >= g.capBytes) return null;
  const grown = killedAtBytes * g.growth;
  const upper = rec?.memory?.upper ?? 0;
  const memory = Math.round(Math.min(g.capBytes, Math.max(grown, upper)));
  const why = upper > grown ? `the recommendation's upper bound ${mib(upper)}` : `${g.growth} x ${mib(killedAtBytes)}`;
  return { memory, reason: `killed for memory at ${mib(killedAtBytes)}: retry with ${mib(memory)} (${why}${memory === g.capBytes ? ', capped' : ''})` };
}

function mib(b: number): string {
  return `${+(b / 1048576).toFixed(1)} MiB`;
}
