/** The engine end to end with real shell processes and a real SQLite store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spec, testEngine } from './helpers.js';

/** A process is alive when it exists and is not a zombie (containers may not reap orphans). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

test('a DAG runs in dependency order and outputs flow downstream', async () => {
  const t = testEngine();
  try {
    const wf = spec(`
name: flow
tasks:
  a:
    run: |
      echo '::kairos-output {"n": 3, "files": ["x", "y"]}'
  b:
    needs: [a]
    run: |
      test "\${{ tasks.a.outputs.n }}" = 3 && echo '::kairos-output {"ok": true}'
  c:
    needs: [a, b]
    run: echo done
`);
    const run = await t.engine.submit(wf);
    const final = await t.engine.wait(run.id);
    assert.equal(final.state, 'succeeded', final.error ?? '');
    const tasks = Object.fromEntries((await t.store.getTasks(run.id)).map((x) => [x.taskId, x]));
    assert.deepEqual(tasks.a!.outputs, { n: 3, files: ['x', 'y'] });
    assert.deepEqual(tasks.b!.outputs, { ok: true });
    assert.ok(tasks.a!.doneSeq! < tasks.b!.doneSeq! && tasks.b!.doneSeq! < tasks.c!.doneSeq!);
  } finally {
    await t.close();
  }
});

test('a failing task is retried, then the run fails and dependents are skipped', async () => {
  const t = testEngine();
  try {
    const counter = join(t.dir, 'count');
    const wf = spec(`
name: retry
tasks:
  flaky:
    run: echo x >> ${counter}; [ $(wc -l < ${counter}) -ge 3 ]
    retries: {max: 2, initial: 10ms, jitter: 0}
  broken:
    run: echo "boom" >&2; exit 7
    retries: {max: 1, initial: 10ms}
  after:
    needs: [broken]
    run: echo never
`);
    const run = await t.engine.submit(wf);
    const final = await t.engine.wait(run.id);
    assert.equal(final.state, 'failed');
    const tasks = Object.fromEntries((await t.store.getTasks(run.id)).map((x) => [x.taskId, x]));
    assert.equal(tasks.flaky!.state, 'succeeded');
    assert.equal(tasks.flaky!.attempt, 3);
    assert.equal(tasks.broken!.state, 'failed');
    assert.equal(tasks.broken!.attempt, 2);
    assert.match(tasks.broken!.error!, /exit code 7.*boom/);
    assert.equal(tasks.after!.state, 'skipped');
    assert.match(tasks.after!.error!, /upstream broken failed/);
    const attempts = await t.store.getAttempts(run.id, 'flaky');
    assert.deepEqual(attempts.map((a) => a.status), ['failed', 'failed', 'succeeded']);
    assert.match(final.error!, /broken failed/);
  } finally {
    await t.close();
  }
});

test('a timeout kills the whole process tree and counts as timed_out', async () => {
  const t = testEngine();
  try {
    const pidFile = join(t.dir, 'grandchild.pid');
    const wf = spec(`
name: timeout
tasks:
  slow:
    run: bash -c 'sleep 30 & echo $! > ${pidFile}; wait'
    timeout: 300ms
`);
    const run = await t.engine.submit(wf);
    const final = await t.engine.wait(run.id);
    assert.equal(final.state, 'failed');
    const [task] = await t.store.getTasks(run.id);
    assert.equal(task!.state, 'timed_out');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!alive(pid), 'the grandchild sleep must be gone');
  } finally {
    await t.close();
  }
});

test('conditions skip a path; skips propagate; the join of the other path runs', async () => {
  const t = testEngine();
  try {
    const wf = spec(`
name: cond
params:
  env: dev
tasks:
  check:
    run: |
      echo '::kairos-output {"deploy": false}'
  deploy:
    needs: [check]
    when: tasks.check.outputs.deploy == true
    run: echo deploying
  notify:
    needs: [deploy]
    run: echo notified
  report:
    needs: [check]
    when: params.env == "dev"
    run: echo report
`);
    const run = await t.engine.submit(wf);
    const final = await t.engine.wait(run.id);
    assert.equal(final.state, 'succeeded');
    const s = Object.fromEntries((await t.store.getTasks(run.id)).map((x) => [x.taskId, x.state]));
    assert.deepEqual(s, { check: 'succeeded', deploy: 'skipped', notify: 'skipped', report: 'succeeded' });
  } finally {
    await t.close();
  }
});

test('foreach fans out over an upstream list; the join sees every instance output', async () => {
  const t = testEngine();
  try {
    const wf = spec(`
name: fanout
tasks:
  list:
    run: |
      echo '::kairos-output {"files": ["a", "b; rm -rf ~", "c"]}'
  each:
    needs: [list]
    foreach: tasks.list.outputs.files
    run: |
      printf '::kairos-output {"item": "%s"}\\n' \${{ item }}
  join:
    needs: [each]
    run: |
      test \${{ tasks.each.outputs.items[1].item }} = 'b; rm -rf ~'
`);
    const run = await t.engine.submit(wf);
    const final = await t.engine.wait(run.id);
    const tasks = await t.store.getTasks(run.id);
    assert.equal(final.state, 'succeeded', JSON.stringify(tasks.map((x) => [x.taskId, x.state, x.error])));
    const ids = tasks.map((x) => x.taskId).sort();
    assert.deepEqual(ids, ['each', 'each[0]', 'each[1]', 'each[2]', 'join', 'list']);
    const each = tasks.find((x) => x.taskId === 'each')!;
    assert.deepEqual((each.outputs as { items: unknown[] }).items, [{ item: 'a' }, { item: 'b; rm -rf ~' }, { item: 'c' }]);
  } finally {
    await t.close();
  }
});

test('compensation runs for completed tasks in reverse completion order when the run fails', async () => {
  const t = testEngine();
  try {
    const log = join(t.dir, 'comp.log');
    const wf = spec(`
name: saga
tasks:
  reserve:
    run: echo reserve
    compensate: echo undo-reserve >> ${log}
  charge:
    needs: [reserve]
    run: echo charge
    compensate: echo undo-charge >> ${log}
  ship:
    needs: [charge]
    run: exit 1
    compensate: echo undo-ship >> ${log}
`);
    const run = await t.engine.submit(wf);
    const final = await t.engine.wait(run.id);
    assert.equal(final.state, 'failed');
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['undo-charge', 'undo-reserve']);
    const s = Object.fromEntries((await t.store.getTasks(run.id)).map((x) => [x.taskId, x.state]));
    assert.deepEqual(s, { reserve: 'compensated', charge: 'compensated', ship: 'failed' });
    assert.match(final.error!, /compensated 2/);
  } finally {
    await t.close();
  }
});

test('cancel kills running attempts and cancels the rest; no compensation', async () => {
  const t = testEngine();
  try {
    const wf = spec(`
name: cancel
tasks:
  long:
    run: sleep 30
    compensate: echo should-not-run
  next:
    needs: [long]
    run: echo never
`);
    const run = await t.engine.submit(wf);
    await new Promise<void>((resolve) => t.engine.on('task', (c) => c.taskId === 'long' && c.state === 'running' && resolve()));
    const final = await t.engine.cancel(run.id);
    assert.equal(final.state, 'cancelled');
    const s = Object.fromEntries((await t.store.getTasks(run.id)).map((x) => [x.taskId, x.state]));
    assert.deepEqual(s, { long: 'cancelled', next: 'cancelled' });
    await assert.rejects(t.engine.cancel(run.id), /cancelled/);
  } finally {
    await t.close();
  }
});

test('a successful run records one succeeded attempt, its events and its log file', async () => {
  const t = testEngine();
  try {
    const wf = spec(`
name: fence
tasks:
  a:
    run: echo ok
`);
    const run = await t.engine.submit(wf);
    await t.engine.wait(run.id);
    const events = await t.store.getEvents(run.id);
    assert.ok(events.some((e) => e.type === 'run_succeeded'));
    const attempts = await t.store.getAttempts(run.id);
    assert.equal(attempts.filter((a) => a.status === 'succeeded').length, 1);
    assert.ok(existsSync(join(t.dir, 'logs', run.id, 'a.1.log')));
  } finally {
    await t.close();
  }
});

test('fn tasks get params and upstream outputs; resources bound what runs at once', async () => {
  let running = 0;
  let peak = 0;
  const functions = new Map([
    ['work', async (ctx: { inputs: Record<string, unknown> }) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return { seen: (ctx.inputs.params as { k: string }).k };
    }],
  ]);
  const t = testEngine({ functions, capacity: { cpu: 2 } });
  try {
    const tasks = Array.from({ length: 8 }, (_, i) => `  t${i}:\n    fn: work\n    resources: {cpu: 1}`).join('\n');
    const wf = spec(`name: fns\nparams:\n  k: v\ntasks:\n${tasks}\n`);
    const run = await t.engine.submit(wf);
    const final = await t.engine.wait(run.id);
    assert.equal(final.state, 'succeeded');
    assert.equal(peak, 2, 'two cores, one core per task: at most two at once');
    const rows = await t.store.getTasks(run.id);
    assert.ok(rows.every((r) => (r.outputs as { seen: string }).seen === 'v'));
  } finally {
    await t.close();
  }
});

test('a 20,000-deep chain: a failure skips everything downstream without overflowing the stack', async () => {
  const t = testEngine({ functions: new Map([['ok', () => ({})], ['boom', () => { throw new Error('boom'); }]]) });
  try {
    const n = 20_000;
    const tasks = [`  t0:\n    fn: boom\n    resources: {cpu: 0}`];
    for (let i = 1; i < n; i++) tasks.push(`  t${i}:\n    needs: [t${i - 1}]\n    fn: ok\n    resources: {cpu: 0}`);
    const run = await t.engine.submit(spec(`name: deep\ntasks:\n${tasks.join('\n')}\n`));
    const final = await t.engine.wait(run.id);
    assert.equal(final.state, 'failed');
    const rows = await t.store.getTasks(run.id);
    assert.equal(rows.filter((r) => r.state === 'skipped').length, n - 1);
  } finally {
    await t.close();
  }
});

test('cancelling a deep chain settles every task without overflowing the stack', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const t = testEngine({ functions: new Map([['wait', () => gate], ['ok', () => ({})]]) });
  try {
    const n = 20_000;
    const tasks = [`  t0:\n    fn: wait\n    resources: {cpu: 0}`];
    for (let i = 1; i < n; i++) tasks.push(`  t${i}:\n    needs: [t${i - 1}]\n    fn: ok\n    resources: {cpu: 0}`);
    const run = await t.engine.submit(spec(`name: deep-cancel\ntasks:\n${tasks.join('\n')}\n`));
    await new Promise<void>((resolve) => t.engine.on('task', (c) => c.taskId === 't0' && c.state === 'running' && resolve()));
    const final = await t.engine.cancel(run.id);
    release();
    assert.equal(final.state, 'cancelled');
    const rows = await t.store.getTasks(run.id);
    assert.ok(rows.every((r) => r.state === 'cancelled' || r.state === 'skipped'));
  } finally {
    await t.close();
  }
});

test('concurrency can be changed while running: lowering it holds new starts, raising it releases them', async () => {
  let running = 0;
  let peak = 0;
  let lowered = false;
  let startsWhileLowered = 0;
  let crowdedStarts = 0;
  const peaks: number[] = [];
  const functions = new Map([['work', async () => {
    if (lowered) {
      startsWhileLowered++;
      if (running > 0) crowdedStarts++; // with one slot, a new attempt starts only when none runs
    }
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 15));
    running--;
  }]]);
  const t = testEngine({ functions, concurrency: 4, capacity: { cpu: 100 } });
  try {
    const tasks = Array.from({ length: 40 }, (_, i) => `  t${i}:\n    fn: work\n    resources: {cpu: 0}`).join('\n');
    let done = 0;
    t.engine.on('task', (c) => {
      if (c.state !== 'succeeded') return;
      done++;
      if (done === 8) (peaks.push(peak), (peak = 0), (lowered = true), t.engine.setConcurrency(1));
      if (done === 20) (peaks.push(peak), (peak = 0), (lowered = false), t.engine.setConcurrency(6));
    });
    const run = await t.engine.submit(spec(`name: knob\ntasks:\n${tasks}\n`));
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    peaks.push(peak);
    assert.equal(peaks[0], 4);
    assert.ok(startsWhileLowered > 0);
    assert.equal(crowdedStarts, 0, 'at concurrency 1 no attempt starts while another runs');
    assert.equal(peaks[2], 6);
    assert.equal(t.engine.concurrency, 6);
    assert.throws(() => t.engine.setConcurrency(0), /concurrency must be an integer >= 1/);
  } finally {
    await t.close();
  }
});

test('a paused run starts nothing until resumed; the pause is stored; a system pause holds every run', async () => {
  let started = 0;
  const functions = new Map([['work', async () => {
    started++;
    await new Promise((r) => setTimeout(r, 5));
  }]]);
  const t = testEngine({ functions });
  try {
    const tasks = Array.from({ length: 6 }, (_, i) => `  t${i}:\n    fn: work\n    resources: {cpu: 0}${i > 0 ? `\n    needs: [t${i - 1}]` : ''}`).join('\n');
    const run = await t.engine.submit(spec(`name: pausing\ntasks:\n${tasks}\n`));
    await new Promise<void>((resolve) => t.engine.on('task', (c) => c.taskId === 't1' && c.state === 'succeeded' && resolve()));
    t.engine.pauseRun(run.id);
    await new Promise((r) => setTimeout(r, 100));
    const atPause = started;
    assert.ok(atPause <= 3, `at most the task running at the pause finishes (${atPause} started)`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(started, atPause, 'nothing starts while paused');
    const stored = await t.store.getRun(run.id);
    assert.equal(stored!.paused, true);
    const waiting = (await t.store.getTasks(run.id)).find((x) => x.state === 'queued');
    if (waiting) assert.deepEqual(waiting.reason, { kind: 'paused', scope: 'run' });
    t.engine.pauseAll();
    t.engine.resumeRun(run.id);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(started, atPause, 'the system pause still holds it');
    t.engine.resumeAll();
    const final = await t.engine.wait(run.id);
    assert.equal(final.state, 'succeeded');
    assert.equal(started, 6);
    assert.equal((await t.store.getRun(run.id))!.paused, false);
  } finally {
    await t.close();
  }
});
