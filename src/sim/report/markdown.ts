/**
 * The bench report: a Markdown page and its SVG charts, returned as file name -> content (the
 * CLI writes them; this module does no I/O). Charts: the JCT CDF of each policy (all seeds
 * pooled), average JCT bars with 95% intervals and the lower bound as a dashed line, and the
 * utilization over time of the first seed.
 */
import type { BenchResult } from '../bench.js';
import { barChart, lineChart } from './svg.js';
import { describeSeeds, markdownTable } from './tables.js';

export interface ReportInput {
  readonly result: BenchResult;
  /** The command line that produced it, quoted in the report so it can be re-run. */
  readonly command: string;
}

export function benchReport({ result: res, command }: ReportInput): Record<string, string> {
  const files: Record<string, string> = {};
  files['jct-cdf.svg'] = lineChart({
    title: `JCT distribution — ${res.workload}`,
    xLabel: 'job completion time (s)',
    yLabel: 'fraction of jobs',
    yRange: [0, 1],
    step: true,
    series: res.rows.map((r) => ({ name: r.label, points: r.cdf.map(([x, y]) => [x / 1000, y] as const) })),
  });
  files['avg-jct.svg'] = barChart({
    title: `Average JCT, mean of ${res.seeds.length} seed(s) with 95% CI`,
    yLabel: 'average JCT (s)',
    bars: res.rows.map((r) => ({ label: r.label, value: r.avgJct.mean / 1000, half: r.avgJct.half / 1000 })),
    reference: { value: res.lowerBound.mean / 1000, label: 'lower bound' },
  });
  files['utilization.svg'] = lineChart({
    title: `Cluster utilization over time (seed ${res.seeds[0]})`,
    xLabel: 'time (s)',
    yLabel: 'busy cores / capacity',
    yRange: [0, 1],
    series: res.rows.map((r) => ({ name: r.label, points: r.utilizationSeries.map(([x, y]) => [x / 1000, y] as const) })),
  });
  const best = [...res.rows].sort((a, b) => a.avgJct.mean - b.avgJct.mean)[0]!;
  files['README.md'] = [
    `# Scheduler comparison: ${res.workload}`,
    '',
    `Produced by \`${command}\`.`,
    '',
    `- Jobs: ${res.jobs}, arrivals: ${res.arrivals}`,
    `- Cluster: ${res.workers} workers, ${+res.capacityCores.toFixed(2)} cores (cpu x speed)`,
    `- Seeds: ${describeSeeds(res.seeds)} — every policy ran on the same jobs, arrivals and durations for a seed`,
    `- Lower bound on the average JCT: ${(res.lowerBound.mean / 1000).toFixed(1)} s (max of per-job critical path / work bound and fluid SRPT; see docs/simulator.md)`,
    '',
    'Each cell is the mean over seeds ± the half-width of its 95% confidence interval (Student t).',
    '',
    markdownTable(res),
    '',
    `Lowest average JCT: **${best.label}** (${(best.avgJct.mean / 1000).toFixed(1)} s, ${best.jctRatio.mean.toFixed(2)}x the lower bound).`,
    '',
    '![Average JCT](avg-jct.svg)',
    '',
    '![JCT CDF](jct-cdf.svg)',
    '',
    '![Utilization](utilization.svg)',
    '',
  ].join('\n');
  return files;
}
