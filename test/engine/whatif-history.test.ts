/**
 * The digital twin's history -> workload conversion on a small hand-built store (real SQLite in a
 * temp folder), and the replay: a FIFO history replayed under FIFO reproduces what was recorded
 * exactly (calibration 0%), and SJF is predicted to cut the average JCT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { loadHistoryTrace } from '../../src/engine/history-trace.js';
import { historyWorkload } from '../../src/sim/workloads/live-history.js';
import { whatIf } from '../../src/learn/whatif.js';
import { buildCandidates } from '../../src/learn/whatif-candidates.js';
import { contendedHistory, tempDir, writeHistory } from './whatif-fixture.js';

const T0 = 1_700_000_000_000;
const CAP = { capacity: { cpu: 1, memory: 2 ** 30 }, concurrency: 1 };

test('history -> trace: parents, foreach instances, last-attempt runtimes, estimates, and what is left out', async () => {
  const dir = tempDir();
  const store = await writeHistory(dir, [
    {
      id: 'a', workflow: 'etl', priority: 'high', createdAt: T0, finishedAt: T0 + 9000, deadline: '1m',
      tasks: [
        { id: 'extract', readyAt: 0, startedAt: 100, finishedAt: 2100, estimate: '3s' },
        { id: 'load', needs: ['extract', 'fan'], readyAt: 6000, startedAt: 6000, finishedAt: 9000, failedFirstMs: 500 },
        { id: 'never', needs: ['extract'], readyAt: null, startedAt: null, finishedAt: null, state: 'skipped' },
        { id: 'fan[0]', specId: 'fan', readyAt: 2100, startedAt: 2100, finishedAt: 4100 },
        { id: 'fan[1]', specId: 'fan', readyAt: 2100, startedAt: 2200, finishedAt: 6000 },
      ],
      specTasks: '  fan:\n    run: "true"\n    needs: [extract]\n    foreach: "[1, 2]"',
    },
    { id: 'b', workflow: 'etl', createdAt: T0 + 1000, finishedAt: null, state: 'running', tasks: [{ id: 'extract', readyAt: 0, startedAt: 0, finishedAt: null, state: 'running' }] },
    { id: 'old', workflow: 'etl', createdAt: T0 - 3600_000, finishedAt: T0 - 3500_000, tasks: [{ id: 'extract', readyAt: 0, startedAt: 0, finishedAt: 1000 }] },
  ]);
  try {
    const trace = await loadHistoryTrace(store, { fromMs: T0 - 1, toMs: T0 + 60_000, ...CAP });
    assert.equal(trace.runs.length, 1, 'only finished runs created in the window');
    assert.deepEqual(trace.skipped, { unfinishedRuns: 1, tasksNotStarted: 1, emptyRuns: 0 });
    const run = trace.runs[0]!;
    assert.equal(run.priority, 100);
    assert.equal(run.deadlineAt, T0 + 60_000);
    const byId = new Map(run.tasks.map((t, i) => [t.id, { t, i }]));
    assert.deepEqual([...byId.keys()].sort(), ['extract', 'fan[0]', 'fan[1]', 'load']);
    const load = byId.get('load')!.t;
    // load needs extract and every instance of the foreach `fan`.
    assert.deepEqual(load.parents.map((i) => run.tasks[i]!.id).sort(), ['extract', 'fan[0]', 'fan[1]']);
    assert.deepEqual(byId.get('fan[1]')!.t.parents.map((i) => run.tasks[i]!.id), ['extract']);
    assert.equal(load.runtimeMs, 3000, 'the last attempt, not the failed one');
    assert.equal(load.attempts, 2);
    assert.equal(byId.get('extract')!.t.estimateMs, 3000, 'the declared estimate');
    assert.equal(byId.get('fan[0]')!.t.estimateMs, 2900, 'else the mean recorded runtime of the signature (2000 and 3800)');

    const wl = historyWorkload(trace);
    assert.equal(wl.jobs.length, 1);
    assert.equal(wl.jobs[0]!.relativeDeadlineMs, 60_000);
    assert.deepEqual(wl.jobs[0]!.stages.map((s) => s.resources), run.tasks.map(() => ({ cpu: 1, slots: 1 })));
    assert.deepEqual(wl.cluster, [{ count: 1, capacity: { cpu: 1, memory: 2 ** 30, slots: 1 }, speed: 1, namePrefix: 'local' }]);

    const r = whatIf(trace, { current: { label: 'fifo', config: { policy: 'fifo' } }, alternatives: [] });
    assert.ok(r.notes.some((n) => /1 task\(s\) were retried live/.test(n)), r.notes.join('; '));
    assert.ok(r.notes.some((n) => /1 run\(s\) still running/.test(n)));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay: FIFO history under FIFO reproduces the recorded JCTs; SJF is predicted to cut the average JCT', async () => {
  const dir = tempDir();
  const store = await writeHistory(dir, contendedHistory(T0));
  try {
    const trace = await loadHistoryTrace(store, { fromMs: T0, toMs: T0 + 3600_000, ...CAP });
    assert.equal(trace.runs.length, 5);
    const c = buildCandidates({ policy: 'fifo' }, ['sjf', 'fifo'], ['wrr.high=0.5']);
    assert.deepEqual(c.alternatives.map((a) => a.label), ['sjf', 'wrr{high=0.5}'], 'the current policy is not repeated');
    const r = whatIf(trace, { current: c.current, alternatives: c.alternatives });
    assert.equal(r.recorded.avgJctMs, 89_800);
    assert.equal(r.calibration.replayedAvgJctMs, 89_800);
    assert.equal(r.calibration.avgJctError, 0);
    assert.equal(r.recorded.makespanMs, 113_000);
    const sjf = r.rows.find((x) => x.label === 'sjf')!;
    // SJF: the three 1 s runs at 10, 11, 12 s, then the long one: JCTs 10, 9, 10, 11, 112.
    assert.equal(sjf.metrics.avgJctMs, 30_400);
    assert.ok(sjf.avgJctVsCurrent < 0.4);
    assert.equal(r.rows[0]!.current, true);
    // Waits per priority (all normal here): recorded = replayed under FIFO.
    assert.deepEqual(r.rows[0]!.metrics.waitByPriority, r.recorded.waitByPriority);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('candidates: --set makes one variant per policy; global keys apply to all; bad keys are refused', () => {
  const c = buildCandidates({ policy: 'wrr', settings: { shares: { high: 0.9, normal: 0.1 } }, admission: 'strict' }, ['fifo'], ['wrr.high=0.6', 'wrr.normal=0.4', 'admission=backfill']);
  assert.equal(c.current.config.admission, 'backfill');
  const v = c.alternatives.find((a) => a.label === 'wrr{high=0.6,normal=0.4}')!;
  assert.deepEqual(v.config.settings, { shares: { high: 0.6, normal: 0.4 } });
  assert.equal(c.alternatives.find((a) => a.label === 'fifo')!.config.admission, 'backfill');
  assert.throws(() => buildCandidates({ policy: 'fifo' }, [], ['nope.x=1']), /neither POLICY\.SETTING/);
  assert.throws(() => buildCandidates({ policy: 'fifo' }, ['magic']), /unknown policy 'magic'/);
});
