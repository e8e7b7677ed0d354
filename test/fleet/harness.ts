/**
 * Real parts for the fleet fault tests: a `redis-server` on a free port in a temp folder (with
 * append-only persistence, so it can be restarted mid-run on the same port and data), real
 * `kairos worker` processes (`node --import tsx src/cli/bin.ts worker ...`), and an engine with
 * the SQLite store dispatching through the broker. Nothing is mocked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/engine/redis.js';
import { Engine } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import type { TaskMessage } from '../../src/fleet/protocol.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { Redis } from 'ioredis';
import { ExecutorSet } from '../../src/exec/executor-set.js';
import type { FnHandler } from '../../src/exec/types.js';
import { FleetWorker } from '../../src/fleet/worker.js';
import { FleetKeys } from '../../src/fleet/keys.js';

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL (no goodbye) and start again on the same port and folder: AOF brings the data back (if `persist`). */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function launchRedis(port: number, dir: string, persist: boolean): Promise<ChildProcess> {
  const aof = persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...aof], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    const t = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 10_000);
    const onData = (b: Buffer) => {
      log += b.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(t);
        child.stdout!.removeAllListeners('data').resume();
        child.stderr!.removeAllListeners('data').resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => (clearTimeout(t), reject(new Error(`redis-server exited (${code}):\n${log}`))));
  });
}

function killAndWait(child: ChildProcess, sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill(sig);
  });
}

/** `persist: false` = no AOF: a restart comes back empty (Redis lost its data). */
export async function startTestRedis(opts: { persist?: boolean } = {}): Promise<TestRedis> {
  const persist = opts.persist ?? true;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kairos-fleet-redis-'));
  let child = await launchRedis(port, dir, persist);
  const onExit = () => child.kill('SIGKILL');
  process.on('exit', onExit);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async restart(downMs = 500) {
      await killAndWait(child);
      await new Promise((r) => setTimeout(r, downMs));
      child = await launchRedis(port, dir, persist);
    },
    async stop() {
      process.off('exit', onExit);
      await killAndWait(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProc {
  readonly id: string;
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
}

export function spawnWorker(url: string, id: string, extra: string[] = []): WorkerProc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'worker', '--broker', url, '--id', id, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: process.cwd(),
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const onExit = () => child.kill('SIGKILL');
  process.on('exit', onExit);
  void exited.then(() => process.off('exit', onExit));
  return { id, child, output: () => out, exited };
}

/** Waits until `worker` printed `registered` (it is in the registry). */
export async function registered(w: WorkerProc, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!w.output().includes('registered:')) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`worker ${w.id} did not register:\n${w.output()}`);
    if (w.child.exitCode !== null) throw new Error(`worker ${w.id} exited:\n${w.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopWorker(w: WorkerProc): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGCONT');
  w.child.kill('SIGKILL');
  await w.exited;
}

export interface FleetEngine {
  readonly engine: Engine;
  readonly store: Store;
  readonly dir: string;
  readonly errors: unknown[];
  close(): Promise<void>;
}

export function fleetEngine(url: string, opts: { store?: Store; prefix?: string } = {}): FleetEngine {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-fleet-'));
  const store = opts.store ?? new SqliteStore(join(dir, 'kairos.db'));
  const engine = new Engine({
    store, stateDir: dir, executors: localExecutors(), killGraceMs: 500, runtimeModel: null,
    broker: { url, workerPollMs: 200, claimIdleMs: 5000, ...(opts.prefix ? { prefix: opts.prefix } : {}) },
  });
  const errors: unknown[] = [];
  engine.on('error', (e) => errors.push(e));
  return {
    engine, store, dir, errors,
    async close() {
      await engine.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Until `cond()` holds (polled), or throws after `timeoutMs` with `what`. Not a timing assertion: a liveness bound. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A task message of attempt 1 of `taskId` in run r1, calling the fn handler `fn`, as an engine would send it. */
export const fnTaskMessage = (taskId: string, fn = 'echo'): TaskMessage => ({
  attemptId: `r1/${taskId}#1`, runId: 'r1', taskId, attempt: 1, action: { kind: 'fn', fn, args: null }, env: {}, secretEnv: [],
  cwd: null, timeoutMs: null, killGraceMs: 100, maxLogBytes: 1024, outputsFromStdout: false, outputFile: null, inputs: { params: {} }, dispatchedAt: 1,
});

/** An in-process FleetWorker, started, with a client beside it to write its stream by hand. */
export interface InProcessWorker {
  readonly w: FleetWorker;
  /** A plain client on the same server. */
  readonly r: Redis;
  readonly keys: FleetKeys;
  /** The worker's task stream. */
  readonly stream: string;
  /** Stops the worker and disconnects the client. */
  close(): Promise<void>;
}

export async function inProcessWorker(
  url: string, prefix: string, id: string, functions: Map<string, FnHandler>,
  opts: { slots?: number; onEvent?: (kind: string) => void } = {},
): Promise<InProcessWorker> {
  const w = new FleetWorker({ url, prefix, id, capacity: { slots: opts.slots ?? 4 }, executors: ExecutorSet.standard({ functions }), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) });
  const r = new Redis(url);
  const close = async (): Promise<void> => {
    await w.stop();
    r.disconnect();
  };
  try {
    await w.start();
  } catch (err) {
    await close();
    throw err;
  }
  const keys = new FleetKeys(prefix);
  return { w, r, keys, stream: keys.tasks(id, w.incarnation), close };
}
