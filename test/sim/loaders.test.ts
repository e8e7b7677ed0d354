import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KairosError } from '../../src/core/errors.js';
import { SeededRng } from '../../src/core/clock.js';
import { resolveWorkload, workloadsDir, TPCH_SIZES } from '../../src/sim/workloads/resolve.js';
import { parseTpch } from '../../src/sim/workloads/tpch.js';
import { parseWfCommons } from '../../src/sim/workloads/wfcommons.js';
import { parseAlibaba } from '../../src/sim/workloads/alibaba.js';
import { syntheticWorkload } from '../../src/sim/workloads/synthetic.js';
import { totalTasks } from '../../src/sim/workload.js';

const tmp = mkdtempSync(join(tmpdir(), 'kairos-sim-'));

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KairosError, `expected a KairosError, got ${String(e)}`);
    assert.equal(e.code, 'WORKLOAD_INVALID');
    assert.match(e.message, pattern);
    return true;
  });
}

test('TPC-H: the 7 shipped sizes hold 154 jobs, 1,414 stages and 177,890 tasks (README figures)', () => {
  const wl = resolveWorkload('tpch');
  assert.equal(wl.jobs.length, 154);
  assert.equal(wl.jobs.reduce((s, j) => s + j.stages.length, 0), 1414);
  assert.equal(wl.jobs.reduce((s, j) => s + totalTasks(j), 0), 177_890);
  const q1 = wl.jobs[0]!;
  assert.equal(q1.name, 'tpch-2g-q1');
  assert.deepEqual(q1.stages[1]!.parents, [0]);
  assert.equal(q1.stages[1]!.numTasks, 200);
  assert.equal(q1.stages[1]!.estimateMs, 247.9);
  assert.equal(resolveWorkload('tpch:10g').jobs.length, 22);
  assert.equal(wl.cluster[0]!.count, 50);
});

test('TPC-H sampled: durations come from the measured waves (first wave slower), estimates stay the mean', () => {
  const wl = resolveWorkload('tpch:2g', { sampled: true });
  const s = wl.jobs[0]!.stages[1]!; // q1 stage 1: first-wave tasks 139-211 ms, later waves mostly 6-47 ms at 5 executors
  assert.equal(s.estimateMs, 247.9);
  const rng = new SeededRng(3);
  const first = s.sampler!.sample(0, s.numTasks, rng, 5);
  const later = s.sampler!.sample(150, s.numTasks, rng, 5);
  assert.ok(first >= 139 && first <= 211, `first wave ${first}`);
  assert.ok(later < 139, `later wave ${later}`);
});

test('WfCommons: every shipped instance loads with the task count of index.json', () => {
  const dir = join(workloadsDir(), 'wfcommons');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { name: string; numTasks: number; numMachines: number }[];
  assert.equal(index.length, 37);
  for (const e of index) {
    const wl = resolveWorkload(`wfcommons:${e.name}`);
    assert.equal(wl.jobs.length, 1);
    assert.equal(wl.jobs[0]!.stages.length, e.numTasks, e.name);
    assert.equal(wl.cluster.length, e.numMachines, e.name);
    for (const s of wl.jobs[0]!.stages) assert.ok(s.resources['cpu']! >= 1 && s.resources['cpu']! <= wl.cluster[0]!.capacity['cpu']!, e.name);
  }
});

test('WfCommons: cores from avgCpuPct rounded up, capped by the largest machine; memory only when machines record it', () => {
  const doc = {
    name: 'tiny',
    machines: [{ name: 'm', cores: 4, speedMHz: null, memoryBytes: 1000 }],
    tasks: [
      { id: 'a', runtimeSec: 2, cores: null, avgCpuPct: 150, memoryBytes: 10, parents: [] },
      { id: 'b', runtimeSec: 1, cores: null, avgCpuPct: 900, memoryBytes: null, parents: ['a'] },
      { id: 'c', runtimeSec: 0, cores: 1, avgCpuPct: 0, memoryBytes: 5, parents: ['a', 'b'] },
    ],
  };
  const wl = parseWfCommons(JSON.stringify(doc), 'tiny.json');
  const st = wl.jobs[0]!.stages;
  assert.deepEqual(st.map((s) => s.resources), [{ cpu: 2, memory: 10 }, { cpu: 4 }, { cpu: 1, memory: 5 }]);
  assert.deepEqual(st[2]!.parents, [0, 1]);
  assert.equal(st[0]!.estimateMs, 2000);
  assert.deepEqual(wl.cluster[0]!.capacity, { cpu: 4, memory: 1000 });
});

test('Alibaba: 3,810 jobs and 15,673 tasks with trace arrivals in 0..900 s', () => {
  const wl = resolveWorkload('alibaba');
  assert.equal(wl.jobs.length, 3810);
  assert.equal(wl.jobs.reduce((s, j) => s + j.stages.length, 0), 15_673);
  assert.ok(wl.jobs.every((j) => j.arrivalMs !== null && j.arrivalMs >= 0 && j.arrivalMs <= 900_000));
  assert.equal(wl.defaultArrivals, 'trace');
  const t = wl.jobs[0]!.stages[0]!;
  assert.deepEqual(t.resources, { cpu: 0.5, memoryNorm: 0.3 });
  assert.equal(t.numTasks, 9);
});

test('synthetic: deterministic for a seed, deadlines = slack x critical path, priority mix respected', () => {
  const a = syntheticWorkload({ kind: 'mixed', seed: 7, jobs: 300 });
  const b = syntheticWorkload({ kind: 'mixed', seed: 7, jobs: 300 });
  assert.deepEqual(a.jobs, b.jobs);
  assert.notDeepEqual(syntheticWorkload({ kind: 'mixed', seed: 8, jobs: 300 }).jobs, a.jobs);
  const chain = syntheticWorkload({ kind: 'chain', seed: 1, jobs: 1, slack: 3 }).jobs[0]!;
  const cp = chain.stages.reduce((s, st) => s + st.estimateMs, 0);
  assert.equal(chain.relativeDeadlineMs, 3 * cp);
  const high = a.jobs.filter((j) => j.priority === 100).length / 300;
  assert.ok(high > 0.12 && high < 0.28, `high share ${high}`);
  const fj = syntheticWorkload({ kind: 'fork-join', seed: 2, jobs: 1 }).jobs[0]!;
  assert.deepEqual(fj.stages[0]!.parents, []);
  assert.equal(fj.stages[fj.stages.length - 1]!.parents.length, fj.stages.length - 2);
});

test('loaders accept any file in the formats, detected by content (PATH)', () => {
  const tp = join(tmp, 'mine.jsonl');
  writeFileSync(tp, '{"name":"j","stages":[{"id":0,"numTasks":3,"taskDurationMs":100,"deps":[]},{"id":1,"numTasks":1,"taskDurationMs":50,"deps":[0]}]}\n');
  assert.equal(resolveWorkload(tp).jobs[0]!.stages.length, 2);
  const al = join(tmp, 'ali.jsonl');
  writeFileSync(al, '{"name":"a","arrivalSec":3,"tasks":[{"id":"1","runtimeSec":2,"cores":1,"memoryNorm":1,"instances":2,"parents":[]}]}\n');
  assert.equal(resolveWorkload(al).jobs[0]!.arrivalMs, 3000);
  const wf = join(tmp, 'wf.json');
  writeFileSync(wf, JSON.stringify({ name: 'w', machines: [{ cores: 2, memoryBytes: null }], tasks: [{ id: 't', runtimeSec: 1, cores: 1, parents: [] }] }, null, 2));
  assert.equal(resolveWorkload(wf).cluster[0]!.capacity['cpu'], 2);
});

test('malformed TPC-H: the error names the file, the line and the field', () => {
  const good = '{"name":"a","stages":[{"id":0,"numTasks":1,"taskDurationMs":1,"deps":[]}]}';
  rejects(() => parseTpch(`${good}\n{"name":"b","stages":[{"id":0,"numTasks":-2,"taskDurationMs":1,"deps":[]}]}`, 'x.jsonl'), /^x\.jsonl line 2: stages\[0\]\.numTasks must be an integer >= 1 \(got -2\)$/);
  rejects(() => parseTpch(`${good}\n\n{"name":`, 'x.jsonl'), /x\.jsonl line 3: is not valid JSON/);
  rejects(() => parseTpch('{"name":"a","stages":[{"id":0,"numTasks":1,"taskDurationMs":1,"deps":[7]}]}', 'x.jsonl'), /line 1: stages\[0\]\.deps names unknown stage "7"/);
  rejects(
    () => parseTpch('{"name":"a","stages":[{"id":0,"numTasks":1,"taskDurationMs":1,"deps":[1]},{"id":1,"numTasks":1,"taskDurationMs":1,"deps":[0]}]}', 'x.jsonl'),
    /line 1: stages form a cycle: 0 -> 1|1 -> 0/,
  );
  rejects(() => parseTpch('{"name":"a","stages":[{"id":0,"numTasks":1,"taskDurationMs":"slow","deps":[]}]}', 'x.jsonl'), /stages\[0\]\.taskDurationMs must be a number >= 0 \(got "slow"\)/);
  rejects(() => parseTpch(good, 'x.jsonl', { sampled: true }), /stages\[0\]\.waves is missing/);
  rejects(() => parseTpch('\n\n', 'empty.jsonl'), /empty\.jsonl: holds no jobs/);
});

test('malformed WfCommons and Alibaba: clear errors naming file and field', () => {
  rejects(() => parseWfCommons('{"name":"w","tasks":[]}', 'w.json'), /^w\.json: machines must be an array/);
  rejects(() => parseWfCommons('{"name":"w","machines":[{"cores":2}],"tasks":[{"id":"a","runtimeSec":1,"parents":["zz"]}]}', 'w.json'), /w\.json: tasks\[0\] names unknown parent "zz"/);
  rejects(() => parseWfCommons('{"name":"w","machines":[{"cores":0}],"tasks":[]}', 'w.json'), /machines\[0\]\.cores must be an integer >= 1 \(got 0\)/);
  rejects(() => parseWfCommons('not json', 'w.json'), /w\.json: is not valid JSON/);
  rejects(
    () => parseAlibaba('{"name":"a","arrivalSec":0,"tasks":[{"id":"1","runtimeSec":1,"cores":1,"memoryNorm":250,"instances":1,"parents":[]}]}', 'a.jsonl'),
    /a\.jsonl line 1: tasks\[0\]\.memoryNorm is a percent of one machine and must be <= 100 \(got 250\)/,
  );
  rejects(() => parseAlibaba('{"name":"a","tasks":[]}', 'a.jsonl'), /line 1: arrivalSec must be a number >= 0 \(got undefined\)/);
});

test('unknown names and paths say what to use instead', () => {
  rejects(() => resolveWorkload('tpch:3g'), new RegExp(`use one of ${TPCH_SIZES.join(', ')}`));
  rejects(() => resolveWorkload('wfcommons:montage-nope'), /unknown WfCommons instance 'montage-nope': use wfcommons:<name> with one of montage-chameleon/);
  rejects(() => resolveWorkload('synthetic:star'), /kind one of chain, fork-join, layered, mixed/);
  rejects(() => resolveWorkload(join(tmp, 'missing.jsonl')), /no such file, and not a known name/);
  const odd = join(tmp, 'odd.jsonl');
  writeFileSync(odd, '{"hello":1}\n');
  rejects(() => resolveWorkload(odd), /odd\.jsonl line 1: format not recognised/);
});
