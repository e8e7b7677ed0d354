/**
 * The SQLite checkpoint thread: copies what the writer thread committed to the WAL back into the
 * database file (`PRAGMA wal_checkpoint(PASSIVE)`) every CHECKPOINT_EVERY_MS, on a connection of
 * its own per store, so that the writer's commits never wait for a checkpoint.
 *
 * Why: SQLite checkpoints on the committing connection by default, when the WAL passes 1,000
 * pages (4 MB; a 20,000-task run writes that every ~50 ms), and a checkpoint waits for fsync of
 * the WAL and of the database file (synchronous = NORMAL or FULL): commits stalled 5-10 ms while
 * the engine's thread idled (a commit trace of the issue-2 benchmark, session 11). A PASSIVE
 * checkpoint runs beside the writer (WAL mode lets one connection checkpoint while another
 * appends) and never waits for locks; the WAL is restarted from its beginning by the writer's
 * next transaction once a checkpoint has copied everything and no reader still needs it.
 *
 * The writer thread starts this thread (writer-thread.ts), opens and closes its connections
 * here with its own, and raises its own connections' automatic checkpoint to
 * WRITER_AUTOCHECKPOINT_PAGES meanwhile: a safety net that bounds the WAL if this thread falls
 * behind; if this thread dies, the writer goes back to SQLite's default.
 */
import { parentPort } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { openConnection } from './sqlite-writer.js';
import type { CheckpointRequest } from './writer-protocol.js';

/** How often the WAL of every open store is checkpointed. */
export const CHECKPOINT_EVERY_MS = 100;

const port = parentPort;
if (port === null) throw new Error('checkpoint-thread.ts runs as a worker thread only');

const open = new Map<number, Database.Database>();
let timer: NodeJS.Timeout | null = null;

function checkpointAll(): void {
  for (const db of open.values()) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // PASSIVE neither waits nor fails on a busy database; an I/O error is retried next time,
      // and the writer's own automatic checkpoint still bounds the WAL.
    }
  }
}

port.on('message', (m: CheckpointRequest) => {
  if (m.kind === 'open') {
    try {
      open.set(m.handle, openConnection(m.path, m.durability));
    } catch {
      return; // the writer's automatic checkpoint covers this store
    }
    timer ??= setInterval(checkpointAll, CHECKPOINT_EVERY_MS);
  } else {
    const db = open.get(m.handle);
    open.delete(m.handle);
    try {
      db?.close();
    } catch {
      // closing a connection whose file is gone
    }
    if (open.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  }
});
