/**
 * A submit's new task rows, most of them alike: the rows of a run's tasks are equal but for
 * `task_id` in long stretches (every task of an independent workflow is `queued` with the same
 * `ready_at`; every task with dependencies `pending`). Such a stretch is inserted as ONE template
 * tuple and the list of its task ids (`insertTasksLike`), not one 16-field tuple per row.
 *
 * Why (issue 6, session 7): a 20,000-task submit's tuples were ~108 characters of JSON per task
 * (the run id, a `Date.now()` time written through V8's double-to-text path, twelve nulls) —
 * JSON.stringify 0.59-0.75 µs per task on the engine's thread — against ~8 for the task ids
 * (0.05 µs; microbenchmark, 20,000 rows, 6 rounds), and PostgreSQL parses a list of short
 * strings instead of 20,000 jsonb arrays.
 *
 * Order is kept: the stretches and the rows between them are written in batch order (identity
 * ids follow it, and reads return tasks in insertion order).
 */
import type { TaskRow } from '../types.js';
import { jsonbSafe, tupleColumns, type ColumnType } from './json-rows.js';
import { taskTuple } from './rows.js';

/** Shorter stretches go with the rows around them (a statement per stretch costs a round of parsing and planning). */
export const LIKE_MIN_ROWS = 16;

/** True when `a` and `b` would be written alike but for the task id (json columns: the same object, or both null). */
export function sameButId(a: TaskRow, b: TaskRow): boolean {
  return a.runId === b.runId && a.specId === b.specId && a.itemIndex === b.itemIndex && a.item === b.item && a.state === b.state &&
    a.attempt === b.attempt && a.readyAt === b.readyAt && a.startedAt === b.startedAt && a.finishedAt === b.finishedAt &&
    a.retryAt === b.retryAt && a.worker === b.worker && a.outputs === b.outputs && a.error === b.error && a.reason === b.reason &&
    a.doneSeq === b.doneSeq;
}

/** Consecutive pieces of `rows` in order: `like` ones are LIKE_MIN_ROWS or more rows alike but for the task id. */
export function newTaskSegments(rows: readonly TaskRow[]): { like: boolean; from: number; to: number }[] {
  const out: { like: boolean; from: number; to: number }[] = [];
  let plain = 0; // start of the rows not yet in a segment
  for (let i = 0; i < rows.length;) {
    let j = i + 1;
    while (j < rows.length && sameButId(rows[j]!, rows[j - 1]!)) j++;
    if (j - i >= LIKE_MIN_ROWS) {
      if (plain < i) out.push({ like: false, from: plain, to: i });
      out.push({ like: true, from: i, to: j });
      plain = j;
    }
    i = j;
  }
  if (plain < rows.length) out.push({ like: false, from: plain, to: rows.length });
  return out;
}

/**
 * The parameters of `insertTasksLike` for rows alike but for the task id: the task ids' JSON and
 * the first row's tuple; null when jsonb could not carry them (json-rows.ts).
 */
export function likeParams(rows: readonly TaskRow[]): [string, string] | null {
  const ids = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) ids[i] = rows[i]!.taskId;
  const idsJson = JSON.stringify(ids);
  const template = JSON.stringify(taskTuple(rows[0]!));
  return jsonbSafe(idsJson) && jsonbSafe(template) ? [idsJson, template] : null;
}

/**
 * `INSERT INTO <s>.tasks`: one row per id of $1 (a jsonb array of task ids, in order), every other
 * column from the template tuple $2. The template's columns are computed once (`OFFSET 0` keeps
 * the planner from pulling the subquery up and casting $2 again for every row).
 */
export function insertTasksLikeSql(s: string, types: readonly ColumnType[], names: readonly string[]): string {
  const cols = names.map((n) => (n === 'task_id' ? 'x.id' : `t.${n}`)).join(', ');
  return `INSERT INTO ${s}.tasks (${names.join(', ')})
    SELECT ${cols} FROM (SELECT ${tupleColumns(types, names)} FROM (SELECT $2::jsonb AS e) e0 OFFSET 0) t,
      jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS x(id, ord) ORDER BY x.ord`;
}
