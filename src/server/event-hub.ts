/**
 * Fans engine events out to live subscribers (Server-Sent Events clients): one listener on the
 * engine whatever the number of clients, so the engine's emitter never sees hundreds of them.
 * Each event is tagged with its run's namespace so a scoped subscriber is filtered without a
 * store read. A subscriber that throws is dropped.
 */
import type { Engine } from '../engine/engine.js';
import type { TaskChange } from '../engine/task-flow.js';
import type { RunRow } from '../store/types.js';
import { runView } from './views.js';

export type HubEvent =
  | { readonly type: 'task'; readonly runId: string; readonly namespace: string; readonly data: TaskChange }
  | { readonly type: 'run'; readonly runId: string; readonly namespace: string; readonly data: ReturnType<typeof runView> };

export type Subscriber = (e: HubEvent) => void;

export class EventHub {
  readonly #engine: Engine;
  readonly #subs = new Set<Subscriber>();
  readonly #onTask = (c: TaskChange) => {
    const ns = this.#engine.runs.get(c.runId)?.row.namespace ?? '';
    this.#emit({ type: 'task', runId: c.runId, namespace: ns, data: c });
  };
  readonly #onRun = (r: RunRow) => this.#emit({ type: 'run', runId: r.id, namespace: r.namespace, data: runView(r) });

  constructor(engine: Engine) {
    this.#engine = engine;
    engine.on('task', this.#onTask);
    engine.on('run', this.#onRun);
  }

  get size(): number {
    return this.#subs.size;
  }

  subscribe(fn: Subscriber): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }

  #emit(e: HubEvent): void {
    for (const s of this.#subs) {
      try {
        s(e);
      } catch {
        this.#subs.delete(s);
      }
    }
  }

  close(): void {
    this.#subs.clear();
    this.#engine.off('task', this.#onTask);
    this.#engine.off('run', this.#onRun);
  }
}
