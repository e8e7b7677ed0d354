/**
 * The writer thread binds a submit's new task rows a chunk at a time (batch-codec.ts
 * newTaskDecoder, multi-row.ts runFilled, reusing one array for full chunks): every chunking
 * gives the same parameters as the whole decode, and a chunked insert stores the same rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { decodeNewTasks, encodeBatch, newTaskDecoder, TASK_COLUMN_COUNT } from '../../src/store/sqlite/batch-codec.js';
import { MultiRowStatement } from '../../src/store/sqlite/multi-row.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { TASK_COLUMNS } from '../../src/store/sqlite/sqlite-writer.js';
import { emptyBatch, type TaskRow } from '../../src/store/types.js';
import { taskRow } from './conformance.js';

const COLS = TASK_COLUMN_COUNT + 1;

function rows(n: number): TaskRow[] {
  const out: TaskRow[] = [];
  for (let i = 0; i < n; i++) {
    const run = i < n / 2 ? 'r1' : 'r2';
    if (i % 5 === 0) out.push(taskRow(run, `m[${i}]`, { specId: 'm', itemIndex: i, item: { i }, worker: 'local' }));
    else if (i % 3 === 0) out.push(taskRow(run, `t${i}`, { state: 'failed', attempt: 1, error: `e${i}`, outputs: { i }, worker: `w${i % 2}` }));
    else out.push(taskRow(run, `t${i}`));
  }
  return out;
}

function encoded(n: number) {
  const b = emptyBatch();
  b.newTasks.push(...rows(n));
  return structuredClone(encodeBatch(b, () => undefined));
}

test('new task decoder: any chunking gives the whole decode', () => {
  const whole = decodeNewTasks(encoded(37), 50);
  for (const chunk of [1, 2, 5, 8, 36, 37]) {
    const fill = newTaskDecoder(encoded(37), 50);
    const got: unknown[] = [];
    for (let done = 0; done < 37; done += chunk) {
      const n = Math.min(chunk, 37 - done);
      const out = new Array(n * COLS).fill('stale');
      fill(out, n);
      got.push(...out);
    }
    assert.deepEqual(got, whole, `chunk ${chunk}`);
  }
});

test('runFilled: a chunked insert from a reused array stores every row once', () => {
  for (const [n, chunk] of [[0, 4], [3, 4], [4, 4], [9, 4], [130, 64]] as const) {
    const db = new Database(':memory:');
    for (const m of SQLITE_MIGRATIONS) db.exec(m.sql);
    const insert = new MultiRowStatement(db, COLS, (v) => `INSERT INTO tasks (id, ${TASK_COLUMNS}) VALUES ${v}`, null, chunk);
    insert.runFilled(n, newTaskDecoder(encoded(n), 10));
    const stored = db.prepare(`SELECT id, ${TASK_COLUMNS} FROM tasks ORDER BY id`).raw().all().flat();
    assert.deepEqual(stored, n === 0 ? [] : decodeNewTasks(encoded(n), 10), `${n} rows in chunks of ${chunk}`);
    db.close();
  }
});
