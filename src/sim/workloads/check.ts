/**
 * Field checks shared by the workload loaders. Every failure is a KairosError WORKLOAD_INVALID
 * whose message names the file, the line (JSON Lines) or record, and the field, e.g.
 * `tpch-2g.jsonl line 3: stages[1].numTasks must be an integer >= 1 (got -2)`.
 */
import { KairosError } from '../../core/errors.js';
import { topoOrder } from '../../core/dag.js';

/** Where a value came from: file name plus a line number (jsonl) or a record path (json). */
export interface Where {
  readonly file: string;
  /** 1-based line for JSON Lines; 0 for a whole-file JSON document. */
  readonly line: number;
}

export function where(w: Where): string {
  return w.line > 0 ? `${w.file} line ${w.line}` : w.file;
}

export function invalid(w: Where, field: string, message: string): KairosError {
  return new KairosError('WORKLOAD_INVALID', `${where(w)}: ${field ? `${field} ` : ''}${message}`, { field });
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

export function obj(v: unknown, w: Where, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(w, field, `must be an object (got ${show(v)})`);
  return v as Record<string, unknown>;
}

export function arr(o: Record<string, unknown>, key: string, w: Where, path: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw invalid(w, path + key, `must be an array (got ${show(v)})`);
  return v;
}

export interface NumOpts {
  readonly min?: number;
  readonly integer?: boolean;
  /** Accept null/absent and return this instead. */
  readonly orNull?: boolean;
}

export function num(o: Record<string, unknown>, key: string, w: Where, path: string, opts?: NumOpts & { orNull?: false }): number;
export function num(o: Record<string, unknown>, key: string, w: Where, path: string, opts: NumOpts & { orNull: true }): number | null;
export function num(o: Record<string, unknown>, key: string, w: Where, path: string, opts: NumOpts = {}): number | null {
  const v = o[key];
  if ((v === null || v === undefined) && opts.orNull) return null;
  const min = opts.min ?? 0;
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && (!opts.integer || Number.isInteger(v));
  if (!ok) {
    const what = opts.integer ? `an integer >= ${min}` : `a number >= ${min}`;
    throw invalid(w, path + key, `must be ${what} (got ${show(v)})`);
  }
  return v as number;
}

export function str(o: Record<string, unknown>, key: string, w: Where, path: string): string {
  const v = o[key];
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw invalid(w, path + key, `must be a non-empty string (got ${show(v)})`);
}

/** Parses one JSON Lines record, turning a syntax error into a WORKLOAD_INVALID naming the line. */
export function parseLine(text: string, w: Where): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid(w, '', `is not valid JSON (${(e as Error).message})`);
  }
}

/** Splits JSON Lines text into non-blank lines with their 1-based numbers. */
export function* jsonLines(text: string): Generator<{ line: number; text: string }> {
  let start = 0;
  let line = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const t = text.slice(start, end).trim();
    if (t.length > 0) yield { line, text: t };
    start = end + 1;
    line++;
  }
}

/**
 * Resolves parent references to indexes and rejects unknown ids, self-loops and cycles (a cyclic
 * job would never finish in the simulator). `ids[i]` is the id of node i.
 */
export function resolveParents(ids: readonly string[], parentIds: readonly (readonly string[])[], w: Where, path: string): number[][] {
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    if (index.has(id)) throw invalid(w, `${path}[${i}].id`, `duplicates id ${show(id)}`);
    index.set(id, i);
  });
  return parentIds.map((ps, i) =>
    ps.map((p) => {
      const j = index.get(p);
      if (j === undefined) throw invalid(w, `${path}[${i}]`, `names unknown parent ${show(p)}`);
      if (j === i) throw invalid(w, `${path}[${i}]`, `lists itself as a parent`);
      return j;
    }),
  );
}

/** Rejects a cyclic job, naming the ids on one cycle. */
export function assertAcyclic(ids: readonly string[], parents: readonly (readonly number[])[], w: Where, path: string): void {
  const t = topoOrder({ n: ids.length, parents });
  if (!t.ok) throw invalid(w, path, `form a cycle: ${t.cycle.map((i) => ids[i]).join(' -> ')}`);
}
