/**
 * A worker's results of one event-loop turn and the task entries they finish. `send` puts the
 * results out as ONE results entry per wire form, then acknowledges and deletes the finished
 * task entries: one connection, in this order, so a crash between the two leaves entries pending
 * on a dead worker's stream, which the engine deletes (their attempts are already reported).
 */
import type { Redis } from 'ioredis';
import { WORKER_GROUP, type FleetKeys } from './keys.js';
import { encodeResults, type Form, type ResultMessage } from './protocol.js';
import type { OwnPending } from './own-pending.js';

/** A task stream entry being worked on: acknowledged once all its attempts reported. */
export interface Entry {
  readonly id: string;
  readonly stream: string;
  readonly form: Form; // its results go back in the form it came in (protocol.ts)
  left: number;
}

export class ResultOutbox {
  /** By the form their task entries came in (index form - 1): each goes back in that form. */
  #byForm: ResultMessage[][] = [[], [], []];
  #done: Entry[] = [];

  constructor(
    readonly cmd: Redis,
    readonly keys: FleetKeys,
    readonly pending: OwnPending,
    /** The worker's id and current incarnation (the tuple forms carry them). */
    readonly sender: () => { readonly id: string; readonly incarnation: string },
    readonly onError: (detail: string) => void,
  ) {}

  result(form: Form, m: ResultMessage): void {
    this.#byForm[form - 1]!.push(m);
  }

  /** All of the entry's attempts reported (or it had none to run). */
  done(e: Entry): void {
    this.#done.push(e);
  }

  async send(): Promise<void> {
    const outboxes = this.#byForm;
    const done = this.#done;
    const count = outboxes[0]!.length + outboxes[1]!.length + outboxes[2]!.length;
    if (count === 0 && done.length === 0) return;
    this.#byForm = [[], [], []];
    this.#done = [];
    const byStream = new Map<string, string[]>();
    for (const e of done) {
      const ids = byStream.get(e.stream);
      if (ids === undefined) byStream.set(e.stream, [e.id]);
      else ids.push(e.id);
    }
    try {
      const ops: Promise<unknown>[] = [];
      const { id, incarnation } = this.sender();
      outboxes.forEach((msgs, i) => {
        if (msgs.length === 0) return;
        // Form 1 (objects) is plain JSON; 2 and 3 are protocol.ts's tuple forms.
        const text = i === 0 ? JSON.stringify(msgs) : encodeResults(id, incarnation, msgs, (i + 1) as 2 | 3);
        ops.push(this.cmd.xadd(this.keys.results, '*', 'm', text));
      });
      for (const [stream, ids] of byStream) ops.push(this.cmd.xack(stream, WORKER_GROUP, ...ids), this.cmd.xdel(stream, ...ids));
      await Promise.all(ops);
    } catch (err) {
      this.onError(`reporting ${count} result(s): ${(err as Error).message}`);
    } finally {
      // Acknowledged, or given up: a recovery after a reconnection may take them again (the
      // engine fences off a second result of the same attempt).
      for (const [stream, ids] of byStream) this.pending.release(stream, ids);
    }
  }
}
