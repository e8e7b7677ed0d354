/**
 * Runtime estimates: the engine learns each task's runtime from its successful attempts, uses
 * it to rank tasks without a declared estimate (SJF here), and keeps the model across restarts.
 * Adaptive concurrency: the real controller wired into the engine, fed by a service in virtual
 * time (its outcome does not depend on the machine's speed or load).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spec, testEngine } from './helpers.js';
import { Engine } from '../../src/engine/engine.js';
import { localExecutors } from '../../src/cli/runtime.js';

const WF = `
name: learn
tasks:
  slow:
    fn: sleep
    args: {ms: 120}
    resources: {cpu: 1}
  fast:
    fn: sleep
    args: {ms: 10}
    resources: {cpu: 1}
`;

const functions = new Map([['sleep', (ctx: { args: unknown }) => new Promise((r) => setTimeout(r, (ctx.args as { ms: number }).ms))]]);

test('SJF ranks by learned runtimes, and the model survives a restart', async () => {
  const t = testEngine({ functions, capacity: { cpu: 1 }, scheduler: { policy: 'sjf' } });
  try {
    // Run 1: nothing known; both tasks run (one at a time) and are observed.
    const r1 = await t.engine.submit(spec(WF));
    assert.equal((await t.engine.wait(r1.id)).state, 'succeeded');
    const slow = t.engine.estimates.estimate('default/learn/slow', Date.now());
    const fast = t.engine.estimates.estimate('default/learn/fast', Date.now());
    assert.ok(slow !== null && fast !== null && slow > fast, `learned slow ${slow} > fast ${fast}`);

    // Run 2: SJF now starts the task learned to be shorter first, whatever the declaration order.
    const started: string[] = [];
    t.engine.on('task', (c) => c.state === 'running' && started.push(c.taskId));
    const r2 = await t.engine.submit(spec(WF));
    await t.engine.wait(r2.id);
    assert.deepEqual(started, ['fast', 'slow']);

    await t.engine.close();
    const file = join(t.dir, 'runtime-model.json');
    assert.ok(existsSync(file), 'the model is saved on close');
    const again = new Engine({ store: t.store, stateDir: t.dir, executors: localExecutors(functions) });
    assert.ok(again.estimates.estimate('default/learn/slow', Date.now())! > again.estimates.estimate('default/learn/fast', Date.now())!);
    await again.close();
  } finally {
    await t.close();
  }
});

/**
 * A service in virtual time whose latency is a function of the calls in flight, so the adaptive
 * concurrency test does not depend on the machine's speed or load (it used to sleep real
 * milliseconds and failed with a load average above ~15: scheduling delays swamped the latency).
 *
 * The engine runs on `clock` (its injected Clock), which moves only when `step()` completes the
 * call that ends first (ties in call order). A call's latency is fixed when it starts, from the
 * calls in flight then (itself included): the engine measures exactly that latency (its start and
 * result ticks read the virtual time), and feeds the controller as it does live.
 *
 * Determinism: `step()` completes a call only when the engine is idle until the next completion:
 * every attempt the scheduler has placed is a call in flight here (none is being dispatched or
 * reported), and nothing more can start (the queue is empty or the limit is reached). The engine's
 * decisions then depend only on the sequence of completions, which depends only on virtual times.
 */
class VirtualService {
  readonly clock = { now: () => this.#now };
  #now = 0;
  #seq = 0;
  readonly #calls: { readonly end: number; readonly seq: number; readonly done: () => void }[] = [];

  constructor(readonly latencyMs: (inflight: number) => number) {}

  /** The FnHandler: one call of the service. */
  readonly call = (): Promise<Record<string, unknown>> => new Promise((resolve) => {
    const end = this.#now + this.latencyMs(this.#calls.length + 1);
    this.#calls.push({ end, seq: this.#seq++, done: () => resolve({}) });
  });

  /** Completes the earliest call if the engine is idle until then (see above); true if it did. */
  step(e: Engine): boolean {
    const running = e.scheduler.runningCount;
    const idle = this.#calls.length > 0 && this.#calls.length === running && (e.scheduler.queuedCount === 0 || running >= e.concurrency);
    if (!idle) return false;
    let first = 0;
    this.#calls.forEach((c, i) => {
      const f = this.#calls[first]!;
      if (c.end < f.end || (c.end === f.end && c.seq < f.seq)) first = i;
    });
    const [c] = this.#calls.splice(first, 1);
    this.#now = c!.end;
    c!.done();
    return true;
  }

  /** Drives the service until `until` settles (one check per event-loop turn). */
  async drive<T>(e: Engine, until: Promise<T>): Promise<T> {
    let settled = false;
    const out = until.finally(() => void (settled = true));
    while (!settled) {
      this.step(e);
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }
}

test('adaptive concurrency: the controller lowers a too-high limit when latency climbs past a knee, with reasons', async () => {
  const knee = 6;
  // A service whose latency climbs steeply once more than `knee` calls are in flight: 2 ms up to
  // the knee, 291 ms at 40.
  const service = new VirtualService((inflight) => 2 + Math.max(0, inflight - knee) ** 2 / 4);
  const t = testEngine({ functions: new Map([['call', service.call]]), clock: service.clock, concurrency: 40, autoConcurrency: { kind: 'gradient' } });
  try {
    const decisions: string[] = [];
    t.engine.on('tuning', (d) => decisions.push(d.reason));
    const tasks = Array.from({ length: 400 }, (_, i) => `  c${i}:\n    fn: call\n    resources: {cpu: 0}`).join('\n');
    const run = await t.engine.submit(spec(`name: knee\ntasks:\n${tasks}\n`));
    assert.equal((await service.drive(t.engine, t.engine.wait(run.id))).state, 'succeeded');
    const c = t.engine.concurrencyController!;
    assert.ok(c.decisions.length > 0 && decisions.length === c.decisions.length, 'every decision is announced');
    // Deterministic, whatever the machine: the warm-up windows (the first calls start at 1..40 in
    // flight, 2..291 ms) set the baseline to 155 ms; then every call takes 291 ms, the gradient is
    // 1.25 x 155 / 291 = 0.67 and the limit goes 40 -> 37 -> 35 -> 33, settling at 32-35, where
    // latency is near 1.25 x the baseline.
    const first = c.decisions[0]!;
    assert.ok(first.rule === 'gradient' && first.to < first.from && /latency gradient 0\.\d+ < 1/.test(first.reason), `first decision lowers the limit by the gradient: ${first.reason}`);
    assert.ok(t.engine.concurrency < 40, `limit lowered from 40 to ${t.engine.concurrency}`);
    assert.equal(t.engine.concurrency, c.limit);
    assert.ok(decisions.every((r) => r.length > 0));
  } finally {
    await t.close();
  }
});
