import type { RunRow, Store } from '../../store/types.js';
import { describeWaitReason } from '../../core/wait-reason.js';

/** Prints what failed and why (or the counts of a successful run). */
export async function printRunSummary(store: Store, run: RunRow): Promise<void> {
  const tasks = await store.getTasks(run.id);
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const out: string[] = [];
  out.push(`run ${run.id} (${run.workflow}): ${[...counts.entries()].map(([s, n]) => `${n} ${s}`).join(', ')}`);
  for (const t of tasks) {
    if (t.state === 'failed' || t.state === 'timed_out') out.push(`  ✘ ${t.taskId} ${t.state} after ${t.attempt} attempt(s): ${t.error ?? ''}`);
    if (t.state === 'compensated') out.push(`  ↺ ${t.taskId} compensated`);
    if (t.reason && !['succeeded', 'failed', 'skipped', 'cancelled'].includes(t.state)) out.push(`  … ${t.taskId}: ${describeWaitReason(t.reason)}`);
  }
  if (run.error && run.state !== 'succeeded') out.push(`  reason: ${run.error}`);
  process.stdout.write(out.join('\n') + '\n');
}
