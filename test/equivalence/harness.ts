/**
 * Runs one workload through both drivers of the one scheduler (DESIGN.md, "The one idea"):
 *   - the simulator, in virtual time, from the sim's own workload model (JobSpec / StageSpec);
 *   - the live engine, with a real SQLite store and `fn` tasks that really sleep their duration
 *     scaled down (`msPerSimSecond` real ms for one simulated second),
 * and records, in both, every scheduling round that started something: `schedule(now)` of the
 * very Scheduler instance each driver uses is wrapped, so what is compared is the scheduler's
 * own output, in placement order.
 *
 * Mapping (the parts a test must get right for the comparison to mean anything):
 *   - job i            -> sim SimJob `j<i>`            | engine run id `j<i>` (submitted in job order)
 *   - stage s, inst. k -> sim key `j<i>/<s>/<k>`       | engine task `<s>-<k>` (key `j<i>/<s>-<k>`),
 *     one plain engine task per instance, needing every instance of the parent stages, declared
 *     stage by stage, instance by instance: so the engine assigns `seq` in the sim's order
 *     (roots in stage order at arrival; on a completion, the released stages in stage order);
 *   - stage estimate   -> `estimate:` (the same ms: policies read the same numbers), priority and
 *     deadline from the job; resources from the stage;
 *   - the cluster      -> one sim worker `local` with `{...capacity, slots: concurrency}`, the
 *     engine's `capacity` + `concurrency` (the engine adds `slots: 1` to each attempt, so the sim
 *     stages carry `slots: 1` too);
 *   - time             -> the engine gets a Clock in simulated ms ((real ms since t0) x 1000 /
 *     msPerSimSecond), so readyAt, deadlines and estimates are in the same unit as the sim's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SeededRng, type Clock, type Rng } from '../../src/core/clock.js';
import type { Resources } from '../../src/core/resources.js';
import { parseWorkflow } from '../../src/core/spec/parse.js';
import type { WorkflowSpec } from '../../src/core/model.js';
import { Engine } from '../../src/engine/engine.js';
import { localExecutors } from '../../src/cli/runtime.js';
import type { FnHandler } from '../../src/exec/types.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import type { SchedulerConfig } from '../../src/sched/types.js';
import { Simulator } from '../../src/sim/simulator.js';
import { cpuOf, type JobSpec } from '../../src/sim/workload.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** The single local worker both drivers schedule onto. */
export interface Cluster {
  /** Capacity without `slots` (e.g. `{ cpu: 4, memory: 8 GiB }`). */
  readonly capacity: Resources;
  /** The engine's `concurrency`: the worker's `slots`. */
  readonly concurrency: number;
}

/** One scheduling round that placed something: its time (simulated ms) and the keys placed, in order. */
export interface Round {
  readonly at: number;
  readonly keys: readonly string[];
  /** Tasks still waiting after the round (contention). */
  readonly waiting: number;
}

export interface DriverRun {
  readonly rounds: readonly Round[];
  /** Every task start, in order (the rounds flattened). */
  readonly order: readonly string[];
}

export interface EngineRun extends DriverRun {
  /**
   * Longest event-loop stall (real ms) seen from the first scheduling round to the end: how late
   * a timer (a task's end) or a tick (its dispatch) could have been. Process descheduling on an
   * overloaded machine shows here too.
   */
  readonly maxLagMs: number;
}

/** Wraps `schedule` of the scheduler a driver uses; `canon` maps its task keys to `j<i>/<stage>/<k>`. */
function recordRounds(s: Scheduler, canon: (key: string) => string, rounds: Round[], onFirst?: () => void): void {
  const schedule = s.schedule.bind(s);
  s.schedule = (now) => {
    if (rounds.length === 0) onFirst?.();
    const r = schedule(now);
    if (r.placements.length > 0) rounds.push({ at: now, keys: r.placements.map((p) => canon(p.task.key)), waiting: s.queuedCount });
    return r;
  };
}

function flatten(rounds: readonly Round[]): string[] {
  return rounds.flatMap((r) => r.keys);
}

/** The sim's stage demand: the engine adds `slots: 1` to every attempt, so the sim does too. */
function withSlot(jobs: readonly JobSpec[]): JobSpec[] {
  return jobs.map((j) => ({ ...j, stages: j.stages.map((s) => ({ ...s, resources: { ...s.resources, slots: 1 } })) }));
}

export interface SimOptions {
  /**
   * Show policies `job.remainingWorkMs` computed otherwise than the sim's JobInfo contract (the
   * cpu-weighted work of every unfinished instance of the job, from its arrival):
   *   - `unweighted`: estimates not multiplied by cpu (the engine until c653b63);
   *   - `released`: cpu-weighted, but only of stages already released — the engine's view when
   *     each stage was one `foreach` task whose work was counted only once the group expanded
   *     (until the engine counted unexpanded groups' expected instances, src/engine/job-facts.ts).
   * Only critical-path's tie-break (and weighted-fair) read it. Lets a test tell such a
   * divergence apart from any other.
   */
  readonly remainingWork?: 'unweighted' | 'released';
  /**
   * Timing noise: each instance runs its estimate plus a uniform delay in [0, jitterMs) drawn
   * from `seed` (policies still see the estimate). Like the engine's per-dispatch latency, the
   * delays accumulate along dependency chains.
   */
  readonly jitterMs?: number;
  readonly seed?: number;
}

/** Jittered copies of the stages: estimate + U[0, jitterMs) per instance. */
function jittered(jobs: readonly JobSpec[], jitterMs: number): JobSpec[] {
  return jobs.map((j) => ({
    ...j,
    stages: j.stages.map((s) => ({ ...s, sampler: { sample: (_i: number, _n: number, rng: Rng) => s.estimateMs + rng.next() * jitterMs } })),
  }));
}

export function runSim(jobs: readonly JobSpec[], cluster: Cluster, config: SchedulerConfig, opts: SimOptions = {}): DriverRun {
  const scheduler = new Scheduler(config, { rng: new SeededRng(1) });
  const rounds: Round[] = [];
  recordRounds(scheduler, (k) => k, rounds);
  if (opts.remainingWork) emulateRemainingWork(scheduler, jobs, opts.remainingWork);
  const sim = new Simulator({
    scheduler,
    workers: [{ id: 'local', pool: 'default', capacity: { ...cluster.capacity, slots: cluster.concurrency }, speed: 1, labels: {} }],
    jobs: withSlot(opts.jitterMs ? jittered(jobs, opts.jitterMs) : jobs).map((spec) => ({ spec, arrivalMs: 0, namespace: spec.namespace })),
    seed: opts.seed ?? 1,
  });
  const res = sim.run();
  const unfinished = res.jobs.filter((j) => !j.finished);
  if (unfinished.length > 0) throw new Error(`sim: jobs did not finish: ${unfinished.map((j) => `${j.info.id} ${j.failed ?? ''}`).join(', ')}`);
  return { rounds, order: flatten(rounds) };
}

/**
 * Makes every enqueue see `job.remainingWorkMs` as `mode` defines it: tracked here from
 * `enqueue` (a stage's first instance releases the stage) and `release` (an attempt ended: called
 * before its children are released, as the engine subtracts before deciding children), swapped in
 * for the duration of `enqueue` only.
 */
function emulateRemainingWork(s: Scheduler, jobs: readonly JobSpec[], mode: 'unweighted' | 'released'): void {
  const left = new Map<string, number>();
  const work = new Map<string, number>(); // per instance key
  const stageWork = new Map<string, number>(); // per `j<i>/<stage>`, until released
  jobs.forEach((j, i) => {
    let w = 0;
    for (const st of j.stages) {
      const one = st.estimateMs * (mode === 'unweighted' ? 1 : cpuOf(st.resources));
      w += st.numTasks * one;
      stageWork.set(`j${i}/${st.id}`, st.numTasks * one);
      for (let k = 0; k < st.numTasks; k++) work.set(`j${i}/${st.id}/${k}`, one);
    }
    left.set(`j${i}`, mode === 'unweighted' ? w : 0);
  });
  const enqueue = s.enqueue.bind(s);
  const release = s.release.bind(s);
  s.enqueue = (t) => {
    const job = t.job.id;
    const stage = t.key.slice(0, t.key.lastIndexOf('/'));
    if (mode === 'released' && stageWork.has(stage)) {
      left.set(job, left.get(job)! + stageWork.get(stage)!);
      stageWork.delete(stage);
    }
    const saved = t.job.remainingWorkMs;
    t.job.remainingWorkMs = left.get(job)!;
    try {
      enqueue(t);
    } finally {
      t.job.remainingWorkMs = saved;
    }
  };
  s.release = (key) => {
    const job = key.slice(0, key.indexOf('/'));
    left.set(job, left.get(job)! - work.get(key)!);
    release(key);
  };
}

/** Engine task id of instance `k` of stage `s`. */
export function engineTaskId(stageId: string, k: number): string {
  return `${stageId}-${k}`;
}

/** `j0/s1-2` (one task per instance) or `j0/s1[2]` (foreach instance) -> `j0/s1/2` (sim). */
function canonEngineKey(key: string): string {
  const m = /^(j\d+)\/(.+)(?:-(\d+)|\[(\d+)\])$/.exec(key);
  if (!m) throw new Error(`unexpected engine task key ${key}`);
  return `${m[1]}/${m[2]}/${m[3] ?? m[4]}`;
}

function yamlResources(r: Resources): string {
  const parts = Object.entries(r).map(([k, v]) => (k === 'memory' ? `memory: ${v / 2 ** 20}Mi` : `${k}: ${v}`));
  return `{${parts.join(', ')}}`;
}

/**
 * How a stage becomes engine tasks: `tasks` = one plain task per instance, needing every instance
 * of the parent stages; `foreach` = one task with `foreach` over [0 .. numTasks-1], needing the
 * parent stages' groups (instances are created and queued in item order when the group is decided).
 */
export type FanOut = 'tasks' | 'foreach';

/**
 * The engine's workflow for one sim job, written as YAML and compiled by the real spec parser:
 * `fn: sleep` tasks, `args.simMs` the duration.
 */
export function workflowYaml(job: JobSpec, fanOut: FanOut = 'tasks'): string {
  const lines = [`name: ${job.name}`, `namespace: ${job.namespace}`, `priority: ${job.priority}`];
  if (job.relativeDeadlineMs !== null) lines.push(`deadline: ${job.relativeDeadlineMs}ms`);
  lines.push('tasks:');
  for (const s of job.stages) {
    if (s.sampler !== undefined) throw new Error('equivalence: sampled durations are not mirrored in the engine');
    const needs = s.parents.flatMap((p) => {
      const ps = job.stages[p]!;
      return Array.from({ length: ps.numTasks }, (_, k) => engineTaskId(ps.id, k));
    });
    if (fanOut === 'foreach') {
      lines.push(`  ${s.id}:`);
      if (s.parents.length > 0) lines.push(`    needs: [${s.parents.map((p) => job.stages[p]!.id).join(', ')}]`);
      lines.push(`    foreach: "[${Array.from({ length: s.numTasks }, (_, k) => k).join(', ')}]"`);
      lines.push('    fn: sleep', `    args: {simMs: ${s.estimateMs}}`, `    estimate: ${s.estimateMs}ms`);
      lines.push(`    resources: ${yamlResources(s.resources)}`, '    outputs: none');
      continue;
    }
    for (let k = 0; k < s.numTasks; k++) {
      lines.push(`  ${engineTaskId(s.id, k)}:`);
      if (needs.length > 0) lines.push(`    needs: [${needs.join(', ')}]`);
      lines.push('    fn: sleep', `    args: {simMs: ${s.estimateMs}}`, `    estimate: ${s.estimateMs}ms`);
      lines.push(`    resources: ${yamlResources(s.resources)}`, '    outputs: none');
    }
  }
  return lines.join('\n') + '\n';
}

export function compileWorkflow(job: JobSpec, fanOut: FanOut = 'tasks'): WorkflowSpec {
  const r = parseWorkflow(workflowYaml(job, fanOut));
  if (!r.ok) throw new Error(`${job.name}: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return r.spec;
}

/**
 * A Clock in simulated ms: 0 until `start()` (so every run submitted before it starts at 0, as
 * the sim's arrivals do, and run deadlines are exactly the sim's), then real time scaled up.
 */
function scaledClock(msPerSimSecond: number): Clock & { start(): void } {
  let t0 = -1;
  return {
    start: () => void (t0 = performance.now()),
    now: () => (t0 < 0 ? 0 : Math.floor(((performance.now() - t0) * 1000) / msPerSimSecond)),
  };
}

export async function runEngine(jobs: readonly JobSpec[], cluster: Cluster, config: SchedulerConfig, msPerSimSecond: number, fanOut: FanOut = 'tasks'): Promise<EngineRun> {
  const specs = jobs.map((j) => compileWorkflow(j, fanOut));
  const sleep: FnHandler = (ctx) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ((ctx.args as { simMs: number }).simMs * msPerSimSecond) / 1000);
      ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))), { once: true });
    });
  const dir = mkdtempSync(join(tmpdir(), 'kairos-equiv-'));
  const store = new SqliteStore(join(dir, 'kairos.db'));
  const clock = scaledClock(msPerSimSecond);
  const engine = new Engine({
    store, stateDir: dir, executors: localExecutors(new Map([['sleep', sleep]])), scheduler: config,
    capacity: cluster.capacity, concurrency: cluster.concurrency, clock, rng: new SeededRng(7), killGraceMs: 200,
  });
  const rounds: Round[] = [];
  // Lag is watched from the first round: before it, every run waits at t = 0 alike.
  const lag = monitorEventLoopDelay({ resolution: 2 });
  recordRounds(engine.scheduler, canonEngineKey, rounds, () => lag.enable());
  const errors: unknown[] = [];
  engine.on('error', (e) => errors.push(e));
  try {
    // Every job at time 0: submit() posts to the engine's inbox synchronously, so all of them are
    // decided in the first tick, before its one scheduling round (as the sim's arrivals at 0).
    const submitted = specs.map((s, i) => engine.submit(s, {}, { runId: `j${i}` }));
    clock.start();
    const rows = await Promise.all(submitted);
    const finals = await Promise.all(rows.map((r) => engine.wait(r.id)));
    if (errors.length > 0) throw errors[0];
    const bad = finals.filter((f) => f.state !== 'succeeded');
    if (bad.length > 0) throw new Error(`engine: runs did not succeed: ${bad.map((f) => `${f.id} ${f.state} ${f.error ?? ''}`).join(', ')}`);
    lag.disable();
    return { rounds, order: flatten(rounds), maxLagMs: lag.max / 1e6 };
  } finally {
    lag.disable();
    await engine.close({ kill: true });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The race-freedom precondition: the sim's start order for `config` is the same in `trials` runs
 * whose every task is delayed by up to `jitterMs` (accumulating along chains, as the engine's
 * dispatch latency does). Returns null when it holds, else a description of the first change.
 */
export function orderSensitivity(jobs: readonly JobSpec[], cluster: Cluster, config: SchedulerConfig, jitterMs: number, trials: number): string | null {
  const base = runSim(jobs, cluster, config).order;
  for (let seed = 1; seed <= trials; seed++) {
    const o = runSim(jobs, cluster, config, { jitterMs, seed }).order;
    const i = o.findIndex((k, n) => k !== base[n]);
    if (i >= 0) return `with up to ${jitterMs} ms of jitter (seed ${seed}) start #${i} becomes ${o[i]} instead of ${base[i]}`;
  }
  return null;
}

/** A side-by-side listing of two runs' rounds, for assertion messages. */
export function describeRounds(sim: DriverRun, engine: DriverRun): string {
  const n = Math.max(sim.rounds.length, engine.rounds.length);
  const out: string[] = ['round | sim t (ms): keys | engine t (sim ms): keys'];
  for (let i = 0; i < n; i++) {
    const s = sim.rounds[i];
    const e = engine.rounds[i];
    const mark = s && e && s.keys.join() === e.keys.join() ? ' ' : '*';
    out.push(`${mark}${i} | ${s ? `${s.at}: ${s.keys.join(' ')}` : '-'} | ${e ? `${e.at}: ${e.keys.join(' ')}` : '-'}`);
  }
  return out.join('\n');
}
