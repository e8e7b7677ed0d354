/**
 * How many runs a fresh process needs before its throughput is steady, for both systems of
 * bench/engine/run.ts: the evidence behind that benchmark's `--warmup-runs` default. Each of
 * `--procs` fresh processes per system and shape does `--runs` successive runs of `--size`
 * tasks with no warm-up at all (run.ts's own child mode, `--warmup-runs 0`), and the table gives,
 * per run index, the median over the processes of tasks/s, and that as a share of the steady
 * state (the median of the last two indexes).
 *
 *   node --import tsx bench/engine/warmup-curve.ts [--procs 3] [--runs 7] [--size 20000] [--shape dag|independent|both]
 *
 * Run index i is what run.ts measures with `--warmup-runs i-1`. BullMQ runs at concurrency 50 and
 * Kairos at 1024, the configurations run.ts compares.
 */
import { runChild } from './child.js';
import { startRedis } from './redis.js';
import { int, median, table } from './stats.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const PROCS = Number(opt('procs', '3'));
const RUNS = Number(opt('runs', '7'));
const SIZE = Number(opt('size', '20000'));
const SHAPE = opt('shape', 'both');
if (!(PROCS >= 1) || !(RUNS >= 3) || !(SIZE >= 4) || !['dag', 'independent', 'both'].includes(SHAPE)) {
  throw new Error('usage: --procs N>=1 --runs N>=3 --size N>=4 --shape dag|independent|both');
}

interface Child {
  readonly system: 'bullmq' | 'kairos';
  readonly concurrency: number;
}
const SYSTEMS: readonly Child[] = [
  { system: 'bullmq', concurrency: 50 },
  { system: 'kairos', concurrency: 1024 },
];

/** One fresh process: RUNS timed runs, no warm-up; tasks/s per run, in order. */
async function curve(c: Child, shape: string, port: number): Promise<number[]> {
  const runs = (await runChild([], ['--child', c.system, '--shape', shape, '--port', String(port), '--concurrency', String(c.concurrency),
    '--size', String(SIZE), '--runs', String(RUNS), '--warmup-runs', '0'])) as { tasks: number; ms: number }[];
  return runs.map((r) => (r.tasks / r.ms) * 1000);
}

const redis = await startRedis();
try {
  const shapes = SHAPE === 'both' ? ['independent', 'dag'] : [SHAPE];
  for (const shape of shapes) {
    const curves = new Map<Child, number[][]>(SYSTEMS.map((c) => [c, []]));
    // Processes of the two systems alternate, so a slow spell of the machine hits both.
    for (let p = 0; p < PROCS; p++) {
      for (const c of SYSTEMS) {
        process.stderr.write(`[warmup-curve] ${shape} ${c.system} process ${p + 1}/${PROCS}\n`);
        curves.get(c)!.push(await curve(c, shape, redis.port));
      }
    }
    const rows = SYSTEMS.map((c) => {
      const perIndex = Array.from({ length: RUNS }, (_, i) => median(curves.get(c)!.map((k) => k[i]!)));
      const steady = median(perIndex.slice(-2));
      return [`${c.system} (c=${c.concurrency})`, ...perIndex.map((v) => `${int(v)} (${Math.round((v / steady) * 100)}%)`)];
    });
    console.log(`\n${shape}, ${SIZE.toLocaleString('en-US')} tasks per run, tasks/s by run index (median of ${PROCS} fresh processes; % of the last two runs' median)`);
    console.log(table(['system', ...Array.from({ length: RUNS }, (_, i) => `run ${i + 1}`)], rows));
  }
  console.log(`\nCommand: node --import tsx bench/engine/warmup-curve.ts ${argv.join(' ')}`.trimEnd());
} finally {
  await redis.stop();
}
