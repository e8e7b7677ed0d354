/**
 * The replays of the live history (regret by replay, fine-tuning) show the learned policy the
 * runtime uncertainty a live engine would (estimate_cv = population stdev / mean of the
 * signature's recorded runtimes in the window), while still replaying the recorded runtimes
 * exactly: on a small hand-built trace, and on a hand-built store (a declared estimate: 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { SchedTask } from '../../src/sched/types.js';
import { compileExperiment, placementObserver, runExperiment } from '../../src/sim/experiment.js';
import type { SimTask } from '../../src/sim/sim-job.js';
import { historyWorkload, type HistoryTrace, type TraceRun, type TraceTask } from '../../src/sim/workloads/live-history.js';
import { withRuntimeSpread } from '../../src/sim/workloads/trace-runtime-spread.js';
import { FEATURE_COUNT, FEATURE_NAMES, writeFeatures, type DecisionContext } from '../../src/learn/rl/features.js';
import { loadHistoryTrace } from '../../src/engine/history-trace.js';
import { tempDir, writeHistory } from '../engine/whatif-fixture.js';

const T0 = 1_700_000_000_000;
const ctx: DecisionContext = { now: 0, totalCpu: 1, freeCpu: 1, waitingTasks: 1, waitingJobs: 1, unknownEstimateMs: 60_000, minRemainingLog: 0, maxBottomMs: 1000 };

function task(id: string, runtimeMs: number, parents: number[] = []): TraceTask {
  return { id, parents, runtimeMs, estimateMs: 2000, resources: { cpu: 1 }, priority: 50, attempts: 1, readyAt: null, startedAt: 0, finishedAt: runtimeMs };
}

function run(id: string, workflow: string, k: number, tasks: TraceTask[]): TraceRun {
  return { id, workflow, namespace: 'default', priority: 50, arrivalAt: T0 + k * 600_000, finishedAt: T0 + k * 600_000 + 10_000, deadlineAt: null, state: 'succeeded', tasks };
}

/** `a` ran 1000, 2000, 3000 ms in workflow w; `solo` once; foreach `fan` 1000 and 3000; `a` of workflow v once. */
function handTrace(): HistoryTrace {
  const runs = [
    run('r0', 'w', 0, [task('a', 1000), task('solo', 700, [0]), task('fan[0]', 1000, [0]), task('fan[1]', 3000, [0])]),
    run('r1', 'w', 1, [task('a', 2000)]),
    run('r2', 'w', 2, [task('a', 3000)]),
    run('r3', 'v', 3, [task('a', 5000)]),
  ];
  return { fromMs: T0, toMs: T0 + 3 * 600_000 + 1, capacity: { cpu: 1, memory: 2 ** 30 }, concurrency: 1, runs, skipped: { unfinishedRuns: 0, tasksNotStarted: 0, emptyRuns: 0 } };
}

/** Replays under FIFO; every placed task as the scheduler saw it, by `run/task`. */
function placed(trace: HistoryTrace): Map<string, SimTask> {
  const seen = new Map<string, SimTask>();
  const exp = compileExperiment({ workload: historyWorkload(trace), arrivals: 'trace', seed: 1 });
  runExperiment(exp, { policy: 'fifo' }, {
    makeScheduler: placementObserver((p) => {
      const t = p.task as SimTask;
      seen.set(`${t.sj.spec.name}/${t.sj.spec.stages[t.stage]!.id}`, t);
    }),
  });
  return seen;
}

/** The learned policy's estimate_cv feature of a task. */
function featureCv(t: SchedTask): number {
  const x = new Float64Array(FEATURE_COUNT);
  writeFeatures({ head: t, count: 1, jobGroups: 1, jobRunning: 0, jobMaxBottomMs: 0, workAheadMs: 0 }, ctx, x, 0);
  return x[FEATURE_NAMES.indexOf('estimate_cv')]!;
}

test('replay: a task feature shows its signature stdev / mean, one sample shows 0, durations stay exact', () => {
  const trace = handTrace();
  const seen = placed(trace);
  assert.equal(seen.size, 7, [...seen.keys()].join(" "));
  const cvA = Math.sqrt(((1000 - 2000) ** 2 + 0 + (3000 - 2000) ** 2) / 3) / 2000; // 0.408
  for (const r of ['r0', 'r1', 'r2']) assert.ok(Math.abs(featureCv(seen.get(`${r}/a`)!) - cvA) < 1e-12, `${r}/a`);
  assert.equal(featureCv(seen.get('r0/solo')!), 0, 'one sample');
  assert.equal(featureCv(seen.get('r3/a')!), 0, 'another workflow is another signature');
  // Foreach instances share their group's signature: 1000 and 3000 -> stdev 1000 / mean 2000.
  assert.equal(featureCv(seen.get('r0/fan[0]')!), 0.5);
  assert.equal(featureCv(seen.get('r0/fan[1]')!), 0.5);
  // Only the feature changed: each stage still runs exactly its recorded runtime.
  for (const r of trace.runs) for (const t of r.tasks) assert.equal(seen.get(`${r.id}/${t.id}`)!.trueMs, t.runtimeMs, `${r.id}/${t.id}`);
  // Deterministic: a second replay sees the same inputs.
  const again = placed(trace);
  for (const [k, t] of seen) assert.equal(again.get(k)!.estimateCv, t.estimateCv, k);
});

test('an episode cut from the window keeps the window spread (fine-tuning), a given cv is kept', () => {
  const full = withRuntimeSpread(handTrace());
  assert.equal(withRuntimeSpread(full), full, 'already annotated: returned as is');
  const oneRun = (t: HistoryTrace): HistoryTrace => ({ ...t, runs: [t.runs[1]!] });
  const cvOf = (t: HistoryTrace): number => historyWorkload(oneRun(t)).jobs[0]!.stages[0]!.sampler!.cv!(1);
  assert.ok(Math.abs(cvOf(full) - Math.sqrt(2 / 3) / 2) < 1e-12, 'the window: 1000, 2000, 3000');
  assert.equal(cvOf(handTrace()), 0, 'a lone run, not annotated first, sees only its own sample');
  const given = handTrace();
  const r1 = given.runs[1]!;
  const pinned: HistoryTrace = { ...given, runs: [given.runs[0]!, { ...r1, tasks: [{ ...r1.tasks[0]!, estimateCv: 1.25 }] }, ...given.runs.slice(2)] };
  assert.equal(cvOf(pinned), 1.25);
});

test('from the store: a declared estimate has no spread, a learned one the window spread', async () => {
  const dir = tempDir();
  const store = await writeHistory(dir, [
    {
      id: 'a', workflow: 'etl', createdAt: T0, finishedAt: T0 + 9000,
      tasks: [
        { id: 'extract', readyAt: 0, startedAt: 100, finishedAt: 2100, estimate: '3s' },
        { id: 'load', needs: ['extract', 'fan'], readyAt: 6000, startedAt: 6000, finishedAt: 9000 },
        { id: 'fan[0]', specId: 'fan', readyAt: 2100, startedAt: 2100, finishedAt: 4100 },
        { id: 'fan[1]', specId: 'fan', readyAt: 2100, startedAt: 2200, finishedAt: 6000 },
      ],
      specTasks: '  fan:\n    run: "true"\n    needs: [extract]\n    foreach: "[1, 2]"',
    },
    {
      id: 'b', workflow: 'etl', createdAt: T0 + 10_000, finishedAt: T0 + 14_000,
      tasks: [{ id: 'extract', readyAt: 0, startedAt: 0, finishedAt: 4000, estimate: '3s' }],
    },
  ]);
  try {
    const trace = await loadHistoryTrace(store, { fromMs: T0 - 1, toMs: T0 + 60_000, capacity: { cpu: 1, memory: 2 ** 30 }, concurrency: 1 });
    const seen = placed(trace);
    assert.equal(featureCv(seen.get('a/extract')!), 0, 'declared (2000 and 4000 recorded, but the estimate was given)');
    assert.equal(featureCv(seen.get('a/load')!), 0, 'one sample');
    // fan: 2000 and 3800 -> mean 2900, population stdev 900.
    assert.ok(Math.abs(featureCv(seen.get('a/fan[1]')!) - 900 / 2900) < 1e-12);
    assert.equal(seen.get('a/fan[1]')!.trueMs, 3800);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
