/**
 * The task rows a stored run lacks. A large submit's rows are inserted in chunks while its first
 * tasks run (pending-writes.ts), so a crash between chunks leaves the run with some of them. Every
 * row not yet inserted was pending, ready or queued — none of those states is stored with an
 * effect — so the missing ones are recreated as new pending rows, exactly as the submit made them
 * (newTaskRows), and decided again on resume like any other pending task. Foreach instances are
 * not spec tasks: a group creates its own when it expands.
 */
import type { RunRow, TaskRow } from '../store/types.js';
import { buildRun, newTaskRows } from './build-run.js';
import type { LiveRun, LiveTask } from './live-run.js';

/** The spec tasks of `run` that have no row in `rows`, as new pending rows (spec order). */
export function missingTaskRows(run: RunRow, rows: readonly TaskRow[]): TaskRow[] {
  const specTasks = run.spec.tasks;
  let stored = 0;
  for (let i = 0; i < rows.length; i++) if (rows[i]!.specId === null) stored++;
  if (stored >= specTasks.length) return [];
  const have = new Set<string>();
  for (let i = 0; i < rows.length; i++) if (rows[i]!.specId === null) have.add(rows[i]!.taskId);
  return newTaskRows(run.id, run).filter((r) => !have.has(r.taskId));
}

/**
 * The live run of a stored one (resume, takeover), with the tasks whose rows had to be made
 * (`created`: to insert, pending-writes.ts `newRunTasks`).
 */
export function storedRun(row: RunRow, stored: readonly TaskRow[]): { run: LiveRun; created: LiveTask[] } {
  const missing = missingTaskRows(row, stored);
  const run = buildRun(row, missing.length === 0 ? stored : [...stored, ...missing]);
  return { run, created: missing.map((r) => run.tasks.get(r.taskId)!) };
}
