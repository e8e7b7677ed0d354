/**
 * Runtime-prediction accuracy on the real workloads, replayed in time order (learn from the past,
 * predict the next). Usage:
 *
 *   node --import tsx bench/learn/runtime-accuracy.ts [--half-life N] [--json]
 *
 * Prints one row per data set and signature scheme; see docs/self-tuning.md ("Runtime prediction")
 * for what each column means and the recorded results.
 */
import { alibabaReplay, tpchReplay, wfcommonsReplay, type Step } from './replay.js';
import { score, type Score } from './score.js';

const args = process.argv.slice(2);
const hlArg = args.indexOf('--half-life');
const halfLifeObservations = hlArg >= 0 ? Number(args[hlArg + 1]) : undefined;
const asJson = args.includes('--json');

interface Case { name: string; signature: string; floorMs: number; steps: () => Step[] }

const CASES: Case[] = [
  { name: 'tpch', signature: 'tpch-<size>/q<n>/s<stage>', floorMs: 1, steps: () => tpchReplay(true) },
  { name: 'tpch-pooled', signature: 'tpch/q<n>/s<stage>', floorMs: 1, steps: () => tpchReplay(false, 1, false) },
  { name: 'tpch+size', signature: 'tpch/q<n>/s<stage> + sizeGB', floorMs: 1, steps: () => tpchReplay(false) },
  { name: 'wfcommons', signature: '<app>/<task type>', floorMs: 1000, steps: () => wfcommonsReplay(false) },
  { name: 'wfcommons+input', signature: '<app>/<task type> + inputBytes', floorMs: 1000, steps: () => wfcommonsReplay(true) },
  { name: 'alibaba', signature: 'alibaba/<job shape>/<task>', floorMs: 1000, steps: () => alibabaReplay(false, false) },
  { name: 'alibaba+inst', signature: 'alibaba/<job shape>/<task> + instances', floorMs: 1000, steps: () => alibabaReplay(false, true) },
  { name: 'alibaba-name', signature: 'alibaba/<task>', floorMs: 1000, steps: () => alibabaReplay(true, false) },
];

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');
const rows: { c: Case; s: Score; ms: number }[] = [];
for (const c of CASES) {
  const t0 = performance.now();
  const steps = c.steps();
  const s = score(steps, c.floorMs, halfLifeObservations === undefined ? {} : { halfLifeObservations });
  rows.push({ c, s, ms: performance.now() - t0 });
}

if (asJson) {
  console.log(JSON.stringify(rows.map(({ c, s }) => ({ name: c.name, signature: c.signature, ...s })), null, 2));
} else {
  const head = ['data set', 'signature', 'n', 'MdAPE mean', 'MdAPE p50', 'MAPE mean', 'MAPE p50', 'cov p90', 'cov p99', 'warm cov p90/p99', 'sig/prefix/global/none', 'regr', 'last-value MdAPE / MAPE', 'global-mean MdAPE / MAPE'];
  const lines = rows.map(({ c, s }) => {
    const tot = s.sources.signature + s.sources.prefix + s.sources.global + s.sources.none;
    const src = [s.sources.signature, s.sources.prefix, s.sources.global, s.sources.none].map((v) => (100 * v / tot).toFixed(1)).join('/');
    return [c.name, `\`${c.signature}\``, String(s.predictions), pct(s.mdapeMean), pct(s.mdapeP50), pct(s.mapeMean), pct(s.mapeP50), pct(s.coverP90), pct(s.coverP99),
      `${pct(s.warmCoverP90)} / ${pct(s.warmCoverP99)}`, `${src} %`, pct(s.regressionShare), `${pct(s.lastValue.mdape)} / ${pct(s.lastValue.mape)}`, `${pct(s.globalMean.mdape)} / ${pct(s.globalMean.mape)}`];
  });
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
  console.log(`\nhalf-life ${halfLifeObservations ?? 'default'} observations; ${rows.map((r) => `${r.c.name} ${(r.ms / 1000).toFixed(1)} s`).join(', ')}`);
}
