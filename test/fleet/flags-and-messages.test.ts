/**
 * The worker's flags and the fabric's message decoding: table-driven. Malformed input is a clear
 * error (flags) or a counted, dropped item (stream entries) — never a crash of the loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCapacity, parseLabels } from '../../src/fleet/capacity.js';
import { decodeLog, decodeResults, decodeTasks, decodeWorker, encodeResults, encodeTasks, fromTaskMessage, safeId, toTaskMessage, type ResultMessage, type TaskMessage } from '../../src/fleet/protocol.js';
import type { ExecRequest } from '../../src/exec/types.js';
import { resolveBroker } from '../../src/fleet/broker-options.js';

test('--capacity: units, custom resources, and errors naming the flag', () => {
  const c = parseCapacity('cpu=500m,memory=8Gi,slots=16,gpu=2');
  assert.equal(c.cpu, 0.5);
  assert.equal(c.memory, 8 * 2 ** 30);
  assert.equal(c.slots, 16);
  assert.equal(c.gpu, 2);
  assert.ok(parseCapacity(undefined).slots! >= 4, 'default slots = 4 x cores');
  for (const bad of ['cpu', 'cpu=lots', 'memory=8 bananas', 'slots=0', 'slots=1.5', 'gpu=-1', '=3']) {
    assert.throws(() => parseCapacity(bad), (e: Error & { code?: string }) => e.code === 'PARAM_INVALID' && /--capacity/.test(e.message), bad);
  }
});

test('--labels: k=v pairs; a value may contain "="', () => {
  assert.deepEqual(parseLabels('zone=eu-1,disk=ssd,expr=a=b'), { zone: 'eu-1', disk: 'ssd', expr: 'a=b' });
  assert.deepEqual(parseLabels(''), {});
  assert.throws(() => parseLabels('zone'), /--labels/);
});

test('broker options: URL scheme and prefix are checked', () => {
  assert.equal(resolveBroker({ url: 'redis://h:1' }).prefix, 'kairos');
  assert.throws(() => resolveBroker({ url: 'http://h:1' }), /redis:\/\//);
  assert.throws(() => resolveBroker({ url: 'redis://h', prefix: 'a b' }), /prefix/);
});

const task = { attemptId: 'r/t#1', runId: 'r', taskId: 't', attempt: 1, action: { kind: 'shell', run: 'true', shell: 'bash' }, env: {}, secretEnv: [] };
const result = { runId: 'r', taskId: 't', attempt: 1, outcome: 'succeeded', outputs: {} };

test('task and result entries: good items kept, malformed ones counted', () => {
  assert.deepEqual(decodeTasks(JSON.stringify([task])), { items: [task], bad: 0, form: 1 });
  const mixed = decodeTasks(JSON.stringify([task, { ...task, attempt: 0 }, { ...task, runId: '../x' }, null, 3, { ...task, action: null }]));
  assert.equal(mixed.items.length, 1);
  assert.equal(mixed.bad, 5);
  for (const raw of [undefined, '', '{', '{}', 'null', '"x"']) assert.deepEqual(decodeTasks(raw).items, [], String(raw));
  assert.equal(decodeResults(JSON.stringify([result, { ...result, outcome: 'exploded' }, { ...result, outputs: [] }])).bad, 2);
});

test('ids that would escape the log folder are refused', () => {
  for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a\0b', 'x'.repeat(513)]) assert.equal(safeId(bad), false, JSON.stringify(bad));
  for (const ok of ['run-1', 't[3]', 'a.b', '..a']) assert.equal(safeId(ok), true, ok);
  assert.equal(decodeLog(JSON.stringify({ runId: 'r', taskId: '../../etc/passwd', attempt: 1, chunk: 'x' })), null);
  assert.equal(decodeWorker(JSON.stringify({ id: 'w', incarnation: 'i', pool: 'p', capacity: {}, labels: {} }))?.id, 'w');
  assert.equal(decodeWorker('{"id":"w"}'), null);
});

test('a task message carries the ExecRequest over JSON: undefined as null, upstream outputs by value, no engine log path', () => {
  let reads = 0;
  const req: ExecRequest = {
    attemptId: 'r1/t#2', runId: 'r1', taskId: 't', attempt: 2, action: { kind: 'fn', fn: 'f', args: null },
    env: { A: '1' }, secretEnv: ['A'], cwd: undefined, timeoutMs: 5000, killGraceMs: 100, logPath: '/engine/logs/r1/t.2.log',
    maxLogBytes: 1024, outputsFromStdout: true, outputFile: undefined,
    inputs: { params: { p: 1 }, get upstream() { reads++; return { a: { x: 1 } }; } },
    onUsage: () => undefined,
  };
  const wire = JSON.stringify([toTaskMessage(req, 42)]);
  assert.equal(reads, 1, 'the lazy upstream getter is read when the message is encoded');
  const decoded = decodeTasks(wire);
  assert.equal(decoded.bad, 0);
  const msg = decoded.items[0];
  assert.equal(msg!.cwd, null);
  assert.equal(msg!.dispatchedAt, 42);
  assert.ok(!('logPath' in msg!) && !('onUsage' in msg!));
  const back = fromTaskMessage(msg!, '/worker/tmp/r1__t.2.log');
  assert.deepEqual(back, {
    attemptId: 'r1/t#2', runId: 'r1', taskId: 't', attempt: 2, action: { kind: 'fn', fn: 'f', args: null }, env: { A: '1' }, secretEnv: ['A'],
    cwd: undefined, timeoutMs: 5000, killGraceMs: 100, maxLogBytes: 1024, outputsFromStdout: true, outputFile: undefined,
    inputs: { params: { p: 1 }, upstream: { a: { x: 1 } } }, logPath: '/worker/tmp/r1__t.2.log',
  });
  // An optional field travels when set (the tuners' memory limit), and stays absent when not.
  const limited = decodeTasks(JSON.stringify([toTaskMessage({ ...req, memoryLimitBytes: 2048 }, 42)])).items[0]!;
  assert.equal(fromTaskMessage(limited, '/x.log').memoryLimitBytes, 2048);
  assert.ok(!('memoryLimitBytes' in back));
});

test('compact entries (protocol 2): tasks and results round-trip as tuples, malformed tuples counted, both forms read', () => {
  const msg = { ...task, cwd: null, timeoutMs: null, killGraceMs: 5000, maxLogBytes: 1024, outputsFromStdout: false, outputFile: null, inputs: { params: {} }, dispatchedAt: 7 };
  const other = { ...msg, attemptId: 'custom-id', taskId: 'u', memoryLimitBytes: 2048 };
  const wire = encodeTasks([msg, other] as TaskMessage[]);
  assert.ok(!wire.includes('r/t#1'), 'an attempt id that follows the usual form is not sent');
  assert.deepEqual(decodeTasks(wire), { items: [msg, other], bad: 0, form: 2 });
  const tuples = JSON.parse(wire) as { v: number; t: unknown[] };
  tuples.t.push([null, '../x', 't', 1], 'x', [null, 'r', 't', 0, { kind: 'fn' }, {}, [], null, null, 1, 1, false, null, {}, 1]);
  assert.deepEqual(decodeTasks(JSON.stringify(tuples)).bad, 3);
  assert.equal(decodeTasks('{"v":4,"t":[]}').bad, 1, 'an unknown version is malformed');

  const res = { runId: 'r', taskId: 't', attempt: 1, workerId: 'w1', incarnation: 'i1', outcome: 'succeeded', exitCode: null, signal: null, outputs: { at: 1 }, error: null, startedAt: 5, finishedAt: 6 } as const;
  const late = { ...res, taskId: 'u', incarnation: 'i0', outcome: 'failed', error: 'boom', usage: { cpuMs: 3 } } as const;
  const rwire = encodeResults('w1', 'i1', [res, late]);
  assert.deepEqual(decodeResults(rwire), { items: [res, late], bad: 0, form: 2 });
  const bad = JSON.parse(rwire) as { r: unknown[] };
  bad.r.push(['r', 't', 1, 'exploded', null, null, {}, null, 1, 2, null], ['r', 't', 1, 'succeeded', null, null, [], null, 1, 2, null], ['r']);
  assert.equal(decodeResults(JSON.stringify(bad)).bad, 3);
});

test('delta entries (protocol 3): fields equal to the previous tuple are left out, and come back; broken items counted', () => {
  const action = { kind: 'fn', fn: 'f', args: null };
  const base = { attemptId: 'r/t#1', runId: 'r', taskId: 't', attempt: 1, action, env: {}, secretEnv: [], cwd: null, timeoutMs: null, killGraceMs: 5000, maxLogBytes: 1024, outputsFromStdout: false, outputFile: null, inputs: { params: {} }, dispatchedAt: 7 };
  const msgs = [base, { ...base, attemptId: 'r/u#1', taskId: 'u' }, { ...base, attemptId: 'custom', taskId: 'v', attempt: 2, memoryLimitBytes: 2048 }, { ...base, attemptId: 'r2/w#1', runId: 'r2', taskId: 'w', action: { kind: 'shell', run: 'true', shell: 'bash' } }];
  const wire = encodeTasks(msgs as TaskMessage[], true);
  const e = JSON.parse(wire) as { v: number; t: unknown[] };
  assert.equal(e.v, 3);
  assert.deepEqual(e.t[1], [0b1111111111111111 & ~(1 << 2), 'u'], 'the second task sends only its task id');
  assert.ok(wire.length < encodeTasks(msgs as TaskMessage[]).length * 0.7, 'smaller than the compact form');
  assert.deepEqual(decodeTasks(wire), { items: msgs, bad: 0, form: 3 });
  // A bad mask, too many fields, a non-array, and a delta after a broken item are malformed; a full item recovers.
  e.t.push([1 << 20, 'x'], [0b1111111111111011, 'x', 'y'], 'x', [0b1111111111111011, 'z'], [0, null, 'r', 'z', 1, action, {}, [], null, null, 1, 1, false, null, {}, 1, null]);
  const d = decodeTasks(JSON.stringify(e));
  assert.equal(d.bad, 4);
  assert.deepEqual(d.items.map((m) => m.taskId), ['t', 'u', 'v', 'w', 'z']);

  const res = { runId: 'r', taskId: 't', attempt: 1, workerId: 'w1', incarnation: 'i1', outcome: 'succeeded', exitCode: null, signal: null, outputs: { at: 1 }, error: null, startedAt: 5, finishedAt: 6 } as const;
  const results: ResultMessage[] = [res, { ...res, taskId: 'u', outputs: { at: 2 } }, { ...res, taskId: 'v', incarnation: 'i0', outcome: 'failed', error: 'boom', usage: { cpuMs: 3 } }];
  const rwire = encodeResults('w1', 'i1', results, 3);
  assert.ok(rwire.length < encodeResults('w1', 'i1', results).length, 'smaller than the compact form');
  assert.deepEqual(decodeResults(rwire), { items: results, bad: 0, form: 3 });
});

test('delta entries: fn inputs equal by value are sent once (the receiver shares them); anything unsure is sent again', () => {
  // The engine's inputs: a class with an enumerable getter, a new object per task (attempt-runner.ts).
  class Inputs {
    readonly params: unknown;
    readonly item = null;
    readonly index = null;
    constructor(params: unknown, upstream: Record<string, unknown>) {
      this.params = params;
      Object.defineProperty(this, 'upstream', { get: () => ({ ...upstream }), enumerable: true });
    }
  }
  const params = { n: 1 };
  const action = { kind: 'fn', fn: 'f', args: null };
  const base = { attempt: 1, runId: 'r', action, env: {}, secretEnv: [], cwd: null, timeoutMs: null, killGraceMs: 5000, maxLogBytes: 1024, outputsFromStdout: false, outputFile: null, dispatchedAt: 7 };
  const inputs = [
    new Inputs(params, {}), new Inputs(params, {}), new Inputs({ n: 1 }, {}), // equal by value: 2nd and 3rd not sent
    new Inputs(params, { a: { x: 1 } }), // different upstream
    { params, item: null, index: null, upstream: {} }, // plain object, equal to the first: not sent
    { item: null, params, index: null, upstream: {} }, // other key order (other JSON text): sent
    { params, item: new Date(0), index: null, upstream: {} }, // toJSON: sent
    { params, item: new Date(0), index: null, upstream: {} },
    { params, item: undefined, index: null, upstream: {} }, // undefined (JSON leaves the key out): sent
    { params, item: NaN, index: null, upstream: {} }, // NaN (JSON null): sent
    { params, item: NaN, index: null, upstream: {} },
    { params, item: Array.from({ length: 40 }, (_, i) => i), index: null, upstream: {} }, // over the budget: sent
    { params, item: Array.from({ length: 40 }, (_, i) => i), index: null, upstream: {} },
  ];
  const msgs = inputs.map((inp, i) => ({ ...base, attemptId: `r/t${i}#1`, taskId: `t${i}`, inputs: inp })) as unknown as TaskMessage[];
  const e = JSON.parse(encodeTasks(msgs, true)) as { t: unknown[][] };
  const sent = e.t.map((row) => ((row[0] as number) & (1 << 13)) === 0);
  assert.deepEqual(sent, [true, false, false, true, true, true, true, true, true, true, true, true, true]);
  const d = decodeTasks(JSON.stringify(e));
  assert.equal(d.bad, 0);
  assert.deepEqual(d.items.map((m) => JSON.stringify(m.inputs)), inputs.map((i) => JSON.stringify(i)), 'every message decodes to its own inputs\' JSON');
  assert.equal(d.items[1]!.inputs, d.items[0]!.inputs, 'equal inputs arrive as one shared object');
});

test('delta entries: a mask must be below 2 ** width (the bound is computed once per list)', () => {
  const action = { kind: 'fn', fn: 'f', args: null };
  const base = { attemptId: 'r/t#1', runId: 'r', taskId: 't', attempt: 1, action, env: {}, secretEnv: [], cwd: null, timeoutMs: null, killGraceMs: 5000, maxLogBytes: 1024, outputsFromStdout: false, outputFile: null, inputs: { params: {} }, dispatchedAt: 7 };
  const e = JSON.parse(encodeTasks([base] as TaskMessage[], true)) as { v: number; t: unknown[] };
  // Every one of the 16 fields from the previous tuple: the largest valid mask; with a 17th bit
  // (the field count would still match) it is malformed.
  e.t.push([2 ** 16 - 1], [2 ** 17 - 1]);
  const d = decodeTasks(JSON.stringify(e));
  assert.equal(d.bad, 1);
  assert.deepEqual(d.items, [base, base]);
  const res = { runId: 'r', taskId: 't', attempt: 1, workerId: 'w1', incarnation: 'i1', outcome: 'succeeded', exitCode: null, signal: null, outputs: {}, error: null, startedAt: 5, finishedAt: 6 } as const;
  const r = JSON.parse(encodeResults('w1', 'i1', [res], 3)) as { r: unknown[] };
  r.r.push([2 ** 12 - 1], [2 ** 13 - 1]);
  const dr = decodeResults(JSON.stringify(r));
  assert.equal(dr.bad, 1);
  assert.deepEqual(dr.items, [res, res]);
});
