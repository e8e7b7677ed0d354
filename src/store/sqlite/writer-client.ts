/**
 * The main thread's side of the SQLite writer thread: one worker per process, shared by every
 * SqliteStore that writes through a thread (each store has its own connection there, named by a
 * handle). better-sqlite3 is synchronous, so a commit on the main thread stops the engine for
 * its whole duration (~10 µs a task at 20,000 tasks, bench/engine/diagnose.ts); on the writer
 * thread it runs on the machine's other core while the engine goes on with its next tick.
 *
 * Replies come back in request order (the thread handles one message at a time), so promises
 * resolve in the order the writes were posted. The worker is unref'd while nothing is in
 * flight: an idle writer never keeps the process alive, a pending write does. It starts lazily,
 * on the first write of the first store that wants it, and stays for the next store (a process
 * that opens many stores — tests, benchmarks — pays the start-up once: ~50 ms compiled, ~0.5 s
 * under tsx).
 */
import type { Worker } from 'node:worker_threads';
import { spawnSqliteWorker } from './spawn-worker.js';
import type { RequestBody, ThreadReply, ThreadRequest } from './writer-protocol.js';

interface Waiter {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

let shared: WriterThread | null = null;

export class WriterThread {
  readonly #worker: Worker;
  readonly #waiters = new Map<number, Waiter>();
  #nextId = 1;
  /** Requests the thread has answered, counted by the thread (drainSync waits on it). */
  readonly #done = new Int32Array(new SharedArrayBuffer(4));
  #posted = 0;
  #nextHandle = 1;
  #ready = false;
  #dead: Error | null = null;
  readonly #readyWaiters: (() => void)[] = [];

  /** The process's writer thread (a new one if the previous died). */
  static shared(): WriterThread {
    if (shared === null || shared.#dead !== null) shared = new WriterThread();
    return shared;
  }

  private constructor() {
    this.#worker = spawnSqliteWorker('writer-thread', { done: this.#done });
    this.#worker.unref();
    // Observed on Node 20: an unref made before the thread is online did not hold (a process
    // that closed its store while the thread was starting never exited), so it is made again.
    this.#worker.on('online', () => this.#keepAlive());
    this.#worker.on('message', (m: ThreadReply | { ready: true }) => {
      if ('ready' in m) {
        this.#ready = true;
        for (const w of this.#readyWaiters.splice(0)) w();
        this.#keepAlive();
        return;
      }
      const w = this.#waiters.get(m.id);
      if (w === undefined) return;
      this.#waiters.delete(m.id);
      this.#keepAlive();
      if (m.ok) w.resolve(m.value);
      else w.reject(Object.assign(new Error(m.error.message), { name: m.error.name, code: m.error.code ?? undefined }));
    });
    const die = (err: Error) => {
      this.#dead = err;
      for (const w of this.#waiters.values()) w.reject(err);
      this.#waiters.clear();
      for (const w of this.#readyWaiters.splice(0)) w();
    };
    this.#worker.on('error', (e) => die(new Error(`sqlite writer thread failed: ${e.message}`)));
    this.#worker.on('exit', (code) => die(new Error(`sqlite writer thread exited (code ${code})`)));
  }

  /** True once the thread runs and has not died: writes may go to it. */
  get usable(): boolean {
    return this.#ready && this.#dead === null;
  }

  /** Resolves when the thread is up (or has died: check `usable`). */
  whenReady(): Promise<void> {
    if (this.#ready || this.#dead !== null) return Promise.resolve();
    const p = new Promise<void>((r) => this.#readyWaiters.push(r));
    this.#keepAlive();
    return p;
  }

  /** Holds the process open exactly while someone waits on the thread (a write or its start). */
  #keepAlive(): void {
    if (this.#waiters.size > 0 || this.#readyWaiters.length > 0) this.#worker.ref();
    else this.#worker.unref();
  }

  /**
   * Blocks until the thread has answered every request posted so far (a store writing a huge
   * batch inline must not overtake writes still in flight). Throws after `timeoutMs`.
   */
  drainSync(timeoutMs = 60_000): void {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(this.#done, 0);
      if (done >= this.#posted || this.#dead !== null) return;
      if (Date.now() > until) throw new Error(`sqlite writer thread: ${this.#posted - done} writes not done after ${timeoutMs} ms`);
      Atomics.wait(this.#done, 0, done, 100);
    }
  }

  newHandle(): number {
    return this.#nextHandle++;
  }

  /**
   * Posts a request; the clone of `body` is taken now, so later changes to its objects do not
   * reach the thread. `transfer`: buffers moved to the thread instead of copied (unusable here after).
   */
  request(body: RequestBody, transfer?: readonly ArrayBuffer[]): Promise<unknown> {
    if (this.#dead !== null) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    const p = new Promise<unknown>((resolve, reject) => this.#waiters.set(id, { resolve, reject }));
    if (this.#waiters.size === 1) this.#worker.ref();
    try {
      this.#worker.postMessage({ ...body, id } as ThreadRequest, transfer);
      this.#posted++;
    } catch (err) {
      // Not cloneable: nothing was posted.
      const w = this.#waiters.get(id)!;
      this.#waiters.delete(id);
      this.#keepAlive();
      w.reject(err as Error);
    }
    return p;
  }
}
