/**
 * The engine's tuners end to end, with real executors and a real store: a task killed for memory
 * is retried with a larger request; an attempt far past its predicted p99 is flagged (and
 * restarted when so configured); the per-worker breaker stops placing on a failing worker and
 * probes it back; a run at deadline risk triggers a webhook (a real local HTTP server) and a
 * priority boost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spec, testEngine } from './helpers.js';
import { ShellExecutor } from '../../src/exec/shell-executor.js';
import { FnExecutor } from '../../src/exec/fn-executor.js';
import type { Executor, FnHandler } from '../../src/exec/types.js';
import type { TunerDecision } from '../../src/engine/tuners.js';
import type { Engine } from '../../src/engine/engine.js';
import { KairosMetrics } from '../../src/server/metrics.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function until(engine: Engine, pred: (d: TunerDecision) => boolean): Promise<TunerDecision> {
  return new Promise((resolve) => {
    const on = (d: TunerDecision) => {
      if (!pred(d)) return;
      engine.off('tuner', on);
      resolve(d);
    };
    engine.on('tuner', on);
  });
}

test('a task killed for exceeding its memory request is retried with a larger one, without using its retries', async () => {
  const t = testEngine({
    executors: { shell: new ShellExecutor({ rssSampleMs: 50 }) },
    tuners: { rightsizing: { enforceMemory: true, oomRetries: 3, oomGrowth: 2, oomCapBytes: 1024 * MiB } },
  });
  try {
    // ~60 MB of touched bytes held for 1.5 s; the request says 32 MiB.
    const wf = `name: hungry
tasks:
  eat:
    run: python3 -c "import time; a = b'x' * 60_000_000; time.sleep(1.5)"
    resources: {cpu: 0, memory: 32Mi}
    retries: 0
`;
    const run = await t.engine.submit(spec(wf));
    const done = await t.engine.wait(run.id);
    assert.equal(done.state, 'succeeded');
    const d = t.engine.tuners.decisions.filter((x) => x.action === 'oom_retry');
    assert.ok(d.length >= 1, 'at least one OOM retry');
    const sizes = d.map((x) => x.data!.memory as number);
    // x2 of the 32 MiB it was killed at, or the recommendation's upper bound if higher: the OOM
    // sample is max(1.2 x 32 MiB, 32 MiB + 100 MiB) (the VPA's bump) + 15% margin = 151.8 MiB.
    assert.equal(sizes[0], Math.round(132 * MiB * 1.15));
    for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! > sizes[i - 1]!, 'each retry asks for more');
    assert.match(d[0]!.reason, /killed for memory at 32 MiB: retry with 151.8 MiB \(the recommendation's upper bound/);
    const attempts = await t.store.getAttempts(run.id);
    assert.equal(attempts.length, d.length + 1);
    assert.ok(attempts.slice(0, -1).every((a) => a.status === 'lost' && /exceeded its limit of/.test(a.error ?? '')), JSON.stringify(attempts));
    assert.equal(t.engine.tuners.counters.oomKills, d.length);
    const rec = t.engine.tuners.recommendations().find((r) => r.signature === 'default/hungry/eat')!;
    assert.ok(rec.ooms >= 1 && rec.memory!.target > 32 * MiB, 'the OOMs pushed the recommendation up');
    const events = await t.store.getEvents(run.id);
    assert.ok(events.some((e) => e.type === 'tuner' && (e.data as { action: string }).action === 'oom_retry'), 'recorded on the run');
  } finally {
    await t.close();
  }
});

test('an attempt far past its predicted p99 is flagged; with action restart it is killed and rerun', async () => {
  const functions = new Map<string, FnHandler>([['work', async (ctx) => {
    const slow = (ctx.inputs.params as { slow: boolean }).slow && ctx.attempt === 1;
    await new Promise((r, j) => {
      const h = setTimeout(r, slow ? 30_000 : 20);
      ctx.signal.addEventListener('abort', () => (clearTimeout(h), j(new Error('aborted'))));
    });
  }]]);
  const t = testEngine({ functions, tuners: { anomaly: { action: 'restart', runtimeFactor: 3, minElapsedMs: 300, minSamples: 5 }, checkEveryMs: 50 } });
  try {
    const wf = spec(`name: flaky\nparams:\n  slow: {default: false}\ntasks:\n  t:\n    fn: work\n    resources: {cpu: 0}\n`);
    for (let i = 0; i < 6; i++) assert.equal((await t.engine.wait((await t.engine.submit(wf)).id)).state, 'succeeded');
    const flagged = until(t.engine, (d) => d.tuner === 'anomaly');
    const run = await t.engine.submit(wf, { slow: true });
    const d = await flagged;
    assert.equal(d.action, 'restart');
    assert.equal(d.data!.kind, 'runtime');
    assert.match(d.reason, /past 3 x its predicted p99/);
    const done = await t.engine.wait(run.id);
    assert.equal(done.state, 'succeeded', 'the rerun (attempt 2) is fast');
    const attempts = await t.store.getAttempts(run.id);
    assert.deepEqual(attempts.map((a) => a.status), ['lost', 'succeeded']);
    assert.equal(t.engine.tuners.counters.anomalies.runtime, 1);
    assert.equal(t.engine.tuners.counters.anomalyRestarts, 1);
  } finally {
    await t.close();
  }
});

test('anomaly restarts are bounded per task: a task that is simply long is restarted once, then only alerted', async () => {
  const functions = new Map<string, FnHandler>([['work', async (ctx) => {
    const ms = (ctx.inputs.params as { ms: number }).ms;
    await new Promise((r, j) => {
      const h = setTimeout(r, ms);
      ctx.signal.addEventListener('abort', () => (clearTimeout(h), j(new Error('aborted'))));
    });
  }]]);
  const t = testEngine({ functions, tuners: { anomaly: { action: 'restart', runtimeFactor: 3, minElapsedMs: 300, minSamples: 5 }, checkEveryMs: 50 } });
  try {
    const wf = spec(`name: long\nparams:\n  ms: {default: 20}\ntasks:\n  t:\n    fn: work\n    resources: {cpu: 0}\n`);
    for (let i = 0; i < 6; i++) assert.equal((await t.engine.wait((await t.engine.submit(wf)).id)).state, 'succeeded');
    const run = await t.engine.submit(wf, { ms: 1200 });
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded', 'the second attempt is not killed');
    const d = t.engine.tuners.decisions.filter((x) => x.tuner === 'anomaly');
    assert.deepEqual(d.map((x) => x.action), ['restart', 'alert']);
    assert.match(d[1]!.reason, /already restarted 1 time\(s\) \(max 1\), alert only/);
    assert.deepEqual((await t.store.getAttempts(run.id)).map((a) => a.status), ['lost', 'succeeded']);
  } finally {
    await t.close();
  }
});

test('memory climbing to its request is flagged (alert only: the attempt runs on)', async () => {
  const t = testEngine({ executors: { shell: new ShellExecutor({ rssSampleMs: 50 }) } });
  try {
    // ~95 MB touched + the interpreter: over 90% of a 100 MiB request (not enforced).
    const wf = `name: tight\ntasks:\n  big:\n    run: python3 -c "import time; a = b'x' * 95_000_000; time.sleep(1.5)"\n    resources: {cpu: 0, memory: 100Mi}\n`;
    const flagged = until(t.engine, (d) => d.tuner === 'anomaly');
    const run = await t.engine.submit(spec(wf));
    const d = await flagged;
    assert.equal(d.action, 'alert');
    assert.equal(d.data!.kind, 'memory');
    // Flagged at >= 90% of the request, or earlier by the trend (climbing toward it within 30 s).
    assert.match(d.reason, /(of its 100 MiB limit|of 100 MiB\) climbing)/);
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded');
    assert.equal(t.engine.tuners.counters.anomalies.memory, 1);
  } finally {
    await t.close();
  }
});

test('the circuit breaker stops placing on a failing worker, then probes it back once it heals', async () => {
  let healed = false;
  let engine: Engine;
  // A real fn executor that fails every attempt placed on worker 'bad' until it heals.
  const fn = new FnExecutor(new Map([['ok', () => sleep(5)]]));
  const executor: Executor = {
    kind: 'fn',
    execute(req, signal) {
      const worker = engine.runs.get(req.runId)?.tasks.get(req.taskId)?.row.worker;
      if (worker === 'bad' && !healed) return Promise.resolve({ outcome: 'failed', exitCode: null, signal: null, outputs: {}, error: 'worker bad is broken' });
      return fn.execute(req, signal);
    },
  };
  const t = testEngine({ executors: { fn: executor }, tuners: { breaker: { enabled: true, consecutiveFailures: 2, minRequests: 100, coolDownMs: 400, probes: 2 }, checkEveryMs: 50 } });
  engine = t.engine;
  t.engine.workers.set({ id: 'bad', pool: 'default', capacity: { cpu: 8, memory: 8 * 2 ** 30, slots: 4 }, speed: 1, labels: {} });
  try {
    const tasks = Array.from({ length: 40 }, (_, i) => `  t${i}:\n    fn: ok\n    resources: {cpu: 1}\n    retries: {max: 5, backoff: fixed, initial: 10ms}`).join('\n');
    const wf = spec(`name: spread\ntasks:\n${tasks}\n`);
    const opened = until(t.engine, (d) => d.tuner === 'breaker' && d.action === 'open');
    const run = await t.engine.submit(wf);
    const open = await opened;
    assert.equal(open.subject, 'bad');
    assert.match(open.reason, /2 failures in a row/);
    assert.equal((await t.engine.wait(run.id)).state, 'succeeded', 'the retries went to the good worker');
    const attempts = await t.store.getAttempts(run.id);
    const badAfter = attempts.filter((a) => a.worker === 'bad' && a.startedAt > open.at);
    assert.equal(badAfter.length, 0, 'nothing placed on the open worker');
    assert.ok(attempts.some((a) => a.worker === 'bad'), 'it did get work before opening');

    healed = true;
    const closed = until(t.engine, (d) => d.tuner === 'breaker' && d.action === 'close');
    // Keep work flowing until the half-open worker got its probes and closed.
    let isClosed = false;
    const c = closed.then((d) => ((isClosed = true), d));
    while (!isClosed) assert.equal((await t.engine.wait((await t.engine.submit(wf)).id)).state, 'succeeded');
    assert.equal((await c).subject, 'bad');
    assert.deepEqual(t.engine.tuners.decisions.filter((d) => d.tuner === 'breaker').map((d) => d.action), ['open', 'half_open', 'close']);
    assert.equal(t.engine.tuners.breakerStates().find((s) => s.key === 'bad')!.state, 'closed');
    assert.equal(t.engine.scheduler.workers().find((w) => w.id === 'bad')!.capacity.slots, 4, 'capacity restored');
    // The same state and decisions in Prometheus.
    const metrics = new KairosMetrics(t.engine);
    const text = await metrics.registry.metrics();
    metrics.close();
    assert.match(text, /kairos_breaker_state\{worker="bad"\} 0/);
    assert.match(text, /kairos_tuning_decisions_total\{tuner="breaker",action="open"\} 1/);
  } finally {
    await t.close();
  }
});

test('a run predicted to miss its deadline: webhook alert (retried after a 500) and its queued tasks boosted ahead', async () => {
  const posts: unknown[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls++;
      if (calls === 1) return void res.writeHead(500).end('busy');
      posts.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alert`;
  const functions = new Map<string, FnHandler>([['sleep', (ctx) => sleep((ctx.args as { ms: number }).ms)]]);
  const t = testEngine({ functions, concurrency: 1, tuners: { deadline: { webhookUrl: url, webhookTries: 3, boostEveryMs: 0 }, checkEveryMs: 50 } });
  try {
    const started: string[] = [];
    t.engine.on('task', (c) => c.state === 'running' && started.push(`${c.runId}:${c.taskId}`));
    // A backlog with no deadline, submitted first (same priority: it would go first).
    const backlog = Array.from({ length: 8 }, (_, i) => `  b${i}:\n    fn: sleep\n    args: {ms: 150}\n    resources: {cpu: 0}`).join('\n');
    const a = await t.engine.submit(spec(`name: backlog\ntasks:\n${backlog}\n`));
    // 2 s of predicted work (declared) and a 1 s deadline, behind 1.2 s of backlog.
    const atRisk = until(t.engine, (d) => d.action === 'at_risk');
    const sent = until(t.engine, (d) => d.action === 'alert_sent');
    const b = await t.engine.submit(spec(`name: urgent\ndeadline: 1s\ntasks:\n  u:\n    fn: sleep\n    args: {ms: 50}\n    estimate: 2s\n    resources: {cpu: 0}\n`));
    await atRisk;
    const s = await sent;
    assert.equal(s.subject, b.id);
    assert.match(s.reason, /answered 204 \(try 2\)/);
    assert.equal(posts.length, 1);
    assert.equal((posts[0] as { runId: string; kind: string }).runId, b.id);
    assert.equal((posts[0] as { kind: string }).kind, 'kairos.deadline_risk');
    await t.engine.wait(b.id);
    await t.engine.wait(a.id);
    const boost = t.engine.tuners.decisions.find((d) => d.action === 'boost' && d.subject === b.id)!;
    assert.ok(boost, 'boosted');
    assert.ok((boost.data!.moved as number) >= 1);
    const urgentAt = started.indexOf(`${b.id}:u`);
    assert.ok(urgentAt >= 0 && urgentAt < started.length - 2, `the urgent task jumped the backlog (position ${urgentAt} of ${started.length})`);
    assert.equal(t.engine.tuners.counters.deadlineAlerts.sent, 1);
  } finally {
    await t.close();
    await new Promise((r) => server.close(r));
  }
});
