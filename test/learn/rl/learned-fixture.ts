/**
 * For the live tests of the learned policy (regret guard, fine-tuning): tiny recorded live
 * histories as plain HistoryTraces (what src/engine/history-trace.ts reads from the store), one
 * slot, so the order of the queue is everything; and hand-set linear models that do not depend
 * on the shipped model file (retrained as the features change): `srptModel` scores a candidate by
 * minus its job's remaining work (shortest first: good on these histories), `antiSrptModel` by
 * plus it (longest first: deliberately bad).
 */
import type { HistoryTrace, TraceRun } from '../../../src/learn/whatif.js';
import { FEATURE_NAMES } from '../../../src/learn/rl/features.js';
import { toModelFile, type ModelFile } from '../../../src/learn/rl/model-file.js';
import { DEFAULT_OBJECTIVE } from '../../../src/learn/rl/objective.js';
import { Mlp } from '../../../src/learn/rl/mlp.js';

export const T0 = 1_700_000_000_000;

function run(id: string, arrivalAt: number, runtimesMs: readonly number[]): TraceRun {
  let t = arrivalAt;
  return {
    id, workflow: 'w', namespace: 'default', priority: 50, arrivalAt, finishedAt: arrivalAt + runtimesMs.reduce((a, b) => a + b, 0) * 10, deadlineAt: null, state: 'succeeded',
    tasks: runtimesMs.map((r, i) => {
      const s = t;
      t += r;
      return { id: `t${i}`, parents: i === 0 ? [] : [i - 1], runtimeMs: r, estimateMs: r, resources: { cpu: 1 }, priority: 50, attempts: 1, readyAt: s, startedAt: s, finishedAt: s + r };
    }),
  };
}

function trace(runs: TraceRun[]): HistoryTrace {
  return { fromMs: T0, toMs: runs[runs.length - 1]!.arrivalAt + 1, capacity: { cpu: 1, memory: 2 ** 30 }, concurrency: 1, runs, skipped: { unfinishedRuns: 0, tasksNotStarted: 0, emptyRuns: 0 } };
}

/** Bursts every 5 min: one long chain (3 x 20 s) and four 1 s runs arriving together: the order matters. */
export function contendedTrace(bursts = 6): HistoryTrace {
  const runs: TraceRun[] = [];
  for (let b = 0; b < bursts; b++) {
    const at = T0 + b * 300_000;
    runs.push(run(`b${b}-long`, at, [20_000, 20_000, 20_000]));
    for (let k = 0; k < 4; k++) runs.push(run(`b${b}-short${k}`, at + 1 + k, [1000]));
  }
  return trace(runs);
}

/** Runs 10 min apart that never wait for each other: every policy gives the same schedule. */
export function idleTrace(n = 12): HistoryTrace {
  return trace(Array.from({ length: n }, (_, i) => run(`r${i}`, T0 + i * 600_000, [5000, 3000])));
}

function linear(sign: 1 | -1, command: string): { mlp: Mlp; file: ModelFile } {
  const f = FEATURE_NAMES.indexOf('job_remaining_log_s');
  if (f < 0) throw new Error('feature job_remaining_log_s is gone: update test/learn/rl/learned-fixture.ts');
  const params = new Array<number>(FEATURE_NAMES.length + 1).fill(0); // W [1 x F], then b
  params[f] = sign * 0.01; // small: a few fine-tuning steps (Adam, lr 3e-3) can move it
  const mlp = new Mlp([FEATURE_NAMES.length, 1], params);
  return { mlp, file: toModelFile(mlp, DEFAULT_OBJECTIVE, { command }) };
}

export const srptModel = (): { mlp: Mlp; file: ModelFile } => linear(-1, 'hand-set: shortest remaining work first');
export const antiSrptModel = (): { mlp: Mlp; file: ModelFile } => linear(1, 'hand-set: longest remaining work first');
