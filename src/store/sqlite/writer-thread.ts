/**
 * The SQLite writer thread's entry: one connection per store that uses it, each with a
 * SqliteWriter. Messages are handled one at a time, in arrival order, synchronously — so every
 * store's writes commit in the order they were posted, and each reply says its write is durable
 * (as durable as the connection's `synchronous` setting makes it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { callWriter, openConnection, SqliteWriter } from './sqlite-writer.js';
import type { ThreadReply, ThreadRequest } from './writer-protocol.js';

const port = parentPort;
if (port === null) throw new Error('writer-thread.ts runs as a worker thread only');

/** Requests answered, shared with the main thread (WriterThread.drainSync). */
const done = (workerData as { done: Int32Array }).done;
const open = new Map<number, { db: Database.Database; writer: SqliteWriter }>();

function handle(m: ThreadRequest): unknown {
  switch (m.kind) {
    case 'open': {
      const db = openConnection(m.path, m.durability);
      open.set(m.handle, { db, writer: new SqliteWriter(db) });
      return null;
    }
    case 'close': {
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
