/**
 * Writes many rows with one statement: `INSERT ... VALUES (...), (...), ...` for up to `chunk`
 * rows at a time. better-sqlite3 spends most of a small statement's cost crossing into SQLite
 * (bind, step, reset: ~4 µs a row as single-row statements, measured with
 * bench/engine/diagnose.ts); a 64-row statement pays it once per 64 rows. Statements are
 * prepared once per row count and cached, so a tick of any size costs at most two prepares ever.
 */
import type Database from 'better-sqlite3';

export class MultiRowStatement<T> {
  readonly #db: Database.Database;
  readonly #sql: (valuesList: string) => string;
  readonly #columns: number;
  readonly #bind: (row: T, out: unknown[]) => void;
  readonly #chunk: number;
  readonly #cache = new Map<number, Database.Statement>();
  readonly #tuple: string;

  /**
   * `sql` receives the `(?,?,..),(?,?,..)` list and returns the whole statement; `bind` pushes
   * one row's `columns` parameters, in order, onto `out`.
   */
  constructor(db: Database.Database, columns: number, sql: (valuesList: string) => string, bind: (row: T, out: unknown[]) => void, chunk = 64) {
    this.#db = db;
    this.#columns = columns;
    this.#sql = sql;
    this.#bind = bind;
    this.#chunk = chunk;
    this.#tuple = `(${Array.from({ length: columns }, () => '?').join(',')})`;
  }

  #statement(rows: number): Database.Statement {
    let s = this.#cache.get(rows);
    if (s === undefined) {
      s = this.#db.prepare(this.#sql(Array.from({ length: rows }, () => this.#tuple).join(',')));
      this.#cache.set(rows, s);
    }
    return s;
  }

  run(rows: readonly T[]): void {
    for (let i = 0; i < rows.length; i += this.#chunk) {
      const n = Math.min(this.#chunk, rows.length - i);
      const params: unknown[] = [];
      params.length = 0;
      for (let j = 0; j < n; j++) this.#bind(rows[i + j]!, params);
      if (params.length !== n * this.#columns) throw new Error(`multi-row bind produced ${params.length} parameters for ${n} rows of ${this.#columns}`);
      this.#statement(n).run(params);
    }
  }
}
