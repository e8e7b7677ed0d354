/**
 * The production Store on PostgreSQL through `pg`. Construct with a connection string (the store
 * owns its pool) or a caller's pool, then `migrate()` (or use `PostgresStore.open`, which does
 * both). See docs/operations.md, "PostgreSQL store".
 *
 * Invariants:
 * - `commit` writes a batch in ONE transaction (write-batch.ts) — the steady-state tick of a fleet
 *   engine as one statement, atomic on its own (`oneStatement`); commits are applied in call
 *   order, like the embedded store's synchronous ones, even when callers do not await each other.
 * - `getTasks` reads the tasks table with the run's task log overlaid (task-log.ts): the
 *   steady-state tick writes its task updates (dispatches and results) as one log row instead of
 *   one upsert per task, and a finished run keeps its last log rows.
 * - Every other operation is a single statement (atomic on its own): claimRun is a conditional
 *   UPDATE (the row lock makes concurrent claimers see each other), takeCancelRequests an UPDATE
 *   ... RETURNING, saveWorkflow an INSERT ... SELECT max + 1 retried on a version collision.
 */
import type { AttemptRow, EventRow, LeaderLease, RunFilter, RunRow, Store, TaskRow, TokenRow, WorkflowRow, WriteBatch } from '../types.js';
import { PostgresLeaderLease } from './leader-lease.js';
import { migrate, type SearchMode } from './migrations.js';
import { resolveOptions, type PostgresStoreOptions, type ResolvedOptions } from './options.js';
import { attemptFromRaw, eventFromRaw, runFromRaw, taskFromRaw, tokenFromRaw, workflowFromRaw } from './rows.js';
import { query, sqlState, transaction } from './sql.js';
import { BatchStatements, prepareBatch, runStatements } from './write-batch.js';
import { deleteFinishedRuns, deleteFinishedRunsSql } from './retention.js';
import { overlayLog } from './task-log.js';

export type { PostgresStoreOptions } from './options.js';

const RUN_COLUMNS =
  'id, workflow, namespace, priority, state, params, spec, labels, created_at, started_at, finished_at, deadline_at, error, owner, owner_seen_at, paused';
const TASK_COLUMNS =
  'run_id, task_id, spec_id, item_index, item, state, attempt, ready_at, started_at, finished_at, retry_at, worker, outputs, error, reason, done_seq';
const ATTEMPT_COLUMNS = 'run_id, task_id, kind, attempt, status, worker, started_at, finished_at, exit_code, error';
const WORKFLOW_COLUMNS = 'name, version, namespace, spec, source, created_at';
const TOKEN_COLUMNS = 'id, hash, role, namespace, name, created_at, revoked_at';
/** Attempts of saveWorkflow when concurrent saves of one name collide on the next version. */
const SAVE_WORKFLOW_TRIES = 100;

export class PostgresStore implements Store {
  readonly #o: ResolvedOptions;
  readonly #batch: BatchStatements;
  readonly #sql: ReturnType<typeof statements>;
  #commits: Promise<void> = Promise.resolve();
  /** Task-log rows and tuples appended per run since its last fold (task-log.ts `foldLog`). */
  readonly #logRows = new Map<string, { rows: number; tuples: number }>();
  #search: SearchMode | null = null;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    this.#o = resolveOptions(options);
    this.#batch = new BatchStatements(this.#o);
    this.#sql = statements(this.#o.s);
  }

  /** A store on `options`, migrated. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  /** How run search executes: 'trigram' (GIN index) or 'ilike' (no index); null before migrate(). */
  get searchMode(): SearchMode | null {
    return this.#search;
  }

  /** The schema holding the tables. */
  get schema(): string {
    return this.#o.schema;
  }

  async migrate(): Promise<void> {
    this.#search = await migrate(this.#o);
  }

  /**
   * Commits copy the batch when called (`prepareBatch` serialises every row synchronously) and
   * apply in call order: the engine pipelines its ticks (store/types.ts), in embedded and remote
   * mode alike.
   */
  get pipelinedCommit(): boolean {
    return true;
  }

  commit(batch: WriteBatch): Promise<void> {
    let prepared: ReturnType<typeof prepareBatch>;
    try {
      prepared = prepareBatch(this.#batch, batch);
    } catch (e) {
      return Promise.reject(e);
    }
    const { one, statements, logged, finished } = prepared;
    const done = this.#commits.then(async () => {
      if (one) await query(this.#o.pool, statements[0]!.text, statements[0]!.values, statements[0]!.name);
      else if (statements.length > 0) await transaction(this.#o.pool, (c) => runStatements(c, statements));
    });
    let chain: Promise<unknown> = done;
    for (const id of finished) this.#logRows.delete(id);
    for (const { runId, tuples } of logged) {
      let n = this.#logRows.get(runId);
      if (n === undefined) this.#logRows.set(runId, (n = { rows: 0, tuples: 0 }));
      n.rows++;
      n.tuples += tuples;
      if (n.rows >= this.#o.logFoldRows || n.tuples >= this.#o.logFoldTuples) {
        this.#logRows.delete(runId);
        // After this commit, before the next: a failed fold leaves the log as it was (still read).
        const fold = this.#batch.foldLog;
        chain = chain.then(() => query(this.#o.pool, fold.text, [runId], fold.name).catch((e: unknown) =>
          this.#o.log(`kairos store: folding the task log of run ${runId} failed (retried later): ${(e as Error).message}`)));
      }
    }
    this.#commits = chain.then(() => undefined, () => undefined);
    return done;
  }

  async getRun(id: string): Promise<RunRow | null> {
    const r = await query(this.#o.pool, this.#sql.getRun, [id]);
    return r.rowCount === 0 ? null : runFromRaw(r.rows[0]);
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (cond: string, v: unknown) => (args.push(v), where.push(cond.replace('?', `$${args.length}`)));
    if (filter.state) add('state = ?', filter.state);
    if (filter.namespace) add('namespace = ?', filter.namespace);
    if (filter.workflow) add('workflow = ?', filter.workflow);
    if (filter.priority !== undefined) add('priority = ?', filter.priority);
    if (filter.since !== undefined) add('created_at >= ?', filter.since);
    if (filter.search) {
      if (filter.search.includes('\0')) return []; // stored text never holds NUL
      // Backslash is ILIKE's default escape character.
      add('search_text ILIKE ?', `%${filter.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
    }
    args.push(filter.limit ?? 100);
    // The spec parts are fetched for the page's rows only (after LIMIT).
    const page = `SELECT ${RUN_COLUMNS} FROM ${this.#o.s}.runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY created_at DESC, id DESC LIMIT $${args.length}`;
    const r = await query(this.#o.pool, `SELECT r.*, ${this.#sql.parts} FROM (${page}) r ORDER BY created_at DESC, id DESC`, args);
    return r.rows.map(runFromRaw);
  }

  /**
   * The run's task rows with the newer entries of its transition log applied (task-log.ts); rows
   * and log in one statement, so one snapshot.
   */
  async getTasks(runId: string): Promise<TaskRow[]> {
    const all = (await query(this.#o.pool, this.#sql.getTasks, [runId])).rows;
    const first = all.findIndex((r) => r.k === 1);
    if (first < 0) return all.map(taskFromRaw);
    const logs = all.slice(first).map((r) => ({ id: r.sort_id as number, tuples: r.tuples as string, base: r.log_base as number }));
    return overlayLog(all.slice(0, first), taskFromRaw, runId, logs);
  }

  async getAttempts(runId: string, taskId?: string): Promise<AttemptRow[]> {
    const r = taskId === undefined
      ? await query(this.#o.pool, this.#sql.getAttempts, [runId])
      : await query(this.#o.pool, this.#sql.getTaskAttempts, [runId, taskId, JSON.stringify(taskId)]);
    return r.rows.map(attemptFromRaw);
  }

  async getEvents(runId: string): Promise<EventRow[]> {
    return (await query(this.#o.pool, this.#sql.getEvents, [runId])).rows.map(eventFromRaw);
  }

  deleteFinishedRuns(finishedBefore: number, limit: number): Promise<string[]> {
    return deleteFinishedRuns(this.#o.pool, this.#sql.deleteFinishedRuns, finishedBefore, limit);
  }

  async unfinishedRuns(): Promise<RunRow[]> {
    return (await query(this.#o.pool, this.#sql.unfinished)).rows.map(runFromRaw);
  }

  async claimRun(runId: string, owner: string, now: number, staleAfterMs: number): Promise<boolean> {
    return (await query(this.#o.pool, this.#sql.claim, [owner, now, runId, now - staleAfterMs])).rowCount === 1;
  }

  async heartbeat(owner: string, now: number): Promise<void> {
    await query(this.#o.pool, this.#sql.heartbeat, [now, owner]);
  }

  async requestCancel(runId: string): Promise<void> {
    await query(this.#o.pool, this.#sql.requestCancel, [runId]);
  }

  async takeCancelRequests(owner: string): Promise<string[]> {
    return (await query(this.#o.pool, this.#sql.takeCancel, [owner])).rows.map((r) => r.id as string);
  }

  async saveWorkflow(row: Omit<WorkflowRow, 'version'>): Promise<WorkflowRow> {
    const args = [row.name, row.namespace, JSON.stringify(row.spec), row.source, row.createdAt];
    for (let i = 1; ; i++) {
      try {
        const r = await query(this.#o.pool, this.#sql.saveWorkflow, args);
        return { ...row, version: r.rows[0].version as number };
      } catch (e) {
        // 23505: a concurrent save took the same version; the next try reads the new maximum.
        if (sqlState(e) !== '23505' || i >= SAVE_WORKFLOW_TRIES) throw e;
      }
    }
  }

  async getWorkflow(name: string, version?: number): Promise<WorkflowRow | null> {
    const r = version === undefined
      ? await query(this.#o.pool, this.#sql.getWorkflowLatest, [name])
      : await query(this.#o.pool, this.#sql.getWorkflowVersion, [name, version]);
    return r.rowCount === 0 ? null : workflowFromRaw(r.rows[0]);
  }

  async listWorkflows(): Promise<WorkflowRow[]> {
    return (await query(this.#o.pool, this.#sql.listWorkflows)).rows.map(workflowFromRaw);
  }

  async createToken(t: TokenRow): Promise<void> {
    await query(this.#o.pool, this.#sql.insertToken, [t.id, t.hash, t.role, t.namespace, t.name, t.createdAt, t.revokedAt]);
  }

  async findToken(hash: string): Promise<TokenRow | null> {
    const r = await query(this.#o.pool, this.#sql.findToken, [hash]);
    return r.rowCount === 0 ? null : tokenFromRaw(r.rows[0]);
  }

  async listTokens(): Promise<TokenRow[]> {
    return (await query(this.#o.pool, this.#sql.listTokens)).rows.map(tokenFromRaw);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    return (await query(this.#o.pool, this.#sql.revokeToken, [at, id])).rowCount === 1;
  }

  /** Waits for pending commits, then ends the pool if the store opened it. Idempotent. */
  /** A new lease handle on this database and schema (one per server process). */
  leaderLease(): LeaderLease {
    return new PostgresLeaderLease({ pool: this.#o.pool, schema: this.#o.schema, log: this.#o.log });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commits;
    if (this.#o.ownsPool) await this.#o.pool.end();
  }
}

/**
 * A run's attempt rows (`and`: a further condition on task_id) from the table and its log rows,
 * with their order keys. `logAnd`: a condition on a log row's text — for one task's attempts,
 * `strpos(l.attempts, $3) > 0` with $3 the task id as JSON.stringify writes it (so in every tuple
 * of that task): the rows without it are not parsed (a finished 20,000-task run, one task's
 * attempts: ~13 ms wall without this prefilter, ~1.7 from the table alone; bench/fleet/pg-reads.ts).
 */
function attempts(s: string, and: string, logAnd = ''): string {
  // A log tuple's run id is its row's, its times offsets from the row's base (task-log.ts).
  const log = `l.run_id AS run_id, (e->>1) COLLATE "C" AS task_id, (e->>2) COLLATE "C" AS kind, (e->>3)::int4 AS attempt, e->>4 AS status,
    e->>5 AS worker, (l.base + (e->>6)::int8) AS started_at, (l.base + (e->>7)::int8) AS finished_at, (e->>8)::int4 AS exit_code, e->>9 AS error`;
  return `SELECT ${ATTEMPT_COLUMNS} FROM (
      SELECT ${ATTEMPT_COLUMNS}, log_seq AS k1, 1 AS k2, id AS k3 FROM ${s}.attempts WHERE run_id = $1${and}
      UNION ALL SELECT * FROM (SELECT ${log}, l.id AS k1, 0 AS k2, x.ord AS k3
        FROM ${s}.task_log l, jsonb_array_elements(l.attempts::jsonb) WITH ORDINALITY AS x(e, ord)
        WHERE l.run_id = $1 AND l.attempts IS NOT NULL${logAnd}) g WHERE true${and}) a`;
}

function statements(s: string) {
  // A run's spec tasks, as the JSON texts of its parts in order (r is the runs row).
  const parts = `ARRAY(SELECT p.tasks::text FROM ${s}.run_spec_tasks p WHERE p.run_id = r.id ORDER BY p.part) AS parts`;
  return {
    parts,
    getRun: `SELECT ${RUN_COLUMNS}, ${parts} FROM ${s}.runs r WHERE id = $1`,
    unfinished: `SELECT ${RUN_COLUMNS}, ${parts} FROM ${s}.runs r WHERE state IN ('running', 'compensating') ORDER BY created_at, id`,
    // Task rows (k = 0) in id order, then the run's log rows (k = 1) in id order (task-log.ts).
    getTasks: `SELECT 0 AS k, id AS sort_id, ${TASK_COLUMNS}, log_seq, NULL::text AS tuples, NULL::int8 AS log_base FROM ${s}.tasks WHERE run_id = $1
      UNION ALL SELECT 1, id, ${TASK_COLUMNS.split(',').map(() => 'NULL').join(', ')}, NULL, tuples, base FROM ${s}.task_log WHERE run_id = $1
      ORDER BY k, sort_id`,
    // The table's attempt rows and those kept in the run's log rows (task-log.ts), in the order
    // they were written: (log_seq, 1, id) for a table row, (log row id, 0, position) for a logged one.
    getAttempts: `${attempts(s, '')} ORDER BY task_id, kind, attempt, k1, k2, k3`,
    getTaskAttempts: `${attempts(s, ' AND task_id = $2', ' AND strpos(l.attempts, $3) > 0')} ORDER BY kind, attempt, k1, k2, k3`,
    getEvents: `SELECT run_id, task_id, at, type, data FROM ${s}.events WHERE run_id = $1 ORDER BY id`,
    claim: `UPDATE ${s}.runs SET owner = $1, owner_seen_at = $2
      WHERE id = $3 AND (owner IS NULL OR owner = $1 OR owner_seen_at IS NULL OR owner_seen_at < $4)`,
    heartbeat: `UPDATE ${s}.runs SET owner_seen_at = $1 WHERE owner = $2 AND state IN ('running', 'compensating')`,
    requestCancel: `UPDATE ${s}.runs SET cancel_requested = true WHERE id = $1`,
    takeCancel: `WITH taken AS (UPDATE ${s}.runs SET cancel_requested = false WHERE owner = $1 AND cancel_requested RETURNING id, created_at)
      SELECT id FROM taken ORDER BY created_at, id`,
    saveWorkflow: `INSERT INTO ${s}.workflows (${WORKFLOW_COLUMNS})
      SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3::json, $4, $5 FROM ${s}.workflows WHERE name = $1 RETURNING version`,
    getWorkflowLatest: `SELECT ${WORKFLOW_COLUMNS} FROM ${s}.workflows WHERE name = $1 ORDER BY version DESC LIMIT 1`,
    getWorkflowVersion: `SELECT ${WORKFLOW_COLUMNS} FROM ${s}.workflows WHERE name = $1 AND version = $2`,
    listWorkflows: `SELECT DISTINCT ON (name) ${WORKFLOW_COLUMNS} FROM ${s}.workflows ORDER BY name, version DESC`,
    insertToken: `INSERT INTO ${s}.tokens (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    findToken: `SELECT ${TOKEN_COLUMNS} FROM ${s}.tokens WHERE hash = $1`,
    listTokens: `SELECT ${TOKEN_COLUMNS} FROM ${s}.tokens ORDER BY created_at, id`,
    revokeToken: `UPDATE ${s}.tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`,
    deleteFinishedRuns: deleteFinishedRunsSql(s),
  };
}
