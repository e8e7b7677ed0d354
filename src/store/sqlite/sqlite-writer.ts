/**
 * Every write the SQLite store makes, on one connection: the group commit of an encoded batch
 * and the small owner/cancel/workflow/token writes. The same class runs on the main thread
 * (`writer: 'inline'`, ':memory:' databases, and until the writer thread is up) and inside the
 * writer thread (writer-thread.ts), so both paths run the same SQL.
 */
import Database from 'better-sqlite3';
import type { TaskRow, TokenRow, WorkflowRow, WriteBatch } from '../types.js';
import type { EncodedBatch } from './batch-codec.js';
import { ATTEMPT_COLUMN_COUNT, decodeAttempts, decodeUpdates, newTaskDecoder, EVENT_COLUMN_COUNT, RUN_UPDATE_COLUMNS, TASK_COLUMN_COUNT } from './batch-codec.js';
import { MultiRowStatement } from './multi-row.js';
import { TaskRowIds } from './task-row-ids.js';
import type { RowIdMap } from './row-id-map.js';
import { bindAttempt, bindEvent, bindTask, runToParams, runUpdateParams, RUN_SPEC_PART } from './rows.js';
import { specPartJson } from '../spec-parts.js';
import { SqliteRetention } from './retention.js';

export const RUN_COLUMNS =
  'id, workflow, namespace, priority, state, params, spec, labels, created_at, started_at, finished_at, deadline_at, error, owner, owner_seen_at, paused';
export const ATTEMPT_COLUMNS = 'run_id, task_id, kind, attempt, status, worker, started_at, finished_at, exit_code, error';
export const TASK_COLUMNS =
  'run_id, task_id, spec_id, item_index, item, state, attempt, ready_at, started_at, finished_at, retry_at, worker, outputs, error, reason, done_seq, implicit_attempt';

export type Durability = 'normal' | 'full';

/** Opens a connection with the store's settings (WAL; see sqlite-store.ts on durability). */
export function openConnection(path: string, durability: Durability): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = OFF');
  return db;
}

export class SqliteWriter {
  readonly #db: Database.Database;
  readonly #commitTx: Database.Transaction<(b: EncodedBatch) => number>;
  readonly #commitRowsTx: Database.Transaction<(b: WriteBatch) => void>;
  /** Rowids of the task rows inserted from row objects: their updates seek by rowid (task-row-ids.ts). */
  readonly #rowIds: TaskRowIds;
  readonly #s;
  #retention: SqliteRetention | null = null;

  /** `knownIds`: the store's map of known task rowids (inline writes record their inserts there). */
  constructor(db: Database.Database, knownIds?: RowIdMap) {
    this.#db = db;
    const s = (this.#s = {
      insertSpecPart: db.prepare('INSERT INTO run_spec_tasks (run_id, part, tasks) VALUES (?, ?, ?)'),
      insertRun: db.prepare(`INSERT INTO runs (${RUN_COLUMNS}) VALUES (${RUN_COLUMNS.split(',').map(() => '?').join(',')})`),
      // A known run's update never rewrites its spec and params (a 1,000,000-task spec is 300 MB of JSON).
      updateRun: db.prepare('UPDATE runs SET state=?, started_at=?, finished_at=?, error=?, owner=?, owner_seen_at=?, paused=? WHERE id=?'),
      claim: db.prepare(
        `UPDATE runs SET owner = ?, owner_seen_at = ? WHERE id = ? AND (owner IS NULL OR owner = ? OR owner_seen_at IS NULL OR owner_seen_at < ?)`,
      ),
      heartbeat: db.prepare(`UPDATE runs SET owner_seen_at = ? WHERE owner = ? AND state IN ('running', 'compensating')`),
      requestCancel: db.prepare('UPDATE runs SET cancel_requested = 1 WHERE id = ?'),
      cancelRequests: db.prepare('SELECT id FROM runs WHERE owner = ? AND cancel_requested = 1').pluck(),
      clearCancel: db.prepare('UPDATE runs SET cancel_requested = 0 WHERE id = ?'),
      maxWorkflowVersion: db.prepare('SELECT MAX(version) FROM workflows WHERE name = ?').pluck(),
      insertWorkflow: db.prepare('INSERT INTO workflows (name, version, namespace, spec, source, created_at) VALUES (?,?,?,?,?,?)'),
      insertToken: db.prepare('INSERT INTO tokens (id, hash, role, namespace, name, created_at, revoked_at) VALUES (?,?,?,?,?,?,?)'),
      revokeToken: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    });
    const rowIds = (this.#rowIds = new TaskRowIds(db, TASK_COLUMNS, TASK_COLUMN_COUNT, knownIds));
    // Updates of known tasks as one multi-row upsert: the conflict target always matches.
    const updateTasks = new MultiRowStatement<TaskRow>(
      db, TASK_COLUMN_COUNT,
      (v) => `INSERT INTO tasks (${TASK_COLUMNS}) VALUES ${v} ON CONFLICT(run_id, task_id) DO UPDATE SET
        state=excluded.state, attempt=excluded.attempt, ready_at=excluded.ready_at, started_at=excluded.started_at,
        finished_at=excluded.finished_at, retry_at=excluded.retry_at, worker=excluded.worker, outputs=excluded.outputs,
        error=excluded.error, reason=excluded.reason, done_seq=excluded.done_seq, implicit_attempt=excluded.implicit_attempt`,
      (t, out) => bindTask(t, out), // the row objects' path never leaves an attempt implicit
    );
    const insertAttempts = new MultiRowStatement(db, ATTEMPT_COLUMN_COUNT, (v) => `INSERT INTO attempts (${ATTEMPT_COLUMNS}) VALUES ${v}`, bindAttempt);
    const insertEvents = new MultiRowStatement(db, EVENT_COLUMN_COUNT, (v) => `INSERT INTO events (run_id, task_id, at, type, data) VALUES ${v}`, bindEvent);
    this.#commitTx = db.transaction((b: EncodedBatch) => {
      for (const r of b.newRuns) s.insertRun.run(r);
      for (let i = 0; i < b.specParts.length; i += 3) s.insertSpecPart.run(b.specParts[i], b.specParts[i + 1], b.specParts[i + 2]);
      for (let i = 0; i < b.runs.length; i += RUN_UPDATE_COLUMNS) s.updateRun.run(b.runs.slice(i, i + RUN_UPDATE_COLUMNS));
      const base = rowIds.insertFlat(b.newTaskCount, (base) => newTaskDecoder(b, base));
      updateTasks.runFlat(b.tasks);
      rowIds.updateFlat(decodeUpdates(b));
      insertAttempts.runFlat(decodeAttempts(b));
      insertEvents.runFlat(b.events);
      return base;
    });
    this.#commitRowsTx = db.transaction((b: WriteBatch) => {
      for (const r of b.newRuns) {
        s.insertRun.run(runToParams(r));
        const tasks = r.spec.tasks;
        for (let i = 0, part = 0; i < tasks.length; i += RUN_SPEC_PART, part++) {
          s.insertSpecPart.run(r.id, part, specPartJson(tasks, i, Math.min(tasks.length, i + RUN_SPEC_PART)));
        }
      }
      for (const r of b.runs) s.updateRun.run(runUpdateParams(r));
      rowIds.insert(b.newTasks);
      updateTasks.run(rowIds.update(b.tasks));
      insertAttempts.run(b.attempts);
      insertEvents.run(b.events);
    });
  }

  /**
   * One transaction: the whole batch or nothing. Returns the rowid before the new task rows
   * (theirs are that + 1.. in order; the store records them on the acknowledgement).
   */
  commit(b: EncodedBatch): number {
    return this.#commitTx.immediate(b);
  }

  /**
   * The same from row objects, bound 64 rows at a time (inline writes): a 1,000,000-task submit
   * never exists as one flat array (see batch-codec.ts).
   */
  commitRows(b: WriteBatch): void {
    try {
      this.#commitRowsTx.immediate(b);
    } catch (err) {
      this.#rowIds.rolledBack();
      throw err;
    }
    this.#rowIds.committed();
  }

  claimRun(runId: string, owner: string, now: number, staleAfterMs: number): boolean {
    return this.#s.claim.run(owner, now, runId, owner, now - staleAfterMs).changes === 1;
  }

  heartbeat(owner: string, now: number): void {
    this.#s.heartbeat.run(now, owner);
  }

  requestCancel(runId: string): void {
    this.#s.requestCancel.run(runId);
  }

  takeCancelRequests(owner: string): string[] {
    return this.#db.transaction(() => {
      const ids = this.#s.cancelRequests.all(owner) as string[];
      for (const id of ids) this.#s.clearCancel.run(id);
      return ids;
    }).immediate();
  }

  saveWorkflow(row: Omit<WorkflowRow, 'version'>): WorkflowRow {
    return this.#db.transaction(() => {
      const version = ((this.#s.maxWorkflowVersion.get(row.name) as number | null) ?? 0) + 1;
      this.#s.insertWorkflow.run(row.name, version, row.namespace, JSON.stringify(row.spec), row.source, row.createdAt);
      return { ...row, version };
    }).immediate();
  }

  createToken(t: TokenRow): void {
    this.#s.insertToken.run(t.id, t.hash, t.role, t.namespace, t.name, t.createdAt, t.revokedAt);
  }

  revokeToken(id: string, at: number): boolean {
    return this.#s.revokeToken.run(at, id).changes === 1;
  }

  deleteFinishedRuns(finishedBefore: number, limit: number): string[] {
    this.#retention ??= new SqliteRetention(this.#db);
    return this.#retention.deleteFinishedRuns(finishedBefore, limit);
  }
}

/** The writer's operations by name: what the writer thread's messages carry. */
export type WriterOp =
  | 'commit' | 'commitRows' | 'claimRun' | 'heartbeat' | 'requestCancel' | 'takeCancelRequests' | 'saveWorkflow' | 'createToken' | 'revokeToken'
  | 'deleteFinishedRuns';

export function callWriter(w: SqliteWriter, op: WriterOp, args: readonly unknown[]): unknown {
  return (w[op] as (...a: unknown[]) => unknown)(...args);
}
