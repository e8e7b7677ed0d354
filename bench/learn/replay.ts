/**
 * Builds time-ordered replays of the real workloads for the runtime-accuracy experiment: a list of
 * steps, each either "predict these tasks of one signature" (scored against their real runtimes)
 * or "observe these runtimes". A prediction only ever sees observations of tasks that finished
 * before it started. Raw files are read here (bench code, not src/learn) so fields the simulator's
 * loaders drop (WfCommons task names and input sizes, Alibaba task names) are available.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRng } from '../../src/core/clock.js';
import { workloadsDir, TPCH_SIZES } from '../../src/sim/index.js';
import type { RuntimeFeatures } from '../../src/learn/runtime-predictor.js';

export interface Step {
  readonly kind: 'predict' | 'observe';
  readonly atMs: number;
  readonly signature: string;
  readonly runtimesMs: readonly number[];
  readonly features?: RuntimeFeatures;
}

interface Timed {
  readonly start: number;
  readonly end: number;
  readonly signature: string;
  readonly runtimeMs: number;
  readonly features?: RuntimeFeatures;
}

/** Predict at start, observe at end, merged in time order (an end at t comes before a start at t). */
function merge(tasks: readonly Timed[]): Step[] {
  const steps: Step[] = [];
  for (const t of tasks) {
    const f = t.features === undefined ? {} : { features: t.features };
    steps.push({ kind: 'predict', atMs: t.start, signature: t.signature, runtimesMs: [t.runtimeMs], ...f });
    steps.push({ kind: 'observe', atMs: t.end, signature: t.signature, runtimesMs: [t.runtimeMs], ...f });
  }
  return steps.sort((a, b) => a.atMs - b.atMs || (a.kind === b.kind ? 0 : a.kind === 'observe' ? -1 : 1));
}

/** Earliest start/finish of each task of a DAG with unlimited machines. */
function schedule<T extends { id: string; parents: readonly string[]; runtimeMs: number }>(tasks: readonly T[], t0: number): Map<string, { start: number; end: number }> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const out = new Map<string, { start: number; end: number }>();
  const visit = (t: T, depth: number): { start: number; end: number } => {
    const done = out.get(t.id);
    if (done !== undefined) return done;
    if (depth > 10_000) throw new Error('cycle');
    let start = t0;
    for (const p of t.parents) {
      const pt = byId.get(p);
      if (pt !== undefined) start = Math.max(start, visit(pt, depth + 1).end);
    }
    const r = { start, end: start + t.runtimeMs };
    out.set(t.id, r);
    return r;
  };
  for (const t of tasks) visit(t, 0);
  return out;
}

// ---------------------------------------------------------------- TPC-H

interface TpchStage { id: number; deps: number[]; waves?: Record<string, { firstWave?: number[]; restWave?: number[] }> }
interface TpchJob { query: number; size: string; stages: TpchStage[] }

/**
 * TPC-H on Spark: every (query, size, executor count) in the `full/*-waves` files is one recorded
 * run of that query (2..100 executors: 9 runs per query and size, 1,386 in all). The runs are
 * replayed one after another in a seeded random order (the data has no timestamps); inside a run,
 * stages go in dependency order and each stage's first wave, then its later waves, are predicted
 * together before any of them is observed (they start together). `bySize` picks the signature:
 * true = `tpch-<size>/q<n>/s<stage>` (the same query on the same data recurring), false =
 * `tpch/q<n>/s<stage>` (all sizes pooled), with the input size in GB as the feature `sizeGB`
 * when `withFeatures`.
 */
export function tpchReplay(bySize: boolean, seed = 1, withFeatures = true): Step[] {
  const runs: { job: TpchJob; executors: string }[] = [];
  for (const size of TPCH_SIZES) {
    const text = readFileSync(join(workloadsDir(), 'tpch', 'full', `tpch-${size}-waves.jsonl`), 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const job = JSON.parse(line) as TpchJob;
      const execs = new Set<string>();
      for (const s of job.stages) for (const e of Object.keys(s.waves ?? {})) execs.add(e);
      for (const e of execs) runs.push({ job, executors: e });
    }
  }
  const rng = new SeededRng(seed);
  for (let i = runs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [runs[i], runs[j]] = [runs[j]!, runs[i]!];
  }
  const steps: Step[] = [];
  let t = 0;
  for (const { job, executors } of runs) {
    const sizeGB = Number(job.size.replace(/g$/, ''));
    for (const s of topo(job.stages)) {
      const w = s.waves?.[executors];
      if (w === undefined) continue;
      const signature = bySize ? `tpch-${job.size}/q${job.query}/s${s.id}` : `tpch/q${job.query}/s${s.id}`;
      const f = bySize || !withFeatures ? {} : { features: { sizeGB } };
      for (const wave of [w.firstWave ?? [], w.restWave ?? []]) {
        if (wave.length === 0) continue;
        steps.push({ kind: 'predict', atMs: t, signature, runtimesMs: wave, ...f });
        t += Math.max(...wave);
        steps.push({ kind: 'observe', atMs: t, signature, runtimesMs: wave, ...f });
      }
    }
  }
  return steps;
}

function topo(stages: TpchStage[]): TpchStage[] {
  const done = new Set<number>();
  const out: TpchStage[] = [];
  while (out.length < stages.length) {
    const before = out.length;
    for (const s of stages) if (!done.has(s.id) && s.deps.every((d) => done.has(d))) { done.add(s.id); out.push(s); }
    if (out.length === before) throw new Error('TPC-H stage cycle');
  }
  return out;
}

// ---------------------------------------------------------------- WfCommons

/** The task type of a WfCommons task id: `mProject_ID0000001` → `mProject`, `NF.X.PROC_4` → `NF.X.PROC`, epigenomics `fast2bfq_fast2bfq_<sample>_ID7` → `fast2bfq`. */
export function wfTaskType(id: string): string {
  const base = id.replace(/(_ID)?[_-]?\d+$/, '');
  const m = /^([^_]+)_\1(_|$)/.exec(base);
  return m ? m[1]! : base;
}

/**
 * WfCommons: the 37 instances replayed one after another (file-name order, so the runs of one
 * application follow each other, as a user re-running a pipeline would), each task starting when
 * its last parent ends (unlimited machines: the instances record no start times). Signature
 * `<application>/<task type>`; with `withFeatures`, the task's recorded `inputBytes`.
 */
export function wfcommonsReplay(withFeatures: boolean): Step[] {
  const dir = join(workloadsDir(), 'wfcommons');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'index.json').sort();
  const all: Timed[] = [];
  let t0 = 0;
  for (const f of files) {
    const w = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { application: string; tasks: { id: string; runtimeSec: number; inputBytes: number | null; parents: string[] }[] };
    const tasks = w.tasks.map((t) => ({ ...t, runtimeMs: t.runtimeSec * 1000 }));
    const sched = schedule(tasks, t0);
    let end = t0;
    for (const t of tasks) {
      const s = sched.get(t.id)!;
      end = Math.max(end, s.end);
      const features = withFeatures && t.inputBytes !== null ? { features: { inputBytes: t.inputBytes } } : {};
      all.push({ start: s.start, end: s.end, signature: `${w.application}/${wfTaskType(t.id)}`, runtimeMs: t.runtimeMs, ...features });
    }
    t0 = end + 1;
  }
  return merge(all);
}

// ---------------------------------------------------------------- Alibaba

/**
 * Alibaba v2018: jobs arrive at their trace times; a task starts when its last parent ends. The
 * trace has no job names that recur, so the signature a user would have is approximated by the
 * job's SHAPE (its sorted task names with instance counts: jobs submitted again with the same DAG)
 * and the task name: `alibaba/<shape>/<task>`. With `byTaskNameOnly`, just `alibaba/<task>` (the
 * DAG position, shared by unrelated jobs) for contrast. Feature (optional): `instances`.
 */
export function alibabaReplay(byTaskNameOnly: boolean, withFeatures: boolean): Step[] {
  const text = readFileSync(join(workloadsDir(), 'alibaba', 'alibaba-v2018-first15min.jsonl'), 'utf8');
  const all: Timed[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const j = JSON.parse(line) as { arrivalSec: number; tasks: { id: string; name: string; runtimeSec: number; instances: number; parents: string[] }[] };
    const shape = hash(j.tasks.map((t) => `${t.name}:${t.instances}`).sort().join(','));
    const tasks = j.tasks.map((t) => ({ ...t, runtimeMs: t.runtimeSec * 1000 }));
    const sched = schedule(tasks, j.arrivalSec * 1000);
    for (const t of tasks) {
      const s = sched.get(t.id)!;
      const name = t.name;
      const signature = byTaskNameOnly ? `alibaba/${name}` : `alibaba/${shape}/${name}`;
      all.push({ start: s.start, end: s.end, signature, runtimeMs: t.runtimeMs, ...(withFeatures ? { features: { instances: t.instances } } : {}) });
    }
  }
  return merge(all);
}

/** FNV-1a, 32 bits, hex: a short stable key for a job shape. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
