/**
 * The Scheduler's one record per task, from enqueue to release: the waiting entry (Examined: the
 * last round's verdict), the policy's queue entry with built-in policies (QueueEntry, see
 * entry-policy.ts), then the placed record (PlacedTask) — one object and one Map entry per task.
 * One object literal, so every record has the same hidden class.
 */
import type { Examined } from './explain.js';
import { Why } from './explain.js';
import type { QueueEntry } from './ordered-queue.js';
import type { UsageRecord } from './quotas.js';
import type { SchedTask } from './types.js';
import type { PlacedTask } from './workers.js';

export interface TaskEntry extends Examined, PlacedTask, QueueEntry {
  /** Reassigned only when the record is reused (EntryPool). */
  task: SchedTask;
  enq: number;
  /** Pool, selector and demand: tasks of one shape fit or fail together within a round. */
  shape: string;
  /** WAITING, or the placement number once placed (orders the replay in `configure`). */
  placedSeq: number;
  /** The namespace's usage record while placed (its release needs no lookup), else null. */
  usage: UsageRecord | null;
  /** Enqueued and not yet released or removed (task-index.ts). */
  alive: boolean;
  /** In the index's Map by key (task-index.ts). */
  indexed: boolean;
}

export const WAITING = -1;

export function newEntry(task: SchedTask, enq: number, shape: string): TaskEntry {
  return {
    task,
    enq,
    round: -1,
    why: Why.NotExamined,
    detail: '',
    shape,
    placedSeq: WAITING,
    usage: null,
    alive: false,
    indexed: false,
    workerId: '',
    startAt: 0,
    estEnd: 0,
    ws: null,
    pidx: -1,
    a: 0,
    b: 0,
    readyAt: task.readyAt,
    seq: task.seq,
    hpos: -1,
    inRun: false,
    home: null,
  };
}

/**
 * Records of released tasks, reused by the next enqueues. A record lives from enqueue to release
 * — long enough that most were copied twice by the young-generation GC and promoted (the GC was
 * ~20% of a TPC-H run); reusing them allocates nothing per task.
 * Only released (placed) records come back: nothing points at one then (the worker's list and
 * the policy's queue dropped it; a placed record never left a tombstone in a queue's run).
 */
export class EntryPool {
  readonly #free: TaskEntry[] = [];

  take(task: SchedTask, enq: number, shape: string): TaskEntry {
    const e = this.#free.pop();
    if (e === undefined) return newEntry(task, enq, shape);
    // Only what is read before it is written again: the queue fields (a, b, hpos, inRun, home)
    // are set by the policy's queue at enqueue, `alive`/`indexed` by the index, the placement
    // fields (workerId, startAt, estEnd, ws, usage) at placement, and only placed records'
    // are read. Each store of a pointer into a reused (old) record is a write barrier.
    e.task = task;
    e.enq = enq;
    e.round = -1;
    e.why = Why.NotExamined;
    e.detail = '';
    e.shape = shape;
    e.placedSeq = WAITING;
    e.readyAt = task.readyAt;
    e.seq = task.seq;
    return e;
  }

  /** A released record (see the class comment for why only those). */
  give(e: TaskEntry): void {
    if (this.#free.length < 65_536) this.#free.push(e);
  }
}
