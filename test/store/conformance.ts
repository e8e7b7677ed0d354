/**
 * The Store conformance suite: every adapter (SQLite now, PostgreSQL later) must pass it.
 * `open` gives a fresh, migrated, empty store for each test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRow, Store, TaskRow } from '../../src/store/types.js';
import { emptyBatch } from '../../src/store/types.js';
import type { WorkflowSpec } from '../../src/core/model.js';

const SPEC: WorkflowSpec = {
  name: 'wf', namespace: 'ns', priority: 50, deadline: null, params: [], labels: { team: 'data' }, tasks: [],
};

export function runRow(id: string, over: Partial<RunRow> = {}): RunRow {
  return {
    id, workflow: 'wf', namespace: 'ns', priority: 50, state: 'running', params: { a: 1 }, spec: SPEC, labels: { team: 'data' },
    createdAt: 1000, startedAt: 1000, finishedAt: null, deadlineAt: null, error: null, owner: 'h:1', ownerSeenAt: 1000, paused: false,
    ...over,
  };
}

export function taskRow(runId: string, taskId: string, over: Partial<TaskRow> = {}): TaskRow {
  return {
    runId, taskId, specId: null, itemIndex: null, item: null, state: 'pending', attempt: 0, readyAt: null, startedAt: null,
    finishedAt: null, retryAt: null, worker: null, outputs: null, error: null, reason: null, doneSeq: null, ...over,
  };
}

export function storeConformance(name: string, open: () => Promise<Store>): void {
  const withStore = (title: string, fn: (s: Store) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const s = await open();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    });

  withStore('a committed batch is read back whole', async (s) => {
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    b.newTasks.push(taskRow('r1', 'a'), taskRow('r1', 'b[0]', { specId: 'b', itemIndex: 0, item: { x: [1, 2] } }));
    b.events.push({ runId: 'r1', taskId: null, at: 1, type: 'run_submitted', data: { k: 'v' } });
    await s.commit(b);
    const run = await s.getRun('r1');
    assert.deepEqual(run, runRow('r1'));
    const tasks = (await s.getTasks('r1')).sort((x, y) => x.taskId.localeCompare(y.taskId));
    assert.deepEqual(tasks, [taskRow('r1', 'a'), taskRow('r1', 'b[0]', { specId: 'b', itemIndex: 0, item: { x: [1, 2] } })]);
    assert.deepEqual(await s.getEvents('r1'), [{ runId: 'r1', taskId: null, at: 1, type: 'run_submitted', data: { k: 'v' } }]);
  });

  withStore('a run with a large spec reads back whole (specs may be stored in parts)', async (s) => {
    const tasks = Array.from({ length: 4321 }, (_, i) => ({ id: `t${i}`, needs: i ? [`t${i - 1}`] : [] })) as unknown as WorkflowSpec['tasks'];
    const b = emptyBatch();
    b.newRuns.push(runRow('big', { spec: { ...SPEC, tasks } }));
    await s.commit(b);
    const got = await s.getRun('big');
    assert.deepEqual(got!.spec.tasks, tasks);
    assert.deepEqual((await s.unfinishedRuns()).find((r) => r.id === 'big')!.spec, { ...SPEC, tasks });
  });

  withStore('task updates keep the final row; attempts are written once when they end', async (s) => {
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    const t = taskRow('r1', 'a');
    b.newTasks.push(t);
    await s.commit(b);
    const b2 = emptyBatch();
    Object.assign(t, { state: 'running', attempt: 1, startedAt: 5, worker: 'local', reason: { kind: 'dependency', waitingOn: ['x'] } });
    b2.tasks.push(t);
    const a = { runId: 'r1', taskId: 'a', attempt: 1, kind: 'run' as const, status: 'running' as const, worker: 'local', startedAt: 5, finishedAt: null, exitCode: null, error: null };
    await s.commit(b2);
    assert.deepEqual(await s.getTasks('r1'), [t]);
    const b3 = emptyBatch();
    Object.assign(t, { state: 'succeeded', finishedAt: 9, outputs: { n: 3 }, reason: null, doneSeq: 1 });
    b3.tasks.push(t);
    b3.attempts.push({ ...a, status: 'succeeded', finishedAt: 9, exitCode: 0 });
    await s.commit(b3);
    assert.deepEqual(await s.getTasks('r1'), [t]);
    assert.deepEqual(await s.getAttempts('r1'), [{ ...a, status: 'succeeded', finishedAt: 9, exitCode: 0 }]);
    assert.deepEqual(await s.getAttempts('r1', 'zzz'), []);
  });

  withStore('an attempt given with its task row reads back like any other, through reset, retry and compensation', async (s) => {
    // A store may keep a succeeded attempt in its task row (WriteBatch.attemptTasks); whatever it
    // does, every attempt must read back, also after the row moves on.
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    const fn = taskRow('r1', 'fn');
    const sh = taskRow('r1', 'sh');
    b.newTasks.push(fn, sh);
    await s.commit(b);
    const run = (t: TaskRow, attempt: number, at: number): void => {
      Object.assign(t, { state: 'running', attempt, startedAt: at, finishedAt: null, worker: 'w1' });
    };
    const end = (t: TaskRow, at: number, exitCode: number | null) => {
      Object.assign(t, { state: 'succeeded', finishedAt: at, outputs: {}, doneSeq: at });
      return { runId: 'r1', taskId: t.taskId, attempt: t.attempt, kind: 'run' as const, status: 'succeeded' as const, worker: 'w1', startedAt: t.startedAt!, finishedAt: at, exitCode, error: null };
    };
    run(fn, 1, 10), run(sh, 1, 11);
    const b2 = emptyBatch();
    b2.tasks.push(fn, sh);
    await s.commit(b2);
    const fn1 = end(fn, 20, null);
    const sh1 = end(sh, 21, 0);
    const b3 = emptyBatch();
    b3.tasks.push(fn, sh);
    b3.attempts.push(fn1, sh1);
    b3.attemptTasks = [fn, sh];
    await s.commit(b3);
    assert.deepEqual(await s.getAttempts('r1'), [fn1, sh1]);
    assert.deepEqual(await s.getAttempts('r1', 'fn'), [fn1]);
    assert.deepEqual(await s.getTasks('r1'), [fn, sh]);

    // `kairos retry`: the row is reset; its first attempt stays. Then a second attempt succeeds.
    Object.assign(fn, { state: 'pending', startedAt: null, finishedAt: null, worker: null, outputs: null, doneSeq: null });
    const b4 = emptyBatch();
    b4.tasks.push(fn);
    await s.commit(b4);
    assert.deepEqual(await s.getAttempts('r1', 'fn'), [fn1]);
    run(fn, 2, 30);
    const fn2 = end(fn, 40, null);
    const b5 = emptyBatch();
    b5.tasks.push(fn);
    b5.attempts.push(fn2);
    b5.attemptTasks = [fn];
    await s.commit(b5);
    assert.deepEqual(await s.getAttempts('r1', 'fn'), [fn1, fn2]);

    // Compensation: the row goes compensating, then compensated; every attempt stays.
    Object.assign(fn, { state: 'compensating' });
    const b6 = emptyBatch();
    b6.tasks.push(fn);
    await s.commit(b6);
    Object.assign(fn, { state: 'compensated' });
    const comp = { runId: 'r1', taskId: 'fn', attempt: 1, kind: 'compensate' as const, status: 'succeeded' as const, worker: 'local', startedAt: 50, finishedAt: 51, exitCode: 0, error: null };
    const b7 = emptyBatch();
    b7.tasks.push(fn);
    b7.attempts.push(comp);
    b7.attemptTasks = [fn];
    await s.commit(b7);
    assert.deepEqual(await s.getAttempts('r1', 'fn'), [comp, fn1, fn2]);
    assert.deepEqual(await s.getAttempts('r1'), [comp, fn1, fn2, sh1]);
  });

  withStore('an attempt that its row no longer matches is kept whole', async (s) => {
    // The row moved on (reset in the tick the attempt ended) before the batch was committed.
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    const t = taskRow('r1', 'a', { state: 'pending', attempt: 1 });
    b.newTasks.push(t);
    const a = { runId: 'r1', taskId: 'a', attempt: 1, kind: 'run' as const, status: 'succeeded' as const, worker: 'w1', startedAt: 5, finishedAt: 9, exitCode: null, error: null };
    b.attempts.push(a);
    b.attemptTasks = [t];
    await s.commit(b);
    assert.deepEqual(await s.getAttempts('r1'), [a]);
    assert.deepEqual(await s.getTasks('r1'), [t]);
  });

  withStore('a failing batch writes nothing (atomic)', async (s) => {
    const b = emptyBatch();
    b.newRuns.push(runRow('r1'));
    b.newTasks.push(taskRow('r1', 'a'));
    await s.commit(b);
    const bad = emptyBatch();
    bad.newRuns.push(runRow('r2'));
    bad.newTasks.push(taskRow('r2', 'x'), taskRow('r1', 'a')); // duplicate key: the insert fails
    await assert.rejects(s.commit(bad));
    assert.equal(await s.getRun('r2'), null);
    assert.deepEqual(await s.getTasks('r2'), []);
  });

  withStore('listRuns filters by state, namespace and partial text; unfinishedRuns', async (s) => {
    const b = emptyBatch();
    b.newRuns.push(runRow('r-alpha', { createdAt: 1 }), runRow('r-beta', { createdAt: 2, state: 'failed', labels: { team: 'ml' } }), runRow('r-gamma', { createdAt: 3, namespace: 'other' }));
    await s.commit(b);
    assert.deepEqual((await s.listRuns()).map((r) => r.id), ['r-gamma', 'r-beta', 'r-alpha']);
    assert.deepEqual((await s.listRuns({ state: 'failed' })).map((r) => r.id), ['r-beta']);
    assert.deepEqual((await s.listRuns({ namespace: 'other' })).map((r) => r.id), ['r-gamma']);
    assert.deepEqual((await s.listRuns({ search: 'ph' })).map((r) => r.id), ['r-alpha']);
    assert.deepEqual((await s.listRuns({ search: 'ml' })).map((r) => r.id), ['r-beta']);
    assert.deepEqual((await s.listRuns({ search: '%' })).map((r) => r.id), []);
    assert.deepEqual((await s.listRuns({ limit: 1 })).map((r) => r.id), ['r-gamma']);
    assert.deepEqual((await s.unfinishedRuns()).map((r) => r.id), ['r-alpha', 'r-gamma']);
  });

  withStore('listRuns filters by priority (exact), combined with the other filters', async (s) => {
    const b = emptyBatch();
    b.newRuns.push(
      runRow('p-low', { createdAt: 1, priority: 1 }),
      runRow('p-high', { createdAt: 2, priority: 10 }),
      runRow('p-high-other', { createdAt: 3, priority: 10, namespace: 'other' }),
      runRow('p-half', { createdAt: 4, priority: 2.5 }),
    );
    await s.commit(b);
    assert.deepEqual((await s.listRuns({ priority: 10 })).map((r) => r.id), ['p-high-other', 'p-high']);
    assert.deepEqual((await s.listRuns({ priority: 10, namespace: 'other' })).map((r) => r.id), ['p-high-other']);
    assert.deepEqual((await s.listRuns({ priority: 2.5 })).map((r) => r.id), ['p-half']);
    assert.deepEqual((await s.listRuns({ priority: 0 })).map((r) => r.id), []);
    assert.deepEqual((await s.listRuns({ priority: 10, limit: 1 })).map((r) => r.id), ['p-high-other']);
  });

  withStore('claimRun: one owner at a time until the owner goes stale', async (s) => {
    const b = emptyBatch();
    b.newRuns.push(runRow('r1', { owner: 'h:1', ownerSeenAt: 1000 }));
    await s.commit(b);
    assert.equal(await s.claimRun('r1', 'h:2', 2000, 5000), false);
    assert.equal(await s.claimRun('r1', 'h:1', 2000, 5000), true);
    await s.heartbeat('h:1', 3000);
    assert.equal(await s.claimRun('r1', 'h:2', 7000, 5000), false);
    assert.equal(await s.claimRun('r1', 'h:2', 9000, 5000), true);
    assert.equal((await s.getRun('r1'))!.owner, 'h:2');
  });

  withStore('cancel requests reach the owner once', async (s) => {
    const b = emptyBatch();
    b.newRuns.push(runRow('r1', { owner: 'h:1' }), runRow('r2', { owner: 'h:2' }));
    await s.commit(b);
    await s.requestCancel('r1');
    await s.requestCancel('r2');
    assert.deepEqual(await s.takeCancelRequests('h:1'), ['r1']);
    assert.deepEqual(await s.takeCancelRequests('h:1'), []);
  });

  withStore('workflows are versioned', async (s) => {
    const w1 = await s.saveWorkflow({ name: 'wf', namespace: 'ns', spec: SPEC, source: 'v1', createdAt: 1 });
    const w2 = await s.saveWorkflow({ name: 'wf', namespace: 'ns', spec: SPEC, source: 'v2', createdAt: 2 });
    assert.deepEqual([w1.version, w2.version], [1, 2]);
    assert.equal((await s.getWorkflow('wf'))!.source, 'v2');
    assert.equal((await s.getWorkflow('wf', 1))!.source, 'v1');
    assert.equal(await s.getWorkflow('nope'), null);
    assert.deepEqual((await s.listWorkflows()).map((w) => [w.name, w.version]), [['wf', 2]]);
  });

  withStore('history retention deletes ended runs older than the cut, oldest first, with all they hold; never a run still going', async (s) => {
    const tasks = Array.from({ length: 1500 }, (_, i) => ({ id: `t${i}` })) as unknown as WorkflowSpec['tasks'];
    /** A run with a spec in parts, two tasks, an event, then a tick that finishes a task with its attempt. */
    const seed = async (id: string, over: Partial<RunRow>) => {
      const b = emptyBatch();
      b.newRuns.push(runRow(id, { spec: { ...SPEC, tasks }, ...over }));
      b.newTasks.push(taskRow(id, 'a', { state: 'queued', readyAt: 10 }), taskRow(id, 'b', { state: 'queued', readyAt: 10 }));
      b.events.push({ runId: id, taskId: null, at: 1, type: 'run_submitted', data: null });
      await s.commit(b);
      const tick = emptyBatch();
      tick.tasks.push(taskRow(id, 'a', { state: 'failed', attempt: 1, readyAt: 10, startedAt: 11, finishedAt: 12, worker: 'w', error: 'x' }));
      tick.attempts.push({ runId: id, taskId: 'a', kind: 'run', attempt: 1, status: 'failed', worker: 'w', startedAt: 11, finishedAt: 12, exitCode: 1, error: 'x' });
      await s.commit(tick);
    };
    await seed('old-ok', { state: 'succeeded', finishedAt: 1000 });
    await seed('old-failed', { state: 'failed', finishedAt: 2000 });
    await seed('reopened', { state: 'running', finishedAt: 500 }); // ended once, retried: going again
    await seed('recent', { state: 'cancelled', finishedAt: 9000 });
    const kept = async (id: string) => [(await s.getRun(id)) !== null, (await s.getTasks(id)).length, (await s.getAttempts(id)).length, (await s.getEvents(id)).length];

    assert.deepEqual(await s.deleteFinishedRuns(5000, 10), ['old-ok', 'old-failed']);
    for (const id of ['old-ok', 'old-failed']) assert.deepEqual(await kept(id), [false, 0, 0, 0], id);
    for (const id of ['reopened', 'recent']) assert.deepEqual(await kept(id), [true, 2, 1, 1], id);
    assert.equal((await s.getRun('recent'))!.spec.tasks.length, 1500, 'the spec parts of a kept run are intact');
    assert.deepEqual(await s.deleteFinishedRuns(10_000, 1), ['recent']);
    assert.deepEqual(await s.deleteFinishedRuns(10_000, 10), []);
    assert.deepEqual((await s.listRuns()).map((r) => r.id), ['reopened']);
    // A new run may take a deleted run's id: nothing of the old one is left to collide with.
    await seed('old-ok', { state: 'running', finishedAt: null });
    assert.deepEqual(await kept('old-ok'), [true, 2, 1, 1]);
  });
}
