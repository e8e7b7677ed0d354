import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { KairosError } from '../../src/core/errors.js';
import { registerSimulate } from '../../src/cli/commands/simulate.js';
import { registerBench } from '../../src/cli/commands/bench.js';

const tmp = mkdtempSync(join(tmpdir(), 'kairos-simcli-'));

/** Runs the commands as the CLI would and returns what they printed on stdout. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command('kairos').exitOverride();
  registerSimulate(program);
  registerBench(program);
  let out = '';
  const write = process.stdout.write;
  const writeErr = process.stderr.write;
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  return out;
}

async function fails(args: string[], code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(cli(...args), (e: unknown) => {
    assert.ok(e instanceof KairosError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

const SMALL = ['--workload', 'tpch:2g', '--jobs', '3', '--executors', '5'];

test('simulate --json prints exactly the documented fields, times in seconds', async () => {
  const j = JSON.parse(await cli('simulate', ...SMALL, '--seed', '4', '--json')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(j), ['policy', 'workload', 'seed', 'jobs', 'avgJct', 'p50Jct', 'p95Jct', 'p99Jct', 'makespan', 'deadlineMissRate', 'throughput', 'maxWait', 'utilization', 'lowerBoundAvgJct', 'events', 'eventsPerSec']);
  assert.equal(j['policy'], 'fifo');
  assert.equal(j['seed'], 4);
  assert.equal(j['jobs'], 3);
  assert.ok((j['avgJct'] as number) >= (j['lowerBoundAvgJct'] as number));
  assert.ok((j['makespan'] as number) < 3600, 'seconds, not milliseconds');
});

test('simulate runs a built-in scenario and a policy with settings; --gantt writes an SVG', async () => {
  const file = join(tmp, 'g.svg');
  const text = await cli('simulate', '--scenario', 'decima-batched', '--jobs', '4', '--policy', 'weighted-fair:alpha=0.5', '--gantt', file);
  assert.match(text, /tpch under weighted-fair:alpha=0.5, seed 1: 4 jobs, arrivals batch, 50 workers/);
  const svg = readFileSync(file, 'utf8');
  assert.ok(svg.startsWith('<svg') && svg.endsWith('</svg>'));
  assert.match(svg, /<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="\d+" fill="#/);
});

test('simulate: bad flags name the flag and the fix', async () => {
  await fails(['simulate', ...SMALL, '--load', '2'], 'PARAM_INVALID', /^--load: must be a fraction in \(0, 1\], e\.g\. 0\.85 \(got '2'\)$/);
  await fails(['simulate', ...SMALL, '--arrivals', 'batch', '--load', '0.5'], 'PARAM_INVALID', /--load: has no meaning with batch arrivals/);
  await fails(['simulate', ...SMALL, '--arrivals', 'poisson:0'], 'WORKLOAD_INVALID', /--arrivals poisson:0: the mean gap must be a number of seconds > 0/);
  await fails(['simulate', ...SMALL, '--arrivals', 'trace'], 'WORKLOAD_INVALID', /--arrivals trace: job tpch-2g-q\d+ has no arrival time/);
  await fails(['simulate', ...SMALL, '--policy', 'lifo'], 'POLICY_UNKNOWN', /--policy: unknown policy 'lifo'; registered: .*fifo/);
  await fails(['simulate', '--jobs', '3'], 'PARAM_INVALID', /--workload: is required \(or give --scenario\)/);
  await fails(['simulate', '--scenario', 'decima'], 'PARAM_INVALID', /unknown scenario 'decima'; use one of decima-batched, decima-continuous/);
  await fails(['simulate', ...SMALL, '--durations', 'median'], 'PARAM_INVALID', /--durations: must be mean or sampled/);
});

test('bench --json: every policy on the same seeds, means with 95% intervals', async () => {
  const j = JSON.parse(await cli('bench', ...SMALL, '--policies', 'fifo,sjf', '--seeds', '3', '--json')) as {
    seeds: number[];
    lowerBoundAvgJct: { mean: number; ci95: number };
    policies: { policy: string; avgJct: { mean: number; ci95: number }; jctRatio: { mean: number } }[];
  };
  assert.deepEqual(j.seeds, [1, 2, 3]);
  assert.deepEqual(j.policies.map((p) => p.policy), ['fifo', 'sjf']);
  for (const p of j.policies) {
    assert.ok(p.avgJct.mean >= j.lowerBoundAvgJct.mean);
    assert.ok(p.avgJct.ci95 > 0);
    assert.ok(p.jctRatio.mean >= 1);
  }
});

test('bench --out writes a Markdown report with its three SVG charts', async () => {
  const dir = join(tmp, 'report');
  const text = await cli('bench', ...SMALL, '--policies', 'fifo,fair', '--seeds', '2', '--out', dir);
  assert.match(text, /^tpch:2g: 3 jobs, arrivals batch, 5 workers/);
  assert.match(text, /fifo .* ± /);
  for (const f of ['README.md', 'jct-cdf.svg', 'avg-jct.svg', 'utilization.svg']) assert.ok(existsSync(join(dir, f)), f);
  const md = readFileSync(join(dir, 'README.md'), 'utf8');
  assert.match(md, /\| fair \| [\d.]+ ± [\d.]+ \|/);
  assert.match(md, /!\[JCT CDF\]\(jct-cdf\.svg\)/);
  assert.match(readFileSync(join(dir, 'avg-jct.svg'), 'utf8'), /lower bound/);
});

test('bench: bad flags are clear errors', async () => {
  await fails(['bench', ...SMALL, '--seeds', '0'], 'PARAM_INVALID', /--seeds: must be an integer in 1\.\.1000/);
  await fails(['bench', ...SMALL, '--policies', 'fifo,fifo'], 'PARAM_INVALID', /--policies: lists a policy twice/);
  await fails(['bench', ...SMALL, '--policies', 'fifo,Nope!'], 'PARAM_INVALID', /--policies: 'Nope!' is not a policy name/);
});
