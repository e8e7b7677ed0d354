/**
 * A run's task specs as stored by both stores (SQLite's run_spec_tasks, PostgreSQL's
 * run_spec_tasks): parts of JSON text in a short form for the tasks a generated workflow repeats.
 * One codec for both, so a spec reads back the same whichever store wrote it.
 */
import { sameJson } from '../core/same-json.js';

/**
 * Values compared per spec field (core/same-json.ts) before a task is stored whole: comparing
 * costs less than writing the field, so the bound is only against pathological specs.
 */
const SPEC_FIELD_BUDGET = 4096;

/**
 * The JSON text of one stored part of a run's task specs. A task equal to the one before it in
 * everything but `id` and `needs` (compared as JSON would write them, core/same-json.ts — a
 * workflow built in a loop, bench/engine/shapes.ts, or a fan-out of tasks with the same
 * defaults) is written as the array `[id, needs]`; any other task as its object. Read back, such
 * a task shares its other values with the task before it. A no-op fn task is 296 bytes as an
 * object and ~12 as the pair: a 20,000-task submit wrote 5.9 MB of spec (JSON.stringify ~22 ms,
 * and ~1,500 WAL pages that the next checkpoint copies again), on the critical path of every
 * submit. Texts written before hold objects only and read the same way (a task spec is never an
 * array).
 */
export function specPartJson(tasks: readonly object[], from: number, to: number): string {
  const out: unknown[] = new Array(to - from);
  let prev: Record<string, unknown> | null = null;
  let prevKeys = 0;
  for (let i = from; i < to; i++) {
    const t = tasks[i] as Record<string, unknown>;
    let keys = 0;
    let same = prev !== null && typeof t.id === 'string' && Array.isArray(t.needs);
    for (const k in t) {
      keys++;
      if (same && k !== 'id' && k !== 'needs' && !sameJson(t[k], prev![k], SPEC_FIELD_BUDGET)) same = false;
    }
    out[i - from] = same && keys === prevKeys ? [t.id, t.needs] : t;
    prev = t;
    prevKeys = keys;
  }
  return JSON.stringify(out);
}

/** The task specs of stored parts (JSON texts in part order; see specPartJson). */
export function specTasksFromParts(parts: readonly string[]): unknown[] {
  const tasks: unknown[] = [];
  let prev: Record<string, unknown> | null = null;
  for (const p of parts) {
    const list = JSON.parse(p) as unknown[];
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (Array.isArray(x)) {
        // The previous task with its id and needs (its other values shared, as they were when written).
        const t: Record<string, unknown> = {};
        for (const k in prev!) t[k] = prev![k];
        t.id = x[0];
        t.needs = x[1];
        prev = t;
      } else prev = x as Record<string, unknown>;
      tasks.push(prev);
    }
  }
  return tasks;
}
