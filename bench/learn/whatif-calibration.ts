/**
 * The digital twin's calibration on a recorded live history (docs/self-tuning.md "Digital twin"):
 * runs the three example workflows (examples/etl.yaml, ci.yaml, ml-train.yaml: real shell tasks
 * that sleep 0.2-0.5 s) on an embedded engine with a small worker, arriving as a Poisson stream so
 * they contend, then reads the history back from the store and replays it under the policy it
 * ran with and the alternatives: how close is the replay of what really ran (avg / p95 JCT), and
 * what would the others have done. Usage:
 *
 *   node --import tsx bench/learn/whatif-calibration.ts [--runs 40] [--gap-ms 400] [--cpu 2] [--seeds 3] [--policy priority] [--validate sjf,fifo]
 *
 * `--validate P,Q`: also runs the same arrivals (same seed: same workflows, same gaps) live under
 * P and Q, and compares what the twin predicted for them with what really happened.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRng } from '../../src/core/clock.js';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import type { WorkflowSpec } from '../../src/core/model.js';
import { Engine } from '../../src/engine/engine.js';
import { loadHistoryTrace } from '../../src/engine/history-trace.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { formatWhatIf } from '../../src/cli/commands/whatif.js';
import { buildCandidates } from '../../src/learn/whatif-candidates.js';
import { whatIf, type WhatIfReport } from '../../src/learn/whatif.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const RUNS = Number(arg('runs', '40'));
const GAP_MS = Number(arg('gap-ms', '400'));
const CPU = Number(arg('cpu', '2'));
const SEEDS = Number(arg('seeds', '3'));
const POLICY = arg('policy', 'priority');
const ALTERNATIVES = arg('policies', 'fifo,sjf,wrr,fair,edf').split(',');

function load(file: string): WorkflowSpec {
  const r = parseWorkflow(readFileSync(join('examples', file), 'utf8'));
  if (!r.ok) throw new Error(`${file}: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.spec;
}
const SPECS = [load('etl.yaml'), load('ci.yaml'), load('ml-train.yaml')];

const VALIDATE = arg('validate', '').split(',').filter(Boolean);

async function recordAndReplay(seed: number, policy = POLICY): Promise<WhatIfReport> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-twin-'));
  const store = new SqliteStore(join(dir, 'kairos.db'));
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(), capacity: { cpu: CPU, memory: 8 * 2 ** 30 }, scheduler: { policy }, runtimeModel: null });
  const rng = new SeededRng(seed);
  const t0 = Date.now();
  try {
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      ids.push((await engine.submit(SPECS[rng.int(SPECS.length)]!)).id);
      await new Promise((r) => setTimeout(r, rng.exponential(GAP_MS)));
    }
    for (const id of ids) await engine.wait(id);
    const trace = await loadHistoryTrace(store, { fromMs: t0, toMs: Date.now() + 1, capacity: engine.options.capacity, concurrency: engine.concurrency });
    const c = buildCandidates({ policy }, ALTERNATIVES);
    return whatIf(trace, { current: c.current, alternatives: c.alternatives });
  } finally {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const reports: WhatIfReport[] = [];
for (let s = 1; s <= SEEDS; s++) {
  const r = await recordAndReplay(s);
  reports.push(r);
  process.stdout.write(`--- seed ${s}\n${formatWhatIf(r)}\n`);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const errs = reports.map((r) => r.calibration.avgJctError);
const p95errs = reports.map((r) => (r.calibration.replayedP95JctMs - r.calibration.recordedP95JctMs) / r.calibration.recordedP95JctMs);
process.stdout.write(`calibration over ${SEEDS} recorded histories (${RUNS} runs each, ${POLICY}, ${CPU} cpu): avg JCT error mean ${(mean(errs) * 100).toFixed(1)}% [${errs.map((e) => (e * 100).toFixed(1)).join(', ')}], p95 JCT error mean ${(mean(p95errs) * 100).toFixed(1)}%\n`);
const labels = reports[0]!.rows.map((r) => r.label);
for (const l of labels) {
  const vs = reports.map((r) => r.rows.find((x) => x.label === l)!.avgJctVsCurrent);
  process.stdout.write(`  ${l.padEnd(18)} predicted avg JCT vs current: mean ${((mean(vs) - 1) * 100).toFixed(1)}% [${vs.map((v) => ((v - 1) * 100).toFixed(1)).join(', ')}]\n`);
}

// Validation: the twin's prediction for P (from the history recorded under POLICY) vs P live.
for (const p of VALIDATE) {
  const rows: string[] = [];
  const errsP: number[] = [];
  for (let s = 1; s <= SEEDS; s++) {
    const predicted = reports[s - 1]!.rows.find((x) => x.label === p)!.metrics.avgJctMs;
    const live = (await recordAndReplay(s, p)).recorded.avgJctMs;
    errsP.push((predicted - live) / live);
    rows.push(`seed ${s}: predicted ${(predicted / 1000).toFixed(2)} s, live ${(live / 1000).toFixed(2)} s`);
  }
  process.stdout.write(`validate ${p}: ${rows.join('; ')}; prediction error mean ${(mean(errsP) * 100).toFixed(1)}%\n`);
}
