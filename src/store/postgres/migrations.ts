/**
 * PostgreSQL schema, as an ordered list of migrations (the same tables as SQLite's, in PostgreSQL
 * types). A migration never changes once released: add a new one. `schema_migrations` records
 * what was applied.
 *
 * `migrate()` runs in ONE transaction that first takes a transaction-scoped advisory lock for the
 * schema (pg_advisory_xact_lock), so processes starting together migrate one after the other and
 * each sees what the previous one committed; a failed migration leaves nothing half-applied.
 *
 * Partial-string search of runs reads `runs.search_text` (id, workflow and label values, computed
 * when the run is inserted). Where pg_trgm can be created, a GIN trigram index makes ILIKE on it
 * an index scan; where it cannot (a common managed-PostgreSQL restriction), the store logs one
 * line and the same ILIKE runs as a sequential scan. That step is retried on every start, so
 * installing the extension later and restarting builds the index.
 */
import type pg from 'pg';
import type { ResolvedOptions } from './options.js';
import { LOCK_CLASS, query, transaction } from './sql.js';

export interface PgMigration {
  readonly version: number;
  readonly name: string;
  /** The SQL, given the quoted schema name to qualify tables with. */
  readonly sql: (s: string) => string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'initial',
    // Keys and the columns ordered by are COLLATE "C": byte order, as in SQLite, whatever the
    // database's locale, and cheaper b-tree comparisons. Times are milliseconds (bigint).
    sql: (s) => `
      CREATE TABLE ${s}.workflows (
        name text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        namespace text NOT NULL,
        spec json NOT NULL,
        source text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (name, version)
      );
      CREATE TABLE ${s}.runs (
        id text COLLATE "C" PRIMARY KEY,
        workflow text NOT NULL,
        namespace text NOT NULL,
        priority double precision NOT NULL,
        state text NOT NULL,
        params json NOT NULL,
        spec json NOT NULL,
        labels json NOT NULL,
        search_text text NOT NULL,
        created_at bigint NOT NULL,
        started_at bigint,
        finished_at bigint,
        deadline_at bigint,
        error text,
        owner text,
        owner_seen_at bigint,
        paused boolean NOT NULL DEFAULT false,
        cancel_requested boolean NOT NULL DEFAULT false
      );
      CREATE INDEX runs_created ON ${s}.runs (created_at, id);
      CREATE INDEX runs_unfinished ON ${s}.runs (created_at) WHERE state IN ('running', 'compensating');
      CREATE INDEX runs_owner ON ${s}.runs (owner) WHERE owner IS NOT NULL;
      -- A run's task specs in parts (see RUN_SPEC_PART): the runs row keeps the spec without tasks.
      CREATE TABLE ${s}.run_spec_tasks (
        run_id text COLLATE "C" NOT NULL,
        part integer NOT NULL,
        tasks json NOT NULL,
        PRIMARY KEY (run_id, part)
      );
      -- id keeps insertion order (getTasks returns tasks in the order they were created).
      CREATE TABLE ${s}.tasks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL,
        task_id text COLLATE "C" NOT NULL,
        spec_id text,
        item_index integer,
        item json,
        state text NOT NULL,
        attempt integer NOT NULL,
        ready_at bigint,
        started_at bigint,
        finished_at bigint,
        retry_at bigint,
        worker text,
        outputs json,
        error text,
        reason json,
        done_seq integer,
        UNIQUE (run_id, task_id)
      );
      CREATE TABLE ${s}.attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL,
        task_id text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        attempt integer NOT NULL,
        status text NOT NULL,
        worker text,
        started_at bigint NOT NULL,
        finished_at bigint,
        exit_code integer,
        error text
      );
      CREATE INDEX attempts_run ON ${s}.attempts (run_id);
      CREATE TABLE ${s}.events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL,
        task_id text,
        at bigint NOT NULL,
        type text NOT NULL,
        data json
      );
      CREATE INDEX events_run ON ${s}.events (run_id, id);
    `,
  },
  {
    version: 2,
    name: 'api tokens',
    // API bearer tokens: only the SHA-256 of each token is kept (hex), never the token.
    sql: (s) => `
      CREATE TABLE ${s}.tokens (
        id text COLLATE "C" PRIMARY KEY,
        hash text COLLATE "C" NOT NULL UNIQUE,
        role text NOT NULL,
        namespace text,
        name text,
        created_at bigint NOT NULL,
        revoked_at bigint
      );
    `,
  },
  {
    // Each task row is updated twice after its insert (dispatched, then finished). With full
    // pages every update wrote a new row version on another page and new entries in both of the
    // table's indexes; with half-empty pages the new version stays on its page as a HOT update
    // (no index entries; the old version pruned in place). bench/fleet/pg-writes.ts: 81% of task
    // updates HOT instead of 5%, PostgreSQL's CPU per remote task 66 -> 52 µs (medians of 3). New
    // pages only: the tables of an upgraded database change as they grow.
    version: 3,
    name: 'tasks fillfactor 50 (HOT updates)',
    sql: (s) => `ALTER TABLE ${s}.tasks SET (fillfactor = 50);`,
  },
  {
    // Nothing looks a task or an attempt up by its `id` (reads filter by run and sort; the id
    // columns stay, giving insertion order), yet each index cost a b-tree insert per row: without
    // them PostgreSQL's CPU per remote task 28.0 -> 24.5 µs (bench/fleet/pg-writes.ts, medians of
    // 6 alternating rounds; docs/benchmarks.md, "2026-11-24 session 4"). A task's key stays
    // UNIQUE (run_id, task_id), both NOT NULL (what upserts conflict on). Attempts are only ever
    // inserted, never updated or deleted by key.
    version: 4,
    name: 'no id indexes on tasks and attempts',
    sql: (s) => `
      ALTER TABLE ${s}.tasks DROP CONSTRAINT tasks_pkey;
      ALTER TABLE ${s}.attempts DROP CONSTRAINT attempts_pkey;`,
  },
  {
    // The write-ahead of a tick's dispatches as ONE row (task-log.ts): `task_log` holds the task
    // tuples of `running`/`dispatched` transitions, `tasks.log_seq` the log sequence's value when
    // the row was last written, so a read overlays only log entries newer than the row.
    version: 5,
    name: 'task transition log',
    sql: (s) => `
      CREATE TABLE ${s}.task_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL,
        tuples text NOT NULL
      );
      CREATE INDEX task_log_run ON ${s}.task_log (run_id, id);
      ALTER TABLE ${s}.tasks ADD COLUMN log_seq bigint NOT NULL DEFAULT 0;`,
  },
  {
    // A steady-state tick's attempt rows of one run travel in its task_log row too (`attempts`:
    // their tuples' JSON as text; an insert per attempt was ~2.5 µs of PostgreSQL's CPU per remote
    // task, bench/fleet/pg-phases.ts). `attempts.log_seq` orders the table's rows among the log's
    // (task-log.ts): rows written before this migration keep 0, before every log row.
    version: 6,
    name: 'attempts in the task log',
    sql: (s) => `
      ALTER TABLE ${s}.task_log ADD COLUMN attempts text;
      ALTER TABLE ${s}.attempts ADD COLUMN log_seq bigint NOT NULL DEFAULT 0;`,
  },
  {
    // A log row's tuples give times as offsets from its `base` and leave out the run id (rows.ts
    // `logTaskTuple`): a third less text for the engine to build, send and PostgreSQL to store.
    // Rows written before (and by an older release) keep the default 0 and their absolute times:
    // every reader computes base + offset and takes the run id from the row, so both read alike.
    // An older release cannot read the new rows: no mixed-release fleet across this migration.
    version: 7,
    name: 'task log times relative to a base',
    sql: (s) => `ALTER TABLE ${s}.task_log ADD COLUMN base bigint NOT NULL DEFAULT 0;`,
  },
  {
    // History retention (retention.ts) deletes the runs that ended longest ago, a few at a time.
    // On a large existing table the index is built under the migration lock (time not measured).
    version: 8,
    name: 'runs by end time (history retention)',
    sql: (s) => `CREATE INDEX runs_finished ON ${s}.runs (finished_at);`,
  },
];

/** Second key of the migration lock of one schema is the schema's hash; this one guards pg_trgm. */
const EXTENSION_LOCK = 0;

export type SearchMode = 'trigram' | 'ilike';

/** Applies every pending migration, then the optional trigram index; returns the search mode. */
export async function migrate(o: ResolvedOptions): Promise<SearchMode> {
  return transaction(o.pool, async (c) => {
    await query(c, 'SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, o.key]);
    // Checked first: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when it exists.
    const exists = await query(c, 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [o.schema]);
    if (exists.rowCount === 0) await c.query(`CREATE SCHEMA ${o.s}`);
    await c.query(`CREATE TABLE IF NOT EXISTS ${o.s}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await query(c, `SELECT version FROM ${o.s}.schema_migrations`)).rows.map((r) => r.version as number));
    for (const m of PG_MIGRATIONS) {
      if (done.has(m.version)) continue;
      await c.query(m.sql(o.s));
      await query(c, `INSERT INTO ${o.s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    }
    await lz4Columns(c, o);
    return trigramIndex(c, o);
  });
}

/**
 * Large text written once and read rarely, compressed with lz4 instead of the default pglz:
 * a steady tick's task-log row (~170 kB of tuples for 2,048 task updates) took 1.3 ms to insert
 * with pglz against 0.6 ms with lz4 (35% larger on disk; bench/fleet/log-compression.ts), on the
 * commit every dispatch waits for (issue 6, session 12). Where the server cannot (PostgreSQL
 * before 14, built without lz4, or a role that does not own the tables), the columns keep pglz
 * and a log line says so — start-up never fails on it. Checked at every start (a catalog read),
 * so a server upgraded to lz4 support gets it at the next start.
 */
export const LZ4_COLUMNS: readonly (readonly [table: string, column: string])[] = [
  ['task_log', 'tuples'], ['task_log', 'attempts'], ['run_spec_tasks', 'tasks'],
];

async function lz4Columns(c: pg.PoolClient, o: ResolvedOptions): Promise<void> {
  const version = Number((await query(c, 'SHOW server_version_num')).rows[0].server_version_num);
  if (!(version >= 140000)) {
    o.log(`kairos store: PostgreSQL ${Math.floor(version / 10000)} has no lz4 column compression (14 or later); the task log is compressed with pglz (slower commits)`);
    return;
  }
  const current = await query(c,
    `SELECT c.relname AS t, a.attname AS col, a.attcompression AS comp FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped`, [o.schema]);
  const lz4 = new Set(current.rows.filter((r) => r.comp === 'l').map((r) => `${r.t}.${r.col}`));
  const todo = LZ4_COLUMNS.filter(([t, col]) => !lz4.has(`${t}.${col}`));
  if (todo.length === 0) return;
  await c.query('SAVEPOINT kairos_lz4');
  try {
    for (const [t, col] of todo) await c.query(`ALTER TABLE ${o.s}.${t} ALTER COLUMN ${col} SET COMPRESSION lz4`);
    await c.query('RELEASE SAVEPOINT kairos_lz4');
  } catch (e) {
    await c.query('ROLLBACK TO SAVEPOINT kairos_lz4');
    const why = e instanceof Error ? e.message : String(e);
    o.log(`kairos store: lz4 column compression is not available (${why}); the task log is compressed with pglz (slower commits)`);
  }
}

/**
 * Creates pg_trgm (when missing and allowed) and the trigram index, inside a savepoint so that a
 * refusal rolls back only this step. Never throws for the extension's sake.
 */
async function trigramIndex(c: pg.PoolClient, o: ResolvedOptions): Promise<SearchMode> {
  if (o.trigram === 'off') {
    o.log('kairos store: pg_trgm disabled by the `trigram: off` option; run search uses ILIKE without an index (sequential scan)');
    return 'ilike';
  }
  // Already there: nothing to create (a role that does not own the tables may not even try).
  const made = await query(c, `SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'runs_search_trgm'`, [o.schema]);
  if (made.rowCount !== 0) return 'trigram';
  // The extension is per database, shared by every schema: one creator at a time.
  await query(c, 'SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, EXTENSION_LOCK]);
  await c.query('SAVEPOINT kairos_trgm');
  try {
    let ext = await extensionSchema(c);
    if (ext === null) {
      await c.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA ${o.s}`);
      ext = o.schema;
    }
    const opclass = `"${ext.replace(/"/g, '""')}".gin_trgm_ops`;
    await c.query(`CREATE INDEX IF NOT EXISTS runs_search_trgm ON ${o.s}.runs USING gin (search_text ${opclass})`);
    await c.query('RELEASE SAVEPOINT kairos_trgm');
    return 'trigram';
  } catch (e) {
    await c.query('ROLLBACK TO SAVEPOINT kairos_trgm');
    const why = e instanceof Error ? e.message : String(e);
    o.log(
      `kairos store: pg_trgm is not available (${why}); run search falls back to ILIKE without an index (sequential scan). ` +
        'To index it, have an administrator run CREATE EXTENSION pg_trgm in this database, then restart.',
    );
    return 'ilike';
  }
}

async function extensionSchema(c: pg.PoolClient): Promise<string | null> {
  const r = await query(c, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`);
  return r.rowCount === 0 ? null : (r.rows[0].nspname as string);
}
