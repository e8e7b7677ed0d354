/**
 * The `learned` policy (issue 4): every decision scores all candidates — groups of identical
 * ready tasks (candidates.ts) — with one batched forward pass of a small network shared across
 * candidates (the Decima design), and takes the argmax (serving) or samples the softmax of the
 * scores with the driver's seeded Rng (training). Pure like every policy: no clock, no random
 * except the injected Rng; the guards (guard.ts) and model loading (model-file.ts) are separate.
 *
 * Decisions re-score every candidate: a placement changes the job's parallelism, the free
 * capacity and the group's size, i.e. features of all rows. With groups the row count is the
 * number of distinct ready stages (tens on TPC-H), and a 22 -> 16 -> 8 -> 1 network scores 1,000
 * rows in ~0.3 ms (docs/learned-policy.md), so caching was not worth its invalidation rules.
 *
 * Fault reporting: non-finite scores are never acted on; `onFault` is told and `next` returns
 * undefined for the round (the guard then switches to its fallback).
 */
import type { Rng } from '../../core/clock.js';
import type { Policy, PolicyContext } from '../../sched/policy.js';
import type { SchedTask } from '../../sched/types.js';
import { Candidates, type Group } from './candidates.js';
import { cpuOfTask, FEATURE_COUNT, remainingLog, writeFeatures, type CandidateView, type DecisionContext } from './features.js';
import type { Scorer } from './scorer.js';
import { teacherIndex } from './teacher.js';

/** Receives every decision with >= 2 candidates (training rollouts). */
export interface DecisionSink {
  record(x: Float64Array, rows: number, chosen: number, teacher: number, now: number): void;
}

export interface LearnedOptions {
  readonly scorer: Scorer;
  /** argmax (default) or sample from softmax(scores / temperature). */
  readonly mode?: 'argmax' | 'sample';
  readonly temperature?: number;
  readonly rng?: Rng;
  readonly sink?: DecisionSink;
  /** Act as the teacher heuristic does (imitation data collection); scores still recorded. */
  readonly actAsTeacher?: boolean;
  readonly onFault?: (kind: 'non-finite', detail: string) => void;
}

interface View extends CandidateView {
  head: SchedTask;
  count: number;
  jobGroups: number;
  jobRunning: number;
  jobMaxBottomMs: number;
  workAheadMs: number;
  group: Group;
}

/** Per-job aggregate of one decision (reused objects: no allocation per decision in steady state). */
interface JobAgg {
  rem: number;
  maxBottom: number;
  ahead: number;
  stamp: number;
}

export class LearnedPolicy implements Policy {
  readonly name = 'learned';
  readonly #o: LearnedOptions;
  readonly #ctx: PolicyContext;
  readonly #c = new Candidates();
  readonly #running = new Map<string, number>();
  #usedCpu = 0;
  #round = 0;
  #now = 0;
  #blocked = false;
  #faulted = false;
  #offered: Group | null = null;
  #views: View[] = [];
  #x = new Float64Array(0);
  #scores = new Float64Array(0);
  #probs = new Float64Array(0);
  readonly #jobs = new Map<string, JobAgg>();
  #jobList: JobAgg[] = [];
  #stamp = 0;
  /** Decisions scored (for stats). */
  decisions = 0;

  constructor(o: LearnedOptions, ctx: PolicyContext) {
    if (o.scorer.inputs !== FEATURE_COUNT) throw new TypeError(`learned policy: the model takes ${o.scorer.inputs} features, this version computes ${FEATURE_COUNT}`);
    if (o.mode === 'sample' && !o.rng) throw new TypeError('learned policy: mode sample needs the driver\'s Rng');
    this.#o = o;
    this.#ctx = ctx;
  }

  get size(): number {
    return this.#c.size;
  }

  queueOf(): string {
    return 'all';
  }

  enqueue(t: SchedTask): void {
    this.#c.add(t);
  }

  remove(key: string): void {
    this.#c.remove(key);
  }

  beginRound(now: number): void {
    this.#round++;
    this.#now = now;
    this.#blocked = false;
    this.#faulted = false;
    this.#offered = null;
  }

  next(): SchedTask | undefined {
    if (this.#offered !== null) this.#offered.skipRound = this.#round; // offered, not placed: did not fit
    this.#offered = null;
    if (this.#blocked || this.#faulted) return undefined;
    const n = this.#collect();
    if (n === 0) return undefined;
    const i = n === 1 ? 0 : this.#decide(n);
    if (i < 0) return undefined;
    const g = this.#views[i]!.group;
    this.#offered = g;
    return this.#c.headOf(g);
  }

  placed(t: SchedTask): void {
    this.#offered = null;
    this.#c.remove(t.key);
  }

  blockQueue(): void {
    this.#blocked = true;
  }

  endRound(): void {
    this.#offered = null;
  }

  heads(): SchedTask[] {
    const n = this.#collect();
    if (n === 0) return [];
    const i = n === 1 ? 0 : this.#argmax(n);
    return i < 0 ? [] : [this.#views[i]!.head];
  }

  allocated(t: SchedTask, sign: 1 | -1): void {
    const id = t.job.id;
    const n = (this.#running.get(id) ?? 0) + sign;
    if (n > 0) this.#running.set(id, n);
    else this.#running.delete(id);
    this.#usedCpu += sign * cpuOfTask(t);
  }

  /** Candidates of this round into #views; returns their count. */
  #collect(): number {
    const groups = this.#c.groups;
    const views = this.#views;
    let n = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      if (g.skipRound === this.#round) continue;
      let v = views[n];
      if (v === undefined) views.push((v = { head: null!, count: 0, jobGroups: 0, jobRunning: 0, jobMaxBottomMs: 0, workAheadMs: 0, group: g }));
      v.group = g;
      v.head = this.#c.headOf(g);
      v.count = this.#c.countOf(g);
      v.jobGroups = this.#c.jobGroups.get(g.jobId) ?? 1;
      v.jobRunning = this.#running.get(g.jobId) ?? 0;
      n++;
    }
    return n;
  }

  /** Features and scores of the first n views; false on non-finite scores (fault reported). */
  #score(n: number): boolean {
    const F = FEATURE_COUNT;
    if (this.#x.length < n * F) {
      this.#x = new Float64Array(n * F * 2);
      this.#scores = new Float64Array(n * 2);
      this.#probs = new Float64Array(n * 2);
    }
    const views = this.#views;
    let minRem = Number.POSITIVE_INFINITY;
    let maxBottom = 0;
    let jobs = 0;
    for (let i = 0; i < n; i++) {
      const h = views[i]!.head;
      const r = remainingLog(h);
      if (r < minRem) minRem = r;
      if (h.bottomLevelMs > maxBottom) maxBottom = h.bottomLevelMs;
    }
    jobs = this.#c.jobGroups.size;
    this.#jobAggregates(n);
    const total = this.#ctx.totalCapacity()['cpu'] ?? 0;
    const d: DecisionContext = {
      now: this.#now,
      totalCpu: total,
      freeCpu: total - this.#usedCpu,
      waitingTasks: this.#c.size,
      waitingJobs: jobs,
      unknownEstimateMs: this.#ctx.unknownEstimateMs,
      minRemainingLog: minRem,
      maxBottomMs: maxBottom,
    };
    for (let i = 0; i < n; i++) writeFeatures(views[i]!, d, this.#x, i * F);
    this.#o.scorer.score(this.#x, n, this.#scores);
    this.decisions++;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(this.#scores[i]!)) {
        this.#faulted = true;
        this.#o.onFault?.('non-finite', `score ${this.#scores[i]} for candidate ${views[i]!.head.key}`);
        return false;
      }
    }
    return true;
  }

  /**
   * Per job among the n candidates: the longest bottom level (its current critical path) and the
   * remaining work of the jobs strictly smaller than it (where SRPT would queue it), written into
   * the views. Sorting the jobs costs O(J log J) per decision, J = jobs with candidates.
   */
  #jobAggregates(n: number): void {
    const views = this.#views;
    const stamp = ++this.#stamp;
    const list = this.#jobList;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const h = views[i]!.head;
      let a = this.#jobs.get(h.job.id);
      if (a === undefined) this.#jobs.set(h.job.id, (a = { rem: 0, maxBottom: 0, ahead: 0, stamp: 0 }));
      if (a.stamp !== stamp) {
        a.stamp = stamp;
        a.rem = Math.max(0, h.job.remainingWorkMs);
        a.maxBottom = 0;
        list[m++] = a;
      }
      if (h.bottomLevelMs > a.maxBottom) a.maxBottom = h.bottomLevelMs;
    }
    list.length = m;
    list.sort((p, q) => p.rem - q.rem);
    let acc = 0;
    for (let k = 0; k < m; ) {
      let e = k;
      let sum = 0;
      while (e < m && list[e]!.rem === list[k]!.rem) (list[e]!.ahead = acc), (sum += list[e]!.rem), e++;
      acc += sum;
      k = e;
    }
    for (let i = 0; i < n; i++) {
      const v = views[i]!;
      const a = this.#jobs.get(v.head.job.id)!;
      v.jobMaxBottomMs = a.maxBottom;
      v.workAheadMs = a.ahead;
    }
    if (this.#jobs.size > 4 * m + 1024) for (const [id, a] of this.#jobs) if (a.stamp !== stamp) this.#jobs.delete(id); // forget finished jobs
  }

  #argmax(n: number): number {
    if (!this.#score(n)) return -1;
    return this.#best(n);
  }

  /** Highest score; ties to the oldest head task (seq), so group order never matters. */
  #best(n: number): number {
    const s = this.#scores;
    let b = 0;
    for (let i = 1; i < n; i++) {
      if (s[i]! > s[b]! || (s[i] === s[b] && this.#views[i]!.head.seq < this.#views[b]!.head.seq)) b = i;
    }
    return b;
  }

  #decide(n: number): number {
    if (!this.#score(n)) return -1;
    const o = this.#o;
    let chosen: number;
    if (o.actAsTeacher) chosen = teacherIndex(this.#views, n, this.#now);
    else if (o.mode === 'sample') chosen = this.#sample(n);
    else chosen = this.#best(n);
    if (o.sink) o.sink.record(this.#x, n, chosen, o.actAsTeacher ? chosen : teacherIndex(this.#views, n, this.#now), this.#now);
    return chosen;
  }

  #sample(n: number): number {
    const s = this.#scores;
    const p = this.#probs;
    const temp = this.#o.temperature ?? 1;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) if (s[i]! > max) max = s[i]!;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += p[i] = Math.exp((s[i]! - max) / temp);
    let u = this.#o.rng!.next() * sum;
    for (let i = 0; i < n; i++) {
      u -= p[i]!;
      if (u < 0) return i;
    }
    return n - 1;
  }
}
