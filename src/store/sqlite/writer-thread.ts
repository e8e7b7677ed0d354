/**
 * The SQLite writer thread's entry: one connection per store that uses it, each with a
 * SqliteWriter. Messages are handled one at a time, in arrival order, synchronously — so every
 * store's writes commit in the order they were posted, and each reply says its write is durable
 * (as durable as the connection's `synchronous` setting makes it). The WAL is checkpointed by a
 * thread this one starts (checkpoint-thread.ts), so no commit here waits for a checkpoint.
 */
import { parentPort, workerData, type Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { callWriter, openConnection, SqliteWriter } from './sqlite-writer.js';
import type { CheckpointRequest, ThreadReply, ThreadRequest } from './writer-protocol.js';
import { spawnSqliteWorker } from './spawn-worker.js';

/**
 * The writer's own automatic checkpoint while the checkpoint thread does the work
 * (checkpoint-thread.ts): 10,000 pages (40 MB of WAL), a bound only. SQLite's default is 1,000.
 */
const WRITER_AUTOCHECKPOINT_PAGES = 10_000;
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

const port = parentPort;
if (port === null) throw new Error('writer-thread.ts runs as a worker thread only');

/** Requests answered, shared with the main thread (WriterThread.drainSync). */
const done = (workerData as { done: Int32Array }).done;
const open = new Map<number, { db: Database.Database; writer: SqliteWriter }>();

/** The checkpoint thread, started with the first connection; null if it could not start or died. */
let checkpointer: Worker | null = null;
let checkpointerFailed = false;

function startCheckpointer(): Worker | null {
  if (checkpointer !== null || checkpointerFailed) return checkpointer;
  try {
    const w = spawnSqliteWorker('checkpoint-thread', null);
    w.unref();
    const failed = () => {
      if (checkpointer !== w) return;
      checkpointer = null;
      checkpointerFailed = true;
      // Back to SQLite's own checkpoints on the writer's connections.
      for (const h of open.values()) autocheckpoint(h.db, SQLITE_AUTOCHECKPOINT_PAGES);
    };
    w.on('error', failed);
    w.on('exit', failed);
    checkpointer = w;
  } catch {
    checkpointerFailed = true;
  }
  return checkpointer;
}

function autocheckpoint(db: Database.Database, pages: number): void {
  try {
    db.pragma(`wal_autocheckpoint = ${pages}`);
  } catch {
    // a closed connection
  }
}

function toCheckpointer(m: CheckpointRequest): void {
  checkpointer?.postMessage(m);
}

function handle(m: ThreadRequest): unknown {
  switch (m.kind) {
    case 'open': {
      const db = openConnection(m.path, m.durability);
      open.set(m.handle, { db, writer: new SqliteWriter(db) });
      if (startCheckpointer() !== null) {
        autocheckpoint(db, WRITER_AUTOCHECKPOINT_PAGES);
        toCheckpointer({ kind: 'open', handle: m.handle, path: m.path, durability: m.durability });
      }
      return null;
    }
    case 'close': {
      toCheckpointer({ kind: 'close', handle: m.handle });
      open.get(m.handle)?.db.close();
      open.delete(m.handle);
      return null;
    }
    case 'call': {
      const h = open.get(m.handle);
      if (h === undefined) throw new Error(`sqlite writer thread: store ${m.handle} is not open here`);
      return callWriter(h.writer, m.op, m.args);
    }
  }
}

port.on('message', (m: ThreadRequest) => {
  let reply: ThreadReply;
  try {
    reply = { id: m.id, ok: true, value: handle(m) };
  } catch (err) {
    const e = err as Error & { code?: unknown };
    reply = { id: m.id, ok: false, error: { name: e?.name ?? 'Error', message: e?.message ?? String(err), code: typeof e?.code === 'string' ? e.code : null } };
  }
  port.postMessage(reply);
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});

port.postMessage({ ready: true });
