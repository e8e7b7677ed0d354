/**
 * SQLite schema, as an ordered list of migrations. A migration never changes once released: add
 * a new one. `schema_migrations` records what was applied, so `migrate()` is idempotent.
 */
export const SQLITE_MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE workflows (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        namespace TEXT NOT NULL,
        spec TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (name, version)
      );
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        namespace TEXT NOT NULL,
        priority REAL NOT NULL,
        state TEXT NOT NULL,
        params TEXT NOT NULL,
        spec TEXT NOT NULL,
        labels TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        deadline_at INTEGER,
        error TEXT,
        owner TEXT,
        owner_seen_at INTEGER,
        paused INTEGER NOT NULL DEFAULT 0,
        cancel_requested INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX runs_state ON runs(state);
      -- A run's task specs, in parts of RUN_SPEC_PART tasks: the runs row keeps the spec without
      -- its tasks, so a 1,000,000-task run never builds one 300 MB JSON string.
      CREATE TABLE run_spec_tasks (
        run_id TEXT NOT NULL,
        part INTEGER NOT NULL,
        tasks TEXT NOT NULL,
        PRIMARY KEY (run_id, part)
      );
      CREATE INDEX runs_created ON runs(created_at);
      -- Rowid tables with secondary keys, not WITHOUT ROWID on text keys: a tick updates the tasks
      -- that were dispatched together, which were inserted together, so their rows share pages
      -- and a commit writes few pages to the WAL. The unique key is only read on update.
      CREATE TABLE tasks (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        spec_id TEXT,
        item_index INTEGER,
        item TEXT,
        state TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        ready_at INTEGER,
        started_at INTEGER,
        finished_at INTEGER,
        retry_at INTEGER,
        worker TEXT,
        outputs TEXT,
        error TEXT,
        reason TEXT,
        done_seq INTEGER,
        UNIQUE (run_id, task_id)
      );
      -- One row per finished attempt, appended in completion order (the engine writes an attempt
      -- once, when it ends); indexed by run only, so appends stay sequential.
      CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        worker TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        exit_code INTEGER,
        error TEXT
      );
      CREATE INDEX attempts_run ON attempts(run_id);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        task_id TEXT,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        data TEXT
      );
      CREATE INDEX events_run ON events(run_id, id);
    `,
  },
  {
    version: 2,
    name: 'api tokens',
    sql: `
      -- API bearer tokens: only the SHA-256 of each token is kept (hex), never the token.
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        namespace TEXT,
        name TEXT,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
    `,
  },
  {
    version: 3,
    name: 'implicit succeeded attempts',
    sql: `
      -- A task's succeeded attempt may live in its task row instead of a row of attempts: a
      -- function or HTTP attempt that succeeded (no exit code, no error) and ended the task, whose
      -- attempt number, worker and times are the row's. implicit_attempt = 1 marks it; reads add
      -- it to the task's attempts (sqlite-store.ts getAttempts). An attempt row was a quarter of
      -- the rows a no-op task writes; without them the writer spends 10-12% less CPU (docs/benchmarks.md, session 9).
      ALTER TABLE tasks ADD COLUMN implicit_attempt INTEGER NOT NULL DEFAULT 0;
      -- Any write of the row that does not keep the mark (the task reset by kairos retry,
      -- compensated, or written by a path that never leaves attempts implicit) first turns the
      -- implicit attempt into a row of attempts, from the row as it was: no attempt is lost.
      CREATE TRIGGER tasks_implicit_attempt_kept AFTER UPDATE OF implicit_attempt ON tasks
        WHEN OLD.implicit_attempt = 1 AND NEW.implicit_attempt = 0
      BEGIN
        INSERT INTO attempts (run_id, task_id, kind, attempt, status, worker, started_at, finished_at, exit_code, error)
        VALUES (OLD.run_id, OLD.task_id, 'run', OLD.attempt, 'succeeded', OLD.worker, OLD.started_at, OLD.finished_at, NULL, NULL);
      END;
    `,
  },
  {
    version: 4,
    name: 'runs by end time (history retention)',
    sql: `
      -- History retention (retention.ts) deletes the runs that ended longest ago, a few at a time.
      CREATE INDEX runs_finished ON runs(finished_at);
    `,
  },
];
