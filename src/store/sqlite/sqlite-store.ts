/**
 * The embedded Store on SQLite through better-sqlite3, in WAL mode. better-sqlite3 is
 * synchronous, so `commit` finishes its transaction before the returned promise exists; the
 * async interface is for the PostgreSQL adapter's sake.
 *
 * Durability: WAL with synchronous=NORMAL survives a crash of the process (kill -9: the WAL is
 * in the OS's hands) but may lose the last transactions on power loss; `durability: 'full'`
 * sets synchronous=FULL for that. Several processes may share one database file: busy_timeout
 * makes a writer wait for another's transaction instead of failing.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AttemptRow, EventRow, RunFilter, RunRow, Store, TaskRow, TokenRow, WorkflowRow, WriteBatch } from '../types.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import {
  attemptFromRaw, bindAttempt, bindEvent, bindTask, eventFromRaw, runFromRaw, runToParams, runUpdateParams,
  taskFromRaw, tokenFromRaw, workflowFromRaw, RUN_SPEC_PART,
} from './rows.js';
import { MultiRowStatement } from './multi-row.js';

export interface SqliteStoreOptions {
  /** 'normal' (default): safe against process crashes; 'full': also against power loss. */
  readonly durability?: 'normal' | 'full';
}

const RUN_COLUMNS =
  'id, workflow, namespace, priority, state, params, spec, labels, created_at, started_at, finished_at, deadline_at, error, owner, owner_seen_at, paused';
const ATTEMPT_COLUMNS = 'run_id, task_id, kind, attempt, status, worker, started_at, finished_at, exit_code, error';
const TASK_COLUMNS =
  'run_id, task_id, spec_id, item_index, item, state, attempt, ready_at, started_at, finished_at, retry_at, worker, outputs, error, reason, done_seq';

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #stmts: ReturnType<SqliteStore['prepareStatements']>;
  readonly #commitTx: Database.Transaction<(batch: WriteBatch) => void>;

  /** `path` is a file path or ':memory:'. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.pragma('busy_timeout = 10000');
    this.#db.pragma('foreign_keys = OFF');
    this.#migrateSync();
    this.#stmts = this.prepareStatements();
    const s = this.#stmts;
    const db = this.#db;
    const insertTasks = new MultiRowStatement<TaskRow>(db, 16, (v) => `INSERT INTO tasks (${TASK_COLUMNS}) VALUES ${v}`, bindTask);
    // Updates of known tasks as one multi-row upsert: the conflict target always matches.
    const updateTasks = new MultiRowStatement<TaskRow>(
      db, 16,
      (v) => `INSERT INTO tasks (${TASK_COLUMNS}) VALUES ${v} ON CONFLICT(run_id, task_id) DO UPDATE SET
        state=excluded.state, attempt=excluded.attempt, ready_at=excluded.ready_at, started_at=excluded.started_at,
        finished_at=excluded.finished_at, retry_at=excluded.retry_at, worker=excluded.worker, outputs=excluded.outputs,
        error=excluded.error, reason=excluded.reason, done_seq=excluded.done_seq`,
      bindTask,
    );
    const insertAttempts = new MultiRowStatement<AttemptRow>(db, 10, (v) => `INSERT INTO attempts (${ATTEMPT_COLUMNS}) VALUES ${v}`, bindAttempt);
    const insertEvents = new MultiRowStatement<EventRow>(db, 5, (v) => `INSERT INTO events (run_id, task_id, at, type, data) VALUES ${v}`, bindEvent);
    this.#commitTx = db.transaction((b: WriteBatch) => {
      for (const r of b.newRuns) {
        s.insertRun.run(runToParams(r));
        const tasks = r.spec.tasks;
        for (let i = 0, part = 0; i < tasks.length; i += RUN_SPEC_PART, part++) {
          s.insertSpecPart.run(r.id, part, JSON.stringify(tasks.slice(i, i + RUN_SPEC_PART)));
        }
      }
      for (const r of b.runs) s.updateRun.run(runUpdateParams(r));
      insertTasks.run(b.newTasks);
      updateTasks.run(b.tasks);
      insertAttempts.run(b.attempts);
      insertEvents.run(b.events);
    });
  }

  #migrateSync(): void {
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const isApplied = this.#db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
    for (const m of SQLITE_MIGRATIONS) {
      // Checked again inside the write lock: another process may be migrating the same file.
      this.#db.transaction(() => {
        if (isApplied.get(m.version)) return;
        this.#db.exec(m.sql);
        this.#db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      }).immediate();
    }
  }

  private prepareStatements() {
    const db = this.#db;
    return {
      insertSpecPart: db.prepare('INSERT INTO run_spec_tasks (run_id, part, tasks) VALUES (?, ?, ?)'),
      specParts: db.prepare('SELECT tasks FROM run_spec_tasks WHERE run_id = ? ORDER BY part').pluck(),
      insertRun: db.prepare(`INSERT INTO runs (${RUN_COLUMNS}) VALUES (${RUN_COLUMNS.split(',').map(() => '?').join(',')})`),
      // A known run's update never rewrites its spec and params (a 1,000,000-task spec is 300 MB of JSON).
      updateRun: db.prepare(
        'UPDATE runs SET state=?, started_at=?, finished_at=?, error=?, owner=?, owner_seen_at=?, paused=? WHERE id=?',
      ),
      getRun: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
      getTasks: db.prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = ? ORDER BY id`),
      getAttempts: db.prepare(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE run_id = ? ORDER BY task_id, kind, attempt`),
      getTaskAttempts: db.prepare(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE run_id = ? AND task_id = ? ORDER BY kind, attempt`),
      getEvents: db.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY id'),
      unfinished: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE state IN ('running', 'compensating') ORDER BY created_at`),
      claim: db.prepare(
        `UPDATE runs SET owner = ?, owner_seen_at = ? WHERE id = ? AND (owner IS NULL OR owner = ? OR owner_seen_at IS NULL OR owner_seen_at < ?)`,
      ),
      heartbeat: db.prepare(`UPDATE runs SET owner_seen_at = ? WHERE owner = ? AND state IN ('running', 'compensating')`),
      requestCancel: db.prepare('UPDATE runs SET cancel_requested = 1 WHERE id = ?'),
      cancelRequests: db.prepare('SELECT id FROM runs WHERE owner = ? AND cancel_requested = 1').pluck(),
      clearCancel: db.prepare('UPDATE runs SET cancel_requested = 0 WHERE id = ?'),
      maxWorkflowVersion: db.prepare('SELECT MAX(version) FROM workflows WHERE name = ?').pluck(),
      insertWorkflow: db.prepare('INSERT INTO workflows (name, version, namespace, spec, source, created_at) VALUES (?,?,?,?,?,?)'),
      getWorkflowLatest: db.prepare('SELECT * FROM workflows WHERE name = ? ORDER BY version DESC LIMIT 1'),
      getWorkflowVersion: db.prepare('SELECT * FROM workflows WHERE name = ? AND version = ?'),
      listWorkflows: db.prepare(
        'SELECT w.* FROM workflows w JOIN (SELECT name, MAX(version) v FROM workflows GROUP BY name) m ON w.name = m.name AND w.version = m.v ORDER BY w.name',
      ),
      insertToken: db.prepare('INSERT INTO tokens (id, hash, role, namespace, name, created_at, revoked_at) VALUES (?,?,?,?,?,?,?)'),
      findToken: db.prepare('SELECT * FROM tokens WHERE hash = ?'),
      listTokens: db.prepare('SELECT * FROM tokens ORDER BY created_at, id'),
      revokeToken: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    };
  }

  async migrate(): Promise<void> {
    this.#migrateSync();
  }

  async commit(batch: WriteBatch): Promise<void> {
    this.#commitTx.immediate(batch);
  }

  async getRun(id: string): Promise<RunRow | null> {
    const raw = this.#stmts.getRun.get(id);
    return raw ? this.#run(raw) : null;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.state) (where.push('state = ?'), args.push(filter.state));
    if (filter.namespace) (where.push('namespace = ?'), args.push(filter.namespace));
    if (filter.workflow) (where.push('workflow = ?'), args.push(filter.workflow));
    if (filter.priority !== undefined) (where.push('priority = ?'), args.push(filter.priority));
    if (filter.since !== undefined) (where.push('created_at >= ?'), args.push(filter.since));
    if (filter.search) {
      const like = `%${filter.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      where.push("(id LIKE ? ESCAPE '\\' OR workflow LIKE ? ESCAPE '\\' OR labels LIKE ? ESCAPE '\\')");
      args.push(like, like, like);
    }
    const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    args.push(filter.limit ?? 100);
    return (this.#db.prepare(sql).all(...args) as any[]).map((r) => this.#run(r));
  }

  #run(raw: any): RunRow {
    return runFromRaw(raw, this.#stmts.specParts.all(raw.id) as string[]);
  }

  async getTasks(runId: string): Promise<TaskRow[]> {
    return (this.#stmts.getTasks.all(runId) as any[]).map(taskFromRaw);
  }

  async getAttempts(runId: string, taskId?: string): Promise<AttemptRow[]> {
    const rows = taskId === undefined ? this.#stmts.getAttempts.all(runId) : this.#stmts.getTaskAttempts.all(runId, taskId);
    return (rows as any[]).map(attemptFromRaw);
  }

  async getEvents(runId: string): Promise<EventRow[]> {
    return (this.#stmts.getEvents.all(runId) as any[]).map(eventFromRaw);
  }

  async unfinishedRuns(): Promise<RunRow[]> {
    return (this.#stmts.unfinished.all() as any[]).map((r) => this.#run(r));
  }

  async claimRun(runId: string, owner: string, now: number, staleAfterMs: number): Promise<boolean> {
    return this.#stmts.claim.run(owner, now, runId, owner, now - staleAfterMs).changes === 1;
  }

  async heartbeat(owner: string, now: number): Promise<void> {
    this.#stmts.heartbeat.run(now, owner);
  }

  async requestCancel(runId: string): Promise<void> {
    this.#stmts.requestCancel.run(runId);
  }

  async takeCancelRequests(owner: string): Promise<string[]> {
    const take = this.#db.transaction(() => {
      const ids = this.#stmts.cancelRequests.all(owner) as string[];
      for (const id of ids) this.#stmts.clearCancel.run(id);
      return ids;
    });
    return take.immediate();
  }

  async saveWorkflow(row: Omit<WorkflowRow, 'version'>): Promise<WorkflowRow> {
    const save = this.#db.transaction(() => {
      const version = ((this.#stmts.maxWorkflowVersion.get(row.name) as number | null) ?? 0) + 1;
      this.#stmts.insertWorkflow.run(row.name, version, row.namespace, JSON.stringify(row.spec), row.source, row.createdAt);
      return { ...row, version };
    });
    return save.immediate();
  }

  async getWorkflow(name: string, version?: number): Promise<WorkflowRow | null> {
    const raw = version === undefined ? this.#stmts.getWorkflowLatest.get(name) : this.#stmts.getWorkflowVersion.get(name, version);
    return raw ? workflowFromRaw(raw as any) : null;
  }

  async listWorkflows(): Promise<WorkflowRow[]> {
    return (this.#stmts.listWorkflows.all() as any[]).map(workflowFromRaw);
  }

  async createToken(t: TokenRow): Promise<void> {
    this.#stmts.insertToken.run(t.id, t.hash, t.role, t.namespace, t.name, t.createdAt, t.revokedAt);
  }

  async findToken(hash: string): Promise<TokenRow | null> {
    const raw = this.#stmts.findToken.get(hash);
    return raw ? tokenFromRaw(raw as any) : null;
  }

  async listTokens(): Promise<TokenRow[]> {
    return (this.#stmts.listTokens.all() as any[]).map(tokenFromRaw);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    return this.#stmts.revokeToken.run(at, id).changes === 1;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
