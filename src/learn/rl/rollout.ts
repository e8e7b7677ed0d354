/**
 * One training episode: the real Scheduler with the bare learned policy, driven by the simulator
 * on one seeded experiment, recording every decision with >= 2 candidates (features, the choice,
 * the teacher's choice, the time) and each job's arrival, finish and deadline — all the reward
 * needs. Runs in the rollout workers and in the main thread alike (plain data in and out).
 */
import { SeededRng } from '../../core/clock.js';
import { Scheduler } from '../../sched/scheduler.js';
import { compileExperiment, runExperiment } from '../../sim/experiment.js';
import { curriculum } from './curriculum.js';
import { FEATURE_COUNT } from './features.js';
import type { DecisionSink } from './learned-policy.js';
import './register.js';
import { Mlp } from './mlp.js';

export interface EpisodeRequest {
  readonly workload: string;
  readonly seed: number;
  readonly layers: readonly number[];
  readonly params: Float64Array;
  /** Residual models: the fixed prior over the features (mlp.ts), else absent/null. */
  readonly prior?: ArrayLike<number> | null;
  /** teacher: act as the heuristic (imitation data); sample: softmax (policy gradient); argmax: serve. */
  readonly mode: 'teacher' | 'sample' | 'argmax';
  /** Seed of the policy's sampling stream (differs between rollouts of one experiment). */
  readonly rolloutSeed: number;
  readonly record: boolean;
  readonly temperature?: number;
  /** Recorded decisions beyond this are dropped (memory bound). */
  readonly maxDecisions?: number;
}

export interface Episode {
  readonly workload: string;
  readonly seed: number;
  /** Decisions: candidate rows of decision k are rows[start[k] .. start[k+1]) of x. */
  readonly x: Float32Array;
  readonly start: Int32Array;
  readonly chosen: Int32Array;
  readonly teacher: Int32Array;
  readonly time: Float64Array;
  readonly decisions: number;
  /** Per job: arrival, finish (end of run if unfinished), deadline (NaN when none). */
  readonly arrival: Float64Array;
  readonly finish: Float64Array;
  readonly deadline: Float64Array;
  readonly endMs: number;
  readonly avgJctMs: number;
  readonly p99JctMs: number;
  readonly deadlineMissRate: number;
  readonly lowerBoundAvgJctMs: number;
}

class Recorder implements DecisionSink {
  x = new Float32Array(1 << 16);
  rows = 0;
  start: number[] = [0];
  chosen: number[] = [];
  teacher: number[] = [];
  time: number[] = [];
  constructor(readonly max: number) {}

  record(x: Float64Array, rows: number, chosen: number, teacher: number, now: number): void {
    if (this.chosen.length >= this.max) return;
    const need = (this.rows + rows) * FEATURE_COUNT;
    if (need > this.x.length) {
      const bigger = new Float32Array(Math.max(need, this.x.length * 2));
      bigger.set(this.x.subarray(0, this.rows * FEATURE_COUNT));
      this.x = bigger;
    }
    this.x.set(x.subarray(0, rows * FEATURE_COUNT), this.rows * FEATURE_COUNT);
    this.rows += rows;
    this.start.push(this.rows);
    this.chosen.push(chosen);
    this.teacher.push(teacher);
    this.time.push(now);
  }
}

export function runEpisode(req: EpisodeRequest): Episode {
  const entry = curriculum([req.workload])[0]!;
  const exp = compileExperiment({ ...entry.experiment(req.seed), seed: req.seed });
  const scorer = new Mlp(req.layers, req.params, req.prior ?? null);
  const rec = req.record ? new Recorder(req.maxDecisions ?? 50_000) : null;
  const rng = new SeededRng(req.rolloutSeed);
  const { metrics, result } = runExperiment(
    exp,
    { policy: 'fifo' },
    {
      // The registered 'learned' policy without its guards, in the real Scheduler.
      makeScheduler: () =>
        new Scheduler(
          { policy: 'learned', settings: { guard: false, model: scorer, mode: req.mode === 'sample' ? 'sample' : 'argmax', actAsTeacher: req.mode === 'teacher', temperature: req.temperature ?? 1, ...(rec ? { sink: rec } : {}) } },
          { rng },
        ),
    },
  );
  const jobs = result.jobs;
  const arrival = new Float64Array(jobs.length);
  const finish = new Float64Array(jobs.length);
  const deadline = new Float64Array(jobs.length);
  jobs.forEach((j, i) => {
    arrival[i] = j.arrivalMs;
    finish[i] = j.finishedAt >= 0 ? j.finishedAt : result.endMs;
    deadline[i] = j.info.deadline ?? Number.NaN;
  });
  return {
    workload: req.workload,
    seed: req.seed,
    x: rec ? rec.x.slice(0, rec.rows * FEATURE_COUNT) : new Float32Array(0),
    start: Int32Array.from(rec ? rec.start : [0]),
    chosen: Int32Array.from(rec ? rec.chosen : []),
    teacher: Int32Array.from(rec ? rec.teacher : []),
    time: Float64Array.from(rec ? rec.time : []),
    decisions: rec ? rec.chosen.length : 0,
    arrival,
    finish,
    deadline,
    endMs: result.endMs,
    avgJctMs: metrics.avgJctMs,
    p99JctMs: metrics.p99JctMs,
    deadlineMissRate: metrics.deadlineMissRate,
    lowerBoundAvgJctMs: metrics.lowerBoundAvgJctMs,
  };
}
