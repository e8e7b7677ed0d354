/**
 * How a batch's rows travel to PostgreSQL. The fast path: ONE jsonb parameter per statement, an
 * array of tuples (one JSON array of column values per row, json-typed columns as their JSON
 * text), expanded server-side:
 *
 *   SELECT (e->>0), (e->>1)::int8, (e->>2)::json, ... FROM jsonb_array_elements($1::jsonb)
 *     WITH ORDINALITY AS x(e, ord) ORDER BY ord
 *
 * The fallback: one PostgreSQL array per column (`unnest($1::text[], ...)`), the values built by
 * the same tuple functions (rows.ts), serialised by `pg`.
 *
 * Why (bench/fleet/commit-share.ts and pg-writes.ts, docs/benchmarks.md "Fleet throughput"):
 * - `pg` serialises an array parameter in JavaScript, escaping every element with two regex
 *   replaces and concatenating: with the task specs' JSON it was 37% of the bytes a fleet engine
 *   allocated and ~5% of its CPU. V8's native JSON.stringify of plain tuples costs ~1.6 µs per
 *   task row against ~4 µs (microbenchmark, 400-row batches).
 * - On the server, jsonb tuples cost about what array literals do (18.5 vs 17.0 µs per upserted
 *   task row); `json_to_recordset` over row objects, tried first, cost 21.3 (a hash table per
 *   row), and the objects' keys doubled the bytes.
 * - jsonb, not json: parsed once per statement, then `->>` by index. Nested JSON values (outputs,
 *   items, specs) travel as strings and are cast to json, so their text is stored as written
 *   (jsonb would reorder their keys).
 *
 * Limit: jsonb cannot hold the escapes `\u0000` (NUL) or a lone surrogate (`\ud800`) in a string.
 * Free-text columns already have NUL replaced (rows.ts `text`), nested JSON carries them escaped
 * twice (harmless); anything left — a lone surrogate in an error message, say — makes
 * `tuplesJson` return null, and that batch takes the column-array path, which stores what it
 * always did.
 */

/** SQL type of each column: the cast applied to `e->>i` (text needs none). */
export type ColumnType = 'text' | 'int4' | 'int8' | 'float8' | 'bool' | 'json';

/**
 * The rows as a JSON array of tuples, or null when the text holds an escape jsonb rejects
 * (`\u0000`, a lone surrogate `\udXXX`; nested JSON text carrying one has it escaped twice,
 * `\\u0000`, which is fine).
 */
export function tuplesJson<T>(rows: readonly T[], tuple: (row: T) => unknown[]): string | null {
  const tuples = new Array<unknown[]>(rows.length);
  for (let i = 0; i < rows.length; i++) tuples[i] = tuple(rows[i]!);
  const s = JSON.stringify(tuples);
  return jsonbSafe(s) ? s : null;
}

const BACKSLASH = 92;

/** False when JSON text holds a `\u0000` or `\ud800`-`\udfff` escape (JSON.stringify writes lone surrogates so). */
export function jsonbSafe(s: string): boolean {
  for (let i = s.indexOf('\\u'); i >= 0; i = s.indexOf('\\u', i + 2)) {
    let k = i;
    while (k > 0 && s.charCodeAt(k - 1) === BACKSLASH) k--;
    if ((i - k) % 2 === 1) continue; // an escaped backslash followed by a plain 'u'
    const hex = s.slice(i + 2, i + 6).toLowerCase();
    if (hex === '0000' || (hex[0] === 'd' && hex[1]! >= '8')) return false;
  }
  return true;
}

/** Each column from a tuple `e` (jsonb): `e->>i`, cast, `AS name`. */
export function tupleColumns(types: readonly ColumnType[], names: readonly string[]): string {
  return types.map((t, i) => `${t === 'text' ? `e->>${i}` : `(e->>${i})::${t}`} AS ${names[i]}`).join(', ');
}

/** `SELECT <each column from e->>i, cast> FROM jsonb_array_elements($1::jsonb) ... ORDER BY ord`. */
export function selectTuples(types: readonly ColumnType[], names: readonly string[]): string {
  return `SELECT ${tupleColumns(types, names)} FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, ord) ORDER BY ord`;
}

/** `unnest($1::a[], $2::b[], ...)` of the column-array path: the casts fix the parameter types. */
export function unnestArrays(types: readonly ColumnType[]): string {
  return `unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
}
