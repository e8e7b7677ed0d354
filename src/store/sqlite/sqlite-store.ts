/**
 * The embedded Store on SQLite through better-sqlite3, in WAL mode.
 *
 * Writes: better-sqlite3 is synchronous. With `writer: 'thread'` (the default for files) every
 * write goes to the process's SQLite writer thread (writer-client.ts), which commits on its own
 * connection: `commit` encodes the batch before it returns (batch-codec.ts: the snapshot — later
 * changes to the rows do not reach the store) and resolves once the transaction is committed, in
 * call order, so the engine pipelines its ticks (`pipelinedCommit`, up to `commitDepth` commits
 * in flight). Until the thread is up (~0.5 s under tsx) writes run inline, so a short-lived
 * process never waits for it. With `writer: 'inline'` (and ':memory:') a commit runs on the
 * caller's thread and is done before its promise exists.
 *
 * Reads run on the main thread's connection (WAL: readers never wait for the writer). Read your
 * writes: a read first waits for every write posted before it, so e.g. `getRun` after an awaited
 * or not-yet-acknowledged `commit` sees that commit.
 *
 * Durability: WAL with synchronous=NORMAL survives a crash of the process (kill -9: the WAL is
 * in the OS's hands) but may lose the last transactions on power loss; `durability: 'full'`
 * sets synchronous=FULL for that. Several processes may share one database file: busy_timeout
 * makes a writer wait for another's transaction instead of failing.
 */
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AttemptRow, EventRow, RunFilter, RunRow, Store, TaskRow, TokenRow, WorkflowRow, WriteBatch } from '../types.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { attemptFromRaw, eventFromRaw, runFromRaw, taskFromRaw, tokenFromRaw, workflowFromRaw } from './rows.js';
import { batchRows, encodeBatch, transferables } from './batch-codec.js';
import { RowIdMap } from './row-id-map.js';
import { ATTEMPT_COLUMNS, callWriter, openConnection, RUN_COLUMNS, SqliteWriter, TASK_COLUMNS, type Durability, type WriterOp } from './sqlite-writer.js';
import { WriterThread } from './writer-client.js';

export interface SqliteStoreOptions {
  /** 'normal' (default): safe against process crashes; 'full': also against power loss. */
  readonly durability?: Durability;
  /**
   * Where writes run: 'thread' (default; files only, ':memory:' is always inline) on the
   * process's writer thread, or 'inline' on the caller's thread. With two commits in flight and
   * the compact batch form the thread runs the engine and the SQL on two cores: 61,000-71,000 vs
   * 52,000-59,000 no-op tasks/s inline (bench/engine/diagnose.ts --size 50000, docs/benchmarks.md
   * session 5). On a machine whose second core is busy it gains nothing.
   */
  readonly writer?: 'thread' | 'inline';
}

const noop = () => undefined;

/**
 * Bigger batches are written inline (after the writes in flight): copying a 1,000,000-task
 * submit to the thread took its peak RSS from 1,361 to 1,831 MiB and submit → first start from
 * ~10 to 42 s (bench/engine/run.ts --memory). 50,000 keeps the benchmark's 20,000-task submit
 * on the thread. (Measured before the compact form; the engine waits for a submit's commit
 * either way, so inline costs it nothing: ~50 ms inline vs ~60 ms through the thread for
 * 20,000 tasks.)
 */
const THREAD_MAX_ROWS = 50_000;

/**
 * A run's attempts (@run; `and`: a further condition, e.g. on task_id): its rows of attempts and
 * the succeeded attempts its task rows hold (migration 3, implicit_attempt), read as rows alike.
 */
const ATTEMPTS_WITH_IMPLICIT = (and: string): string =>
  `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE run_id = @run${and}
   UNION ALL SELECT run_id, task_id, 'run', attempt, 'succeeded', worker, started_at, finished_at, NULL, NULL
   FROM tasks WHERE run_id = @run${and} AND implicit_attempt = 1`;

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #stmts: ReturnType<SqliteStore['prepareStatements']>;
  readonly #path: string;
  readonly #durability: Durability;
  #inline: SqliteWriter | null = null;
  /** The writer thread once this store writes through it; null while writing inline. */
  #thread: WriterThread | null = null;
  #handle = 0;
  readonly #wantThread: boolean;
  /** Writes posted to the thread and not yet acknowledged; the last one's promise. */
  #inFlight = 0;
  #last: Promise<unknown> = Promise.resolve();
  /**
   * Rowids of the task rows this store inserted, by row object, once their commit is done
   * (task-row-ids.ts): their updates go by rowid, inline and through the thread alike.
   */
  readonly #rowIds = new RowIdMap();
  readonly #rowIdOf = (t: TaskRow): number | undefined => this.#rowIds.get(t);

  /**
   * With the writer thread, commits are copied when called and resolve in order: the engine
   * pipelines them. Inline, a commit is done before it returns, so pipelining would only split
   * batches.
   */
  get pipelinedCommit(): boolean {
    return this.#wantThread;
  }

  /**
   * Pipelined commits that may be in flight at once (commit-pipeline.ts): the thread commits
   * them one after the other, in call order, so two let the engine work on one group of tasks
   * while the other group's commit is written. 1 while writing inline (the thread not up yet).
   */
  get commitDepth(): number {
    return this.#thread !== null ? 2 : 1;
  }

  /** `path` is a file path or ':memory:'. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#path = path;
    this.#durability = options.durability ?? 'normal';
    this.#wantThread = path !== ':memory:' && (options.writer ?? 'thread') === 'thread';
    this.#db = openConnection(path, this.#durability);
    this.#migrateSync();
    this.#stmts = this.prepareStatements();
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
      specParts: db.prepare('SELECT tasks FROM run_spec_tasks WHERE run_id = ? ORDER BY part').pluck(),
      getRun: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
      getTasks: db.prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = ? ORDER BY id`),
      getAttempts: db.prepare(`${ATTEMPTS_WITH_IMPLICIT('')} ORDER BY task_id, kind, attempt`),
      getTaskAttempts: db.prepare(`${ATTEMPTS_WITH_IMPLICIT(' AND task_id = @task')} ORDER BY kind, attempt`),
      getEvents: db.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY id'),
      unfinished: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE state IN ('running', 'compensating') ORDER BY created_at`),
      getWorkflowLatest: db.prepare('SELECT * FROM workflows WHERE name = ? ORDER BY version DESC LIMIT 1'),
      getWorkflowVersion: db.prepare('SELECT * FROM workflows WHERE name = ? AND version = ?'),
      listWorkflows: db.prepare(
        'SELECT w.* FROM workflows w JOIN (SELECT name, MAX(version) v FROM workflows GROUP BY name) m ON w.name = m.name AND w.version = m.v ORDER BY w.name',
      ),
      findToken: db.prepare('SELECT * FROM tokens WHERE hash = ?'),
      listTokens: db.prepare('SELECT * FROM tokens ORDER BY created_at, id'),
    };
  }

  /**
   * Starts the writer thread now and resolves once writes go through it (benchmarks call this
   * before timing). Without it the thread starts on the first write.
   */
  async startWriter(): Promise<boolean> {
    if (!this.#wantThread || !this.#db.open) return false;
    const t = WriterThread.shared();
    await t.whenReady();
    return this.#useThread();
  }

  /** True when writes go to the thread (opening this store's connection there on first use). */
  #useThread(): boolean {
    if (this.#thread !== null) {
      if (this.#thread.usable) return true;
      this.#thread = null; // it died: the writes in flight were rejected; inline until a new thread is up
      return false;
    }
    if (!this.#wantThread || !this.#db.open) return false;
    const t = WriterThread.shared();
    if (!t.usable) return false;
    this.#thread = t;
    this.#handle = t.newHandle();
    void this.#track(t.request({ kind: 'open', handle: this.#handle, path: this.#path, durability: this.#durability })).catch(noop);
    return true;
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight++;
    this.#last = p;
    const done = () => void this.#inFlight--;
    p.then(done, done);
    return p;
  }

  /** Runs a write op on the thread, or inline (a rejected promise on failure either way). */
  #write<T>(op: WriterOp, args: unknown[]): Promise<T> {
    // Only a commit starts the thread: a CLI command that makes one small write (cancel, token)
    // and exits does not pay for starting it. Before this store's first commit through the
    // thread nothing of it is in flight there, so writing inline keeps the order.
    if (this.#thread !== null && this.#useThread()) return this.#track(this.#thread!.request({ kind: 'call', handle: this.#handle, op, args }) as Promise<T>);
    try {
      this.#inline ??= new SqliteWriter(this.#db, this.#rowIds);
      return Promise.resolve(callWriter(this.#inline, op, args) as T);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Waits for every write posted so far (read your writes); free when none is in flight. */
  #settled(): Promise<unknown> | null {
    return this.#inFlight === 0 ? null : this.#last.then(noop, noop);
  }

  async migrate(): Promise<void> {
    await this.#settled();
    this.#migrateSync();
  }

  commit(batch: WriteBatch): Promise<void> {
    const rows = batchRows(batch);
    if (rows === 0) return this.#afterWrites();
    if (rows <= THREAD_MAX_ROWS && this.#useThread()) {
      let encoded;
      try {
        encoded = encodeBatch(batch, this.#rowIdOf);
      } catch (err) {
        return Promise.reject(err);
      }
      const reply = this.#thread!.request({ kind: 'call', handle: this.#handle, op: 'commit', args: [encoded] }, transferables(encoded));
      const inserted = batch.newTasks;
      // Committed: the new rows' rowids are the reply + 1.. in order (sqlite-writer.ts commit).
      return this.#track(inserted.length === 0 ? (reply as Promise<void>) : reply.then((base) => this.#recordRowIds(inserted, base as number)));
    }
    try {
      // Inline (a huge batch, or no thread): after every write posted before it, bound 64 rows at a time.
      this.#thread?.drainSync();
      this.#inline ??= new SqliteWriter(this.#db, this.#rowIds);
      this.#inline.commitRows(batch);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#afterWrites();
  }

  #recordRowIds(rows: readonly TaskRow[], base: number): void {
    for (let i = 0; i < rows.length; i++) this.#rowIds.set(rows[i]!, base + 1 + i);
  }

  /** Resolves after every write posted so far has resolved (commits resolve in call order). */
  #afterWrites(): Promise<void> {
    return this.#inFlight === 0 ? Promise.resolve() : this.#last.then(noop, noop);
  }

  async getRun(id: string): Promise<RunRow | null> {
    await this.#settled();
    const raw = this.#stmts.getRun.get(id);
    return raw ? this.#run(raw) : null;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRow[]> {
    await this.#settled();
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
    await this.#settled();
    return (this.#stmts.getTasks.all(runId) as any[]).map(taskFromRaw);
  }

  async getAttempts(runId: string, taskId?: string): Promise<AttemptRow[]> {
    await this.#settled();
    const rows = taskId === undefined ? this.#stmts.getAttempts.all({ run: runId }) : this.#stmts.getTaskAttempts.all({ run: runId, task: taskId });
    return (rows as any[]).map(attemptFromRaw);
  }

  async getEvents(runId: string): Promise<EventRow[]> {
    await this.#settled();
    return (this.#stmts.getEvents.all(runId) as any[]).map(eventFromRaw);
  }

  async unfinishedRuns(): Promise<RunRow[]> {
    await this.#settled();
    return (this.#stmts.unfinished.all() as any[]).map((r) => this.#run(r));
  }

  claimRun(runId: string, owner: string, now: number, staleAfterMs: number): Promise<boolean> {
    return this.#write('claimRun', [runId, owner, now, staleAfterMs]);
  }

  heartbeat(owner: string, now: number): Promise<void> {
    return this.#write('heartbeat', [owner, now]);
  }

  requestCancel(runId: string): Promise<void> {
    return this.#write('requestCancel', [runId]);
  }

  takeCancelRequests(owner: string): Promise<string[]> {
    return this.#write('takeCancelRequests', [owner]);
  }

  saveWorkflow(row: Omit<WorkflowRow, 'version'>): Promise<WorkflowRow> {
    return this.#write('saveWorkflow', [row]);
  }

  async getWorkflow(name: string, version?: number): Promise<WorkflowRow | null> {
    await this.#settled();
    const raw = version === undefined ? this.#stmts.getWorkflowLatest.get(name) : this.#stmts.getWorkflowVersion.get(name, version);
    return raw ? workflowFromRaw(raw as any) : null;
  }

  async listWorkflows(): Promise<WorkflowRow[]> {
    await this.#settled();
    return (this.#stmts.listWorkflows.all() as any[]).map(workflowFromRaw);
  }

  createToken(t: TokenRow): Promise<void> {
    return this.#write('createToken', [t]);
  }

  async findToken(hash: string): Promise<TokenRow | null> {
    await this.#settled();
    const raw = this.#stmts.findToken.get(hash);
    return raw ? tokenFromRaw(raw as any) : null;
  }

  async listTokens(): Promise<TokenRow[]> {
    await this.#settled();
    return (this.#stmts.listTokens.all() as any[]).map(tokenFromRaw);
  }

  revokeToken(id: string, at: number): Promise<boolean> {
    return this.#write('revokeToken', [id, at]);
  }

  deleteFinishedRuns(finishedBefore: number, limit: number): Promise<string[]> {
    return this.#write('deleteFinishedRuns', [finishedBefore, limit]);
  }

  /** Waits for every posted write, closes this store's connection on the writer thread, then its own. */
  async close(): Promise<void> {
    await this.#settled();
    const t = this.#thread;
    if (t !== null && t.usable) {
      this.#thread = null;
      await t.request({ kind: 'close', handle: this.#handle }).catch(noop);
    }
    if (this.#db.open) this.#db.close();
  }
}
