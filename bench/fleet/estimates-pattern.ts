/**
 * The runtime estimator on issue 6's pattern, without the fleet: the engine's RuntimeEstimates
 * (lookup at enqueue, observe per result) over RUNS runs of the same N distinct signatures
 * (`default/bench-independent/t<i>`), as commit-share.ts's warm-up and timed runs do. Prints µs per
 * lookup and per observe for each run, CPU (process.cpuUsage), so the prediction cost of the
 * signatures still in the 10,000-signature LRU shows.
 *
 *   node --import tsx bench/fleet/estimates-pattern.ts [N=20000] [runs=6]
 */
import { RuntimeEstimates } from '../../src/engine/runtime-estimates.js';

const N = Number(process.argv[2] ?? 20_000);
const RUNS = Number(process.argv[3] ?? 6);
const est = new RuntimeEstimates(null);
const sigs = Array.from({ length: N }, (_, i) => `default/bench-independent/t${i}`);
let now = 1_700_000_000_000;
let sink = 0;
const cpu = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
for (let r = 0; r < RUNS; r++) {
  const n = r === 0 ? Math.min(N, 5000) : N;
  const c0 = cpu();
  for (let i = 0; i < n; i++) sink += est.lookup(sigs[i]!, now).value ?? 0;
  const c1 = cpu();
  for (let i = 0; i < n; i++) est.observe(sigs[i]!, 0.05 + (i % 7) * 0.01, (now += 0.05));
  const c2 = cpu();
  now += 1000;
  console.log(`run ${r} (${n}): lookup ${((c1 - c0) / n).toFixed(2)} µs, observe ${((c2 - c1) / n).toFixed(2)} µs per task`);
}
if (sink === -1) console.log(sink);
