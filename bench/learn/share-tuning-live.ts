/**
 * Priority-share tuning live (docs/self-tuning.md "Priority shares in the engine"): an embedded
 * engine (temp SQLite) with 4 slots and the wrr policy at 50/50 shares, fed a Poisson stream of
 * one-task runs — high priority at 65% of capacity, normal at 30% — whose `fn` tasks sleep an
 * exponential time (mean 1 s). Under 50/50, high gets only half the slots whenever both
 * queues are busy, less than its 65% load, and its p95 queue wait misses the 3 s objective; with
 * `autoShares: { objectives: { high: '3s' } }` the engine moves share to high. Usage:
 *
 *   node --import tsx bench/learn/share-tuning-live.ts [--seconds 150] [--seeds 3] [--mean-ms 1000] [--objective-ms 3000] [--window-ms 10000] [--step 0.1] [--min-samples 10] [--trace]
 *
 * Tasks last about a second so that the engine's own dispatch work (and a loaded machine) stays
 * small against the queue waits being tuned.
 *
 * `--sim`: the same mix in the simulator instead (see simOnce), e.g. `--sim --seeds 10 --seconds 3600`.
 *
 * Waits are measured from the engine's own task events (queued -> running, engine clock). Each
 * configuration sees the same arrivals and durations for a seed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRng } from '../../src/core/clock.js';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import { Engine } from '../../src/engine/engine.js';
import type { AutoSharesOptions } from '../../src/engine/share-tuning.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { quantileSorted, sorted } from '../../src/sim/stats.js';
import { compileExperiment, runExperiment, type JobSpec, type Workload } from '../../src/sim/index.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import { ShareTuning } from '../../src/engine/share-tuning.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 200);
const SEEDS = arg('seeds', 3);
const trace = args.includes('--trace');
const SLOTS = 4;
const MEAN_MS = arg('mean-ms', 1000);
const LOAD = { high: 0.65, normal: 0.3 };
const OBJECTIVE_MS = arg('objective-ms', 3000);
const WINDOW_MS = arg('window-ms', 10_000);
const AUTO: AutoSharesOptions = {
  objectives: { high: OBJECTIVE_MS },
  window: WINDOW_MS,
  minSamples: arg('min-samples', 10),
  step: arg('step', 0.1),
  bounds: { high: { min: 0.5, max: 0.95 }, normal: { min: 0.05, max: 0.5 } },
};

const spec = (name: string, priority: string) => {
  const r = parseWorkflow(`name: ${name}\npriority: ${priority}\ntasks:\n  t:\n    fn: work\n    resources: {cpu: 1}\n`);
  if (!r.ok) throw new Error(r.errors[0]!.message);
  return r.spec;
};
const SPECS = { high: spec('urgent', 'high'), normal: spec('batch', 'normal') };

interface Outcome { p95: Record<string, number>; p95Late: Record<string, number>; meets: number; changes: number; final: string; runs: number }

async function once(seed: number, tuned: boolean): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-shares-'));
  const store = new SqliteStore(join(dir, 'kairos.db'));
  const durations = new SeededRng(seed * 31 + 7);
  const engine = new Engine({
    store, stateDir: dir, runtimeModel: null,
    executors: localExecutors(new Map([['work', () => new Promise((r) => setTimeout(r, durations.exponential(MEAN_MS)))]])),
    capacity: { cpu: SLOTS, memory: 2 ** 30 },
    scheduler: { policy: 'wrr', settings: { shares: { high: 0.5, normal: 0.5 } } },
    ...(tuned ? { autoShares: AUTO } : {}),
  });
  const level = new Map<string, string>();
  const queuedAt = new Map<string, number>();
  const waits: { at: number; level: string; wait: number }[] = [];
  engine.on('task', (c) => {
    if (c.state === 'queued') queuedAt.set(c.runId, c.at);
    else if (c.state === 'running' && queuedAt.has(c.runId)) waits.push({ at: c.at, level: level.get(c.runId)!, wait: c.at - queuedAt.get(c.runId)! });
  });
  engine.on('tuning', (d) => trace && seed === 1 && process.stdout.write(`  ${((d.at - t0) / 1000).toFixed(1)} s: ${d.reason}\n`));
  // Arrivals: two Poisson streams merged, from the seed.
  const rng = new SeededRng(seed);
  const rate = (SLOTS / MEAN_MS); // tasks per ms at full load
  const arrivals: { at: number; level: 'high' | 'normal' }[] = [];
  for (const l of ['high', 'normal'] as const) for (let t = rng.exponential(1 / (LOAD[l] * rate)); t < SECONDS * 1000; t += rng.exponential(1 / (LOAD[l] * rate))) arrivals.push({ at: t, level: l });
  arrivals.sort((a, b) => a.at - b.at);
  const t0 = Date.now();
  const ids: string[] = [];
  try {
    for (const a of arrivals) {
      const delay = t0 + a.at - Date.now();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const row = await engine.submit(SPECS[a.level]);
      level.set(row.id, a.level);
      ids.push(row.id);
    }
    for (const id of ids) await engine.wait(id);
  } finally {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const p = (l: string, from = 0) => quantileSorted(sorted(waits.filter((w) => w.level === l && w.at - t0 >= from).map((w) => w.wait)), 0.95);
  let ok = 0;
  let n = 0;
  for (let s = 0; s < SECONDS * 1000; s += WINDOW_MS) {
    const xs = waits.filter((w) => w.level === 'high' && w.at - t0 >= s && w.at - t0 < s + WINDOW_MS).map((w) => w.wait);
    if (xs.length === 0) continue;
    n++;
    if (quantileSorted(sorted(xs), 0.95) <= OBJECTIVE_MS) ok++;
  }
  const shares = engine.scheduler.config.settings?.['shares'] as Record<string, number>;
  return {
    p95: { high: p('high'), normal: p('normal') },
    p95Late: { high: p('high', SECONDS * 500), normal: p('normal', SECONDS * 500) },
    meets: n > 0 ? ok / n : 1,
    changes: engine.selfTuning.log.recent().filter((d) => d.tuner === 'shares').length,
    final: `${shares.high!.toFixed(2)}/${shares.normal!.toFixed(2)}`,
    runs: ids.length,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const s = (ms: number) => (ms / 1000).toFixed(2);

/**
 * `--sim`: the same mix in the simulator (virtual time, the real Scheduler, the engine's own
 * ShareTuning glue driven after each round as the engine drives it), `--seconds` of arrivals per
 * seed: many seeds and long horizons in seconds of wall time, without the engine's overhead.
 */
function simOnce(seed: number, tuned: boolean): Outcome {
  const rng = new SeededRng(seed);
  const rate = SLOTS / MEAN_MS;
  const jobs: JobSpec[] = [];
  for (const l of ['high', 'normal'] as const) {
    let i = 0;
    for (let t = rng.exponential(1 / (LOAD[l] * rate)); t < SECONDS * 1000; t += rng.exponential(1 / (LOAD[l] * rate)), i++) {
      jobs.push({ name: `${l}-${i}`, namespace: 'default', arrivalMs: Math.round(t), priority: l === 'high' ? 100 : 50, relativeDeadlineMs: null,
        stages: [{ id: 't', parents: [], numTasks: 1, estimateMs: MEAN_MS, resources: { cpu: 1 }, sampler: { sample: (_i: number, _n: number, r) => -Math.log(1 - r.next()) * MEAN_MS } }] });
    }
  }
  jobs.sort((a, b) => a.arrivalMs! - b.arrivalMs!);
  const wl: Workload = { name: 'two-priority', jobs, cluster: [{ count: 1, capacity: { cpu: SLOTS }, speed: 1 }], workerShape: { cpu: SLOTS }, defaultArrivals: 'trace', draw: false, defaultJobs: jobs.length };
  const waits: { at: number; level: string; wait: number }[] = [];
  let tuning: ShareTuning | null = null;
  let sched: Scheduler | null = null;
  runExperiment(compileExperiment({ workload: wl, seed, arrivals: 'trace' }), { policy: 'wrr', settings: { shares: { high: 0.5, normal: 0.5 } } }, {
    makeScheduler: (c, r) => {
      const sc = (sched = new Scheduler(c, { rng: r }));
      if (tuned) tuning = new ShareTuning(AUTO, sc, (cfg) => sc.configure(cfg), () => {});
      const schedule = sc.schedule.bind(sc);
      sc.schedule = (now) => {
        const res = schedule(now);
        for (const p of res.placements) waits.push({ at: now, level: p.task.priority >= 100 ? 'high' : 'normal', wait: now - p.task.readyAt });
        (tuning as ShareTuning | null)?.onRound(now, res.placements);
        return res;
      };
      return sc;
    },
  });
  const p = (l: string, from = 0) => quantileSorted(sorted(waits.filter((w) => w.level === l && w.at >= from).map((w) => w.wait)), 0.95);
  let ok = 0;
  let n = 0;
  for (let t = 0; t < SECONDS * 1000; t += WINDOW_MS) {
    const xs = waits.filter((w) => w.level === 'high' && w.at >= t && w.at < t + WINDOW_MS).map((w) => w.wait);
    if (xs.length === 0) continue;
    n++;
    if (quantileSorted(sorted(xs), 0.95) <= OBJECTIVE_MS) ok++;
  }
  const shares = (sched as Scheduler | null)!.config.settings?.['shares'] as Record<string, number>;
  return {
    p95: { high: p('high'), normal: p('normal') }, p95Late: { high: p('high', SECONDS * 500), normal: p('normal', SECONDS * 500) },
    meets: n > 0 ? ok / n : 1, changes: (tuning as ShareTuning | null)?.state().changes ?? 0, final: `${shares.high!.toFixed(2)}/${shares.normal!.toFixed(2)}`, runs: jobs.length,
  };
}
process.stdout.write(`| shares | runs | high p95 wait (s) | normal p95 wait (s) | 2nd half: high / normal p95 (s) | ${WINDOW_MS / 1000}-s windows with high p95 <= ${OBJECTIVE_MS / 1000} s | share changes | final high/normal |\n|---|---|---|---|---|---|---|---|\n`);
for (const tuned of [false, true]) {
  const outs: Outcome[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) outs.push(args.includes('--sim') ? simOnce(seed, tuned) : await once(seed, tuned));
  const m = (f: (o: Outcome) => number) => mean(outs.map(f));
  const perSeed = outs.length <= 5 ? ` [${outs.map((o) => s(o.p95.high!)).join(', ')}]` : ` [${s(Math.min(...outs.map((o) => o.p95.high!)))}-${s(Math.max(...outs.map((o) => o.p95.high!)))}]`;
  process.stdout.write(`| ${tuned ? `tuned from 50/50 (objective high p95 <= ${OBJECTIVE_MS / 1000} s)` : '50/50, untuned'} | ${m((o) => o.runs).toFixed(0)} | ${s(m((o) => o.p95.high!))}${perSeed} | ${s(m((o) => o.p95.normal!))} | ${s(m((o) => o.p95Late.high!))} / ${s(m((o) => o.p95Late.normal!))} | ${(m((o) => o.meets) * 100).toFixed(0)}% | ${m((o) => o.changes).toFixed(1)} | ${outs.length <= 5 ? outs.map((o) => o.final).join(', ') : `${s(m((o) => Number(o.final.split('/')[0]) * 1000))} high (mean)`} |\n`);
}
