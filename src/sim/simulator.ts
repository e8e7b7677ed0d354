/**
 * The discrete-event simulator: the second driver of the one scheduler (DESIGN.md, "The one
 * idea"). It owns virtual time, workers and jobs; every decision comes from the SchedulerApi it is
 * given, exactly as in the live engine. There is no policy code here.
 *
 * Loop (one tick per distinct event time):
 *   1. pop every event at time `now` and apply it (arrivals release root stages; completions
 *      release resources and child stages; failures and lease expiries re-enqueue attempts);
 *   2. call `scheduler.schedule(now)` once;
 *   3. start its placements (end event at now + trueMs / worker.speed) and cancel its `expired`.
 * Zero-length tasks end at `now` and are applied in the next tick at the same instant.
 *
 * Fencing: each attempt is its own SimTask object; an attempt that failed, was lost or cancelled
 * is marked Dead and its late end event is ignored, so a task completes exactly once
 * (SimJob.complete throws otherwise).
 *
 * Worker crash: the worker stops at once, but the scheduler learns it only when the lease
 * expires `leaseMs` later (it may even place tasks there meanwhile, as the engine would); then
 * the worker is removed, its attempts are released and re-enqueued (lost attempts do not count
 * against retries), and it rejoins after `repairMs`.
 */
import { ManualClock, SeededRng } from '../core/clock.js';
import type { SchedulerApi, WorkerInfo } from '../sched/types.js';
import { EventQueue, poppedEvent } from './event-queue.js';
import { AttemptOutcome, Recorder } from './recorder.js';
import { SimJob, TaskState, type SimTask } from './sim-job.js';
import { cpuOf, type JobSpec } from './workload.js';

const ARRIVAL = 0;
const TASK_END = 1;
const TASK_FAIL = 2;
const CRASH = 3;
const LEASE_EXPIRY = 4;
const RECOVER = 5;
const WAKE = 6;

export interface FailureModel {
  /** Probability that an attempt fails (at a uniform point of its run). */
  readonly probability: number;
  /** Attempts per task before its job fails for good (default 4: 1 + 3 retries). */
  readonly maxAttempts: number;
}

export interface CrashModel {
  /** Mean time between crashes of one worker (ms of uptime, exponential). */
  readonly mtbfMs: number;
  /** Time until the scheduler notices (lease expiry) (ms). */
  readonly leaseMs: number;
  /** Time from crash until the worker rejoins (ms, >= leaseMs). */
  readonly repairMs: number;
}

export interface SimJobInput {
  readonly spec: JobSpec;
  readonly arrivalMs: number;
  readonly namespace: string;
}

export interface SimulatorConfig {
  readonly scheduler: SchedulerApi;
  readonly workers: readonly WorkerInfo[];
  readonly jobs: readonly SimJobInput[];
  readonly seed: number;
  readonly failures?: FailureModel;
  readonly crashes?: CrashModel;
  /** Keep the busy-cores step function (utilization chart). Default false. */
  readonly timeline?: boolean;
  /** Keep up to this many attempt intervals (Gantt chart). Default 0. */
  readonly attempts?: number;
}

export interface SimResult {
  readonly jobs: readonly SimJob[];
  readonly workers: readonly WorkerInfo[];
  readonly recorder: Recorder;
  readonly endMs: number;
  /** Events applied (arrivals, task ends and failures, crashes, lease expiries, recoveries, wakes). */
  readonly events: number;
  readonly rounds: number;
  readonly attemptsStarted: number;
  readonly attemptsFailed: number;
  readonly attemptsLost: number;
  /** Cores x ms spent on attempts (including failed and crashed work). */
  readonly busyCoreMs: number;
  readonly wallMs: number;
}

interface WorkerState {
  readonly info: WorkerInfo;
  up: boolean;
  readonly placed: Set<SimTask>;
}

export class Simulator {
  readonly clock = new ManualClock(0);
  readonly #cfg: SimulatorConfig;
  readonly #sched: SchedulerApi;
  readonly #q = new EventQueue<unknown>(4096);
  readonly #workers: WorkerState[];
  readonly #byId = new Map<string, number>();
  readonly #jobs: SimJob[];
  readonly #rec: Recorder;
  readonly #durSeed: number;
  readonly #failRng: SeededRng;
  readonly #crashRng: SeededRng;
  readonly #ready: SimTask[] = [];
  /**
   * Jobs by arrival (time, then index): arrivals stay out of the event heap, which then holds
   * only the ~50 running attempts' events instead of ~1,000 pending arrivals too (half the sift
   * depth). Same order as in the heap: every arrival was pushed before any other event, so at
   * equal times arrivals come first, in index order.
   */
  readonly #arrivals: SimJob[];
  #nextArrival = 0;
  #seq = 0;
  #unfinished: number;
  #events = 0;
  #rounds = 0;
  #started = 0;
  #failed = 0;
  #lost = 0;
  #busyCoreMs = 0;
  #ran = false;
  /** Keep each worker's placed attempts (needed only to find what a crash loses). */
  readonly #track: boolean;
  /**
   * The scheduler's fast paths (SchedulerApi.enqueueFresh / releaseHandle), when it has them:
   * every attempt the simulator enqueues has a key that is neither waiting nor placed (a retry
   * is enqueued after its failed attempt was released), and it releases each attempt once.
   * Used only when defined by the same object as `enqueue` / `release`: a scheduler whose
   * `enqueue` was replaced (a test wrapping it) gets its replacement called.
   */
  readonly #fresh: boolean;
  readonly #byHandle: boolean;
  readonly #nextSeq = (): number => this.#seq++;

  constructor(cfg: SimulatorConfig) {
    this.#cfg = cfg;
    this.#sched = cfg.scheduler;
    this.#track = cfg.crashes !== undefined;
    this.#fresh = fastPath(cfg.scheduler, 'enqueueFresh', 'enqueue');
    this.#byHandle = fastPath(cfg.scheduler, 'releaseHandle', 'release');
    const root = new SeededRng(cfg.seed);
    this.#durSeed = root.int(2 ** 32);
    this.#failRng = root.fork();
    this.#crashRng = root.fork();
    this.#workers = cfg.workers.map((info, i) => {
      if (this.#byId.has(info.id)) throw new Error(`duplicate worker id ${info.id}`);
      this.#byId.set(info.id, i);
      return { info, up: true, placed: new Set<SimTask>() };
    });
    this.#jobs = cfg.jobs.map((j, i) => new SimJob(i, j.spec, j.arrivalMs, j.namespace));
    this.#unfinished = this.#jobs.length;
    this.#arrivals = this.#jobs.slice().sort((a, b) => a.arrivalMs - b.arrivalMs || a.idx - b.idx);
    for (const j of this.#arrivals) if (!(j.arrivalMs >= 0) || j.arrivalMs === Infinity) throw new RangeError(`job ${j.idx}: bad arrival time ${j.arrivalMs}`);
    this.#rec = new Recorder({ timeline: cfg.timeline ?? false, attempts: cfg.attempts ?? 0 });
  }

  run(): SimResult {
    if (this.#ran) throw new Error('Simulator.run: a simulator runs once; make a new one');
    this.#ran = true;
    const wall0 = performance.now();
    const q = this.#q;
    for (const w of this.#workers) this.#sched.addWorker(w.info);
    if (this.#cfg.crashes !== undefined) for (const w of this.#workers) this.#scheduleCrash(w, 0);
    const ev = poppedEvent<unknown>();
    const arrivals = this.#arrivals;
    let idleWakes = 0;
    while (this.#unfinished > 0) {
      let arrivalAt = this.#nextArrival < arrivals.length ? arrivals[this.#nextArrival]!.arrivalMs : Infinity;
      if (q.size === 0 && arrivalAt === Infinity) {
        // Nothing will happen by itself: only a queue-head timeout can still change the state.
        const { admission, headRetries } = this.#sched.config;
        if (admission === undefined || admission === 'greedy' || this.#sched.queuedCount === 0) break;
        if (idleWakes > (headRetries ?? 0) + 1) break;
        q.push(this.clock.now() + (this.#sched.config.headTimeoutMs ?? 3_600_000), WAKE, undefined);
        idleWakes++;
      }
      const now = Math.min(q.peekTime(), arrivalAt);
      this.clock.set(now);
      while (arrivalAt === now) {
        this.#events++;
        this.#apply(ARRIVAL, arrivals[this.#nextArrival++], now);
        arrivalAt = this.#nextArrival < arrivals.length ? arrivals[this.#nextArrival]!.arrivalMs : Infinity;
      }
      while (q.peekTime() === now) {
        q.pop(ev);
        this.#events++;
        this.#apply(ev.kind, ev.ref, now);
      }
      const ready = this.#ready;
      if (ready.length > 0) {
        if (this.#fresh) for (let i = 0; i < ready.length; i++) this.#sched.enqueueFresh!(ready[i]!);
        else for (let i = 0; i < ready.length; i++) this.#sched.enqueue(ready[i]!);
        ready.length = 0;
      }
      // Nothing waits: a round could neither place nor expire anything (true in every admission mode).
      if (this.#sched.queuedCount === 0) continue;
      const round = this.#sched.schedule(now);
      this.#rounds++;
      if (round.placements.length > 0 || round.expired.length > 0) idleWakes = 0;
      const placed = round.placements;
      for (let i = 0; i < placed.length; i++) this.#start(placed[i]!.task as SimTask, placed[i]!.workerId, placed[i]!.handle, now);
      const expired = round.expired;
      for (let i = 0; i < expired.length; i++) this.#failJob((expired[i]!.task as SimTask).sj, `expired: ${expired[i]!.detail}`, now);
    }
    return {
      jobs: this.#jobs,
      workers: this.#cfg.workers,
      recorder: this.#rec,
      endMs: this.clock.now(),
      events: this.#events,
      rounds: this.#rounds,
      attemptsStarted: this.#started,
      attemptsFailed: this.#failed,
      attemptsLost: this.#lost,
      busyCoreMs: this.#busyCoreMs,
      wallMs: performance.now() - wall0,
    };
  }

  #apply(kind: number, ref: unknown, now: number): void {
    switch (kind) {
      case ARRIVAL: {
        const j = ref as SimJob;
        for (const s of j.st.roots) this.#release(j, s, now);
        return;
      }
      case TASK_END:
        return this.#end(ref as SimTask, now);
      case TASK_FAIL:
        return this.#fail(ref as SimTask, now);
      case CRASH:
        return this.#crash(ref as WorkerState, now);
      case LEASE_EXPIRY:
        return this.#expireLease(ref as WorkerState, now);
      case RECOVER: {
        const w = ref as WorkerState;
        w.up = true;
        this.#sched.addWorker(w.info);
        if (this.#unfinished > 0) this.#scheduleCrash(w, now);
        return;
      }
      case WAKE:
        return;
    }
  }

  #release(j: SimJob, stage: number, now: number): void {
    j.releaseStage(stage, now, this.#nextSeq, this.#durSeed, this.#workers.length, this.#ready);
  }

  #start(t: SimTask, workerId: string, handle: unknown, now: number): void {
    const wi = this.#byId.get(workerId);
    if (wi === undefined) throw new Error(`scheduler placed ${t.key} on unknown worker ${workerId}`);
    const w = this.#workers[wi]!;
    t.state = TaskState.Placed;
    t.workerIdx = wi;
    t.startedAt = now;
    t.handle = handle ?? null;
    t.sj.info.running++;
    if (this.#track) w.placed.add(t);
    this.#started++;
    this.#rec.wait(now - t.readyAt);
    if (!w.up) {
      t.state = TaskState.Stalled; // dispatched to a crashed worker: stalls until the lease expires
      return;
    }
    this.#rec.busy(now, cpuOf(t.resources));
    const runMs = t.trueMs / w.info.speed;
    const f = this.#cfg.failures;
    if (f !== undefined && f.probability > 0 && this.#failRng.next() < f.probability) {
      this.#q.push(now + runMs * this.#failRng.next(), TASK_FAIL, t);
    } else {
      this.#q.push(now + runMs, TASK_END, t);
    }
  }

  /** Common exit of a running attempt: frees its resources and its worker slot. */
  #stop(t: SimTask, now: number, outcome: AttemptOutcome, ranUntil: number): void {
    t.state = outcome === AttemptOutcome.Succeeded ? TaskState.Done : TaskState.Dead;
    t.sj.info.running--;
    if (this.#track) this.#workers[t.workerIdx]!.placed.delete(t);
    if (this.#byHandle && t.handle !== null) this.#sched.releaseHandle!(t.handle, t);
    else this.#sched.release(t.key);
    t.handle = null;
    const cpu = cpuOf(t.resources);
    if (ranUntil > t.startedAt || outcome === AttemptOutcome.Succeeded) {
      this.#busyCoreMs += cpu * (ranUntil - t.startedAt);
      if (this.#rec.attempts !== null) this.#rec.attempt({ worker: t.workerIdx, job: t.sj.idx, start: t.startedAt, end: ranUntil, outcome });
    }
    if (outcome !== AttemptOutcome.Lost) this.#rec.busy(now, -cpu);
  }

  #end(t: SimTask, now: number): void {
    if (t.state !== TaskState.Placed) return; // fenced: this attempt was lost or its job failed
    this.#stop(t, now, AttemptOutcome.Succeeded, now);
    const j = t.sj;
    if (j.failed !== null) return;
    const released = j.complete(t);
    // Indexed loops on the hot path: a for-of here allocated an iterator and a result per task
    // (13 MB per 300 jobs; `released` is usually the shared empty array).
    for (let i = 0; i < released.length; i++) this.#release(j, released[i]!, now);
    if (j.finished) {
      j.finishedAt = now;
      this.#unfinished--;
    }
  }

  #fail(t: SimTask, now: number): void {
    if (t.state !== TaskState.Placed) return;
    this.#stop(t, now, AttemptOutcome.Failed, now);
    this.#failed++;
    const j = t.sj;
    j.info.failedAttempts = (j.info.failedAttempts ?? 0) + 1;
    if (j.failed !== null) return;
    if (t.attempt + 1 < this.#cfg.failures!.maxAttempts) this.#ready.push(j.retry(t, now, this.#seq++, true));
    else this.#failJob(j, `task ${t.key} failed ${t.attempt + 1} times`, now);
  }

  /** Gives up on a job: its queued attempts are withdrawn; running ones finish and are ignored. */
  #failJob(j: SimJob, reason: string, now: number): void {
    if (j.failed !== null || j.finished) return;
    j.failed = reason;
    j.finishedAt = now;
    this.#unfinished--;
    let k = 0;
    for (const t of this.#ready) {
      if (t.sj === j) t.state = TaskState.Dead;
      else this.#ready[k++] = t;
    }
    this.#ready.length = k;
    for (let s = 0; s < j.spec.stages.length; s++) {
      if (!j.isReleased(s)) continue;
      const stage = j.spec.stages[s]!;
      for (let i = 0; i < stage.numTasks; i++) if (!j.isDone(s, i)) this.#sched.remove(`${j.info.id}/${stage.id}/${i}`);
    }
  }

  #scheduleCrash(w: WorkerState, now: number): void {
    this.#q.push(now + this.#crashRng.exponential(this.#cfg.crashes!.mtbfMs), CRASH, w);
  }

  #crash(w: WorkerState, now: number): void {
    if (this.#unfinished === 0) return;
    w.up = false;
    for (const t of w.placed) {
      // Work stops now: its end event is fenced from here, and it is released at lease expiry.
      t.state = TaskState.Stalled;
      if (t.startedAt < now) this.#busyCoreMs += cpuOf(t.resources) * (now - t.startedAt);
      this.#rec.attempt({ worker: t.workerIdx, job: t.sj.idx, start: t.startedAt, end: now, outcome: AttemptOutcome.Lost });
      this.#rec.busy(now, -cpuOf(t.resources));
    }
    const c = this.#cfg.crashes!;
    this.#q.push(now + c.leaseMs, LEASE_EXPIRY, w);
    this.#q.push(now + Math.max(c.repairMs, c.leaseMs), RECOVER, w);
  }

  #expireLease(w: WorkerState, now: number): void {
    const lost = [...w.placed];
    for (const t of lost) {
      // Their run until the crash was accounted in #crash; attempts placed after it never ran.
      t.startedAt = now;
      this.#stop(t, now, AttemptOutcome.Lost, now);
      this.#lost++;
      if (t.sj.failed === null) this.#ready.push(t.sj.retry(t, now, this.#seq++, false));
    }
    this.#sched.removeWorker(w.info.id);
  }
}

/** Whether `o[fast]` is a function defined by the same object (own or prototype) as `o[plain]`. */
function fastPath(o: object, fast: string, plain: string): boolean {
  if (typeof (o as Record<string, unknown>)[fast] !== 'function') return false;
  const owner = (k: string): object | null => {
    let p: object | null = o;
    while (p !== null && !Object.prototype.hasOwnProperty.call(p, k)) p = Object.getPrototypeOf(p) as object | null;
    return p;
  };
  return owner(fast) === owner(plain);
}
