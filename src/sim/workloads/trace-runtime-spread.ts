/**
 * Runtime uncertainty of a recorded live history (the learned policy's `estimate_cv` feature,
 * SchedTask.estimateCv) for its replays: regret by replay and online fine-tuning replay a
 * `HistoryTrace` in the simulator, whose stages report `sampler.cv` as that feature. A trace
 * stage replays its recorded runtime exactly, so it has no spread of its own; what the live
 * engine showed the policy was the runtime predictor's spread of the task's signature
 * (`RuntimePredictor.cv`). The stand-in here is the one the trace already uses for the mean
 * (src/engine/history-trace.ts: the window's mean runtime per signature): the **population
 * stdev / mean of the signature's recorded runtimes in the window** — the simulator's definition
 * (`WaveSampler.cv`, tpch.ts), equal to the predictor's when its decay is off
 * (test/learn/runtime-cv.test.ts); 0 with one sample or a mean of 0, and 0 for a task whose
 * estimate was declared (live, a declared estimate carries no estimateCv: the feature reads 0).
 *
 * Computed once over the whole trace, before fine-tuning splits it into episodes, so every
 * chunk sees the window's spread (as it sees the window's mean), not its own chunk's.
 */
import type { HistoryTrace, TraceRun, TraceTask } from './live-history.js';

/**
 * The task's signature as the engine keys runtimes: `namespace/workflow/task`, a foreach
 * instance (`fan[3]`) under its group's id (task ids match `^[A-Za-z_][A-Za-z0-9_-]*$`, so a
 * trailing `[n]` is always the instance index).
 */
export function traceSignature(run: TraceRun, task: TraceTask): string {
  const k = task.id.endsWith(']') ? task.id.lastIndexOf('[') : -1;
  return `${run.namespace}/${run.workflow}/${k > 0 ? task.id.slice(0, k) : task.id}`;
}

/** Population stdev / mean; 0 for fewer than two values or a mean that is not positive. */
export function populationCv(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  let m = 0;
  for (const x of xs) m += x / xs.length;
  if (!(m > 0)) return 0;
  let v = 0;
  for (const x of xs) v += ((x - m) * (x - m)) / xs.length;
  return Math.sqrt(v) / m;
}

/** Spread of the recorded runtimes of each signature in the trace. */
export function runtimeCvBySignature(trace: HistoryTrace): Map<string, number> {
  const runtimes = new Map<string, number[]>();
  for (const run of trace.runs) {
    for (const t of run.tasks) {
      const sig = traceSignature(run, t);
      const list = runtimes.get(sig);
      if (list === undefined) runtimes.set(sig, [Math.max(0, t.runtimeMs)]);
      else list.push(Math.max(0, t.runtimeMs));
    }
  }
  const out = new Map<string, number>();
  for (const [sig, xs] of runtimes) out.set(sig, populationCv(xs));
  return out;
}

/**
 * The trace with `estimateCv` set on every task that has none (0 for a declared estimate, else
 * its signature's spread in this trace). Returns the trace itself when every task has one, so
 * calling it again (historyWorkload does) costs one pass and keeps the first answer.
 */
export function withRuntimeSpread(trace: HistoryTrace): HistoryTrace {
  if (trace.runs.every((r) => r.tasks.every((t) => t.estimateCv !== undefined))) return trace;
  const bySig = runtimeCvBySignature(trace);
  const runs = trace.runs.map((run) => ({
    ...run,
    tasks: run.tasks.map((t) => (t.estimateCv !== undefined ? t : { ...t, estimateCv: t.estimateDeclared === true ? 0 : bySig.get(traceSignature(run, t)) ?? 0 })),
  }));
  return { ...trace, runs };
}
