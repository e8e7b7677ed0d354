/**
 * Writes many rows with one statement: `INSERT ... VALUES (...), (...), ...` for up to `chunk`
 * rows at a time. better-sqlite3 spends most of a small statement's cost crossing into SQLite
 * (bind, step, reset: ~4 µs a row as single-row statements, measured with
 * bench/engine/diagnose.ts); a 64-row statement pays it once per 64 rows. Statements are
 * prepared once per row count and cached, so a tick of any size costs at most two prepares ever.
 *
 * The values are passed as arguments (`run(...values)`), not as one array: better-sqlite3 reads
 * an array argument element by element through V8's `Object::Get`, which was more than half of
 * the writer thread's binding cost (callgrind: Binder::Bind 912M of JS_run's 1,629M instructions
 * on a 20,000-task run, more than sqlite3_step's 668M); an argument is read from the call's
 * frame. A 64-row, 12-column insert: 1.18-1.38 -> 0.91-0.93 µs CPU a row (a micro-benchmark, not
 * kept: 3 rounds of 3,000 statements, :memory:). At most 64 rows x 18 columns = 1,152 arguments.
 */
import type Database from 'better-sqlite3';

export class MultiRowStatement<T> {
  readonly #db: Database.Database;
  readonly #sql: (valuesList: string) => string;
  readonly #columns: number;
  readonly #bind: ((row: T, out: unknown[], index: number) => void) | null;
  readonly #chunk: number;
  readonly #cache = new Map<number, Database.Statement>();
  readonly #tuple: string;

  /**
   * `sql` receives the `(?,?,..),(?,?,..)` list and returns the whole statement; `bind` pushes
   * one row's `columns` parameters, in order, onto `out` (`index`: the row's index in `run`'s
   * rows; not needed when rows come bound: runFlat).
   */
  constructor(db: Database.Database, columns: number, sql: (valuesList: string) => string, bind: ((row: T, out: unknown[], index: number) => void) | null = null, chunk = 64) {
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
      if (this.#bind === null) throw new Error('multi-row: no bind function; use runFlat');
      for (let j = 0; j < n; j++) this.#bind(rows[i + j]!, params, i + j);
      this.runFlat(params);
    }
  }

  /** Writes rows already bound into one flat array (`columns` values a row, in order). */
  runFlat(params: readonly unknown[]): void {
    const cols = this.#columns;
    if (params.length % cols !== 0) throw new Error(`multi-row: ${params.length} parameters is not a whole number of rows of ${cols}`);
    const step = this.#chunk * cols;
    if (params.length <= step) {
      if (params.length > 0) this.#statement(params.length / cols).run(...params);
      return;
    }
    for (let i = 0; i < params.length; i += step) {
      const part = params.slice(i, i + step);
      this.#statement(part.length / cols).run(...part);
    }
  }

  /**
   * Writes `rows` rows that `fill` binds a chunk at a time into a reused array (`fill(out, n)`:
   * the next `n` rows, `columns` values each, from index 0).
   */
  runFilled(rows: number, fill: (out: unknown[], n: number) => void): void {
    let full: unknown[] | null = null;
    for (let done = 0; done < rows; ) {
      const n = Math.min(this.#chunk, rows - done);
      const out = n === this.#chunk ? (full ??= new Array(n * this.#columns)) : new Array(n * this.#columns);
      fill(out, n);
      this.#statement(n).run(...out);
      done += n;
    }
  }
}
