/**
 * Bench results as tables: aligned text for the terminal, Markdown for the report. Times are in
 * seconds; every cell is "mean ± half-width of the 95% interval" over the seeds.
 */
import type { BenchResult, BenchRow } from '../bench.js';
import type { Interval } from '../stats.js';

const HEAD = ['policy', 'avg JCT (s)', 'p95 JCT (s)', 'makespan (s)', 'deadline miss', 'jobs/h', 'max wait (s)', 'util', 'JCT / LB'];

function pm(i: Interval, scale: number, digits: number): string {
  const m = (i.mean * scale).toFixed(digits);
  return i.n > 1 ? `${m} ± ${(i.half * scale).toFixed(digits)}` : m;
}

export function rowCells(r: BenchRow): string[] {
  return [
    r.label,
    pm(r.avgJct, 1e-3, 1),
    pm(r.p95Jct, 1e-3, 1),
    pm(r.makespan, 1e-3, 0),
    pm(r.deadlineMiss, 100, 1) + '%',
    pm(r.throughput, 3600, 1),
    pm(r.maxWait, 1e-3, 0),
    pm(r.utilization, 100, 1) + '%',
    pm(r.jctRatio, 1, 2),
  ];
}

export function textTable(res: BenchResult): string {
  const rows = [HEAD, ...res.rows.map(rowCells)];
  const widths = HEAD.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [
    `${res.workload}: ${res.jobs} jobs, arrivals ${res.arrivals}, ${res.workers} workers (${+res.capacityCores.toFixed(2)} cores), seeds ${describeSeeds(res.seeds)}`,
    `lower bound on avg JCT: ${pm(res.lowerBound, 1e-3, 1)} s`,
    line(rows[0]!),
    ...rows.slice(1).map(line),
  ].join('\n');
}

export function markdownTable(res: BenchResult): string {
  const rows = res.rows.map(rowCells);
  return [`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i === 0 ? ':--' : '--:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function describeSeeds(seeds: readonly number[]): string {
  if (seeds.length > 2 && seeds.every((s, i) => i === 0 || s === seeds[i - 1]! + 1)) return `${seeds[0]}..${seeds[seeds.length - 1]}`;
  return seeds.join(',');
}
