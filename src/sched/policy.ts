/**
 * The extension points of the scheduling framework (after kube-scheduler's QueueSort / Score
 * plugins). A policy owns the order of waiting tasks and may choose among feasible placements;
 * the framework owns everything else (fit, quotas, admission, timeouts, reasons), so every
 * policy gets those alike in the simulator and the engine.
 *
 * Round protocol, driven by the framework once per `schedule(now)`:
 *   beginRound(now) -> repeat { next() -> placed(task, worker) | (nothing: it stays) }
 *   -> endRound().  `blockQueue(q)` (strict admission) stops offering tasks of queue q for the
 *   rest of the round. `allocated(task, +1|-1)` reports every placement and release (and is
 *   replayed for all placed tasks when the policy is switched at run time).
 */
import type { Rng } from '../core/clock.js';
import type { Resources } from '../core/resources.js';
import type { WaitReason } from '../core/wait-reason.js';
import type { SchedTask, WorkerInfo } from './types.js';

/** What a policy may read about the cluster (never mutate). */
export interface PolicyContext {
  /** Sum of the capacities of all workers: the denominators of dominant shares. */
  totalCapacity(): Resources;
  /** Workers matching the task's pool and selector whose capacity could ever hold it. */
  eligibleWorkers(task: SchedTask): readonly WorkerInfo[];
  /** Earliest time (ms) `demand` fits on the worker, from placed tasks' estimated ends. */
  availableAt(workerId: string, demand: Resources, now: number): number;
  /** Runtime assumed for a task with an unknown estimate (ms). */
  readonly unknownEstimateMs: number;
  /** The driver's seeded randomness, for policies that sample (none of the built-in ones do). */
  readonly rng?: Rng;
}

/** A worker where the task fits now. */
export interface PlacementOption {
  readonly worker: WorkerInfo;
  readonly free: Resources;
}

/** The policy's placement choice: an index into the options, or hold the task this round. */
export type PlacementChoice = { readonly index: number } | { readonly hold: string };

export interface Policy {
  readonly name: string;
  /** Waiting tasks held by the policy. */
  readonly size: number;
  /** The queue a task belongs to, for strict admission ("the head of each queue blocks"). */
  queueOf(task: SchedTask): string;
  enqueue(task: SchedTask): void;
  remove(key: string): void;
  beginRound(now: number): void;
  next(): SchedTask | undefined;
  placed(task: SchedTask, workerId: string): void;
  blockQueue(queue: string): void;
  endRound(): void;
  /** The current head of every non-empty queue (between rounds). */
  heads(): SchedTask[];
  allocated(task: SchedTask, sign: 1 | -1): void;
  /** Optional Score point; default is the framework's best fit. */
  choosePlacement?(task: SchedTask, options: readonly PlacementOption[], now: number): PlacementChoice;
  /** Why a task not reached in the last round waits, when the policy has a specific reason (share). */
  explain?(task: SchedTask): WaitReason | null;
}

export type PolicyFactory = (settings: Readonly<Record<string, unknown>>, ctx: PolicyContext) => Policy;

/** Reads a numeric setting with its documented default; rejects wrong types loudly at configure time. */
export function numberSetting(settings: Readonly<Record<string, unknown>>, name: string, dflt: number): number {
  const v = settings[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`scheduler setting '${name}' must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}
