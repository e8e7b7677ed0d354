/** The store after a fleet run: what the fault tests assert (zero lost, zero double completions). */
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/types.js';

export interface RunAudit {
  /** task id -> its attempts, in order (status, worker). */
  readonly attempts: Map<string, { attempt: number; status: string; worker: string | null }[]>;
  readonly lateIgnored: number;
}

/** Every task succeeded, exactly one of its attempts succeeded, and that is its last one. */
export async function auditRun(store: Store, runId: string): Promise<RunAudit> {
  const run = await store.getRun(runId);
  assert.equal(run?.state, 'succeeded', `run ${runId} is ${run?.state}: ${run?.error}`);
  const tasks = await store.getTasks(runId);
  const attempts = new Map<string, { attempt: number; status: string; worker: string | null }[]>();
  for (const a of await store.getAttempts(runId)) {
    if (a.kind !== 'run') continue;
    const list = attempts.get(a.taskId) ?? [];
    list.push({ attempt: a.attempt, status: a.status, worker: a.worker });
    attempts.set(a.taskId, list);
  }
  for (const t of tasks) {
    assert.equal(t.state, 'succeeded', `task ${t.taskId} is ${t.state} (${t.error})`);
    if (tasks.some((i) => i.specId === t.taskId && i.itemIndex !== null && i.taskId !== t.taskId)) continue; // a foreach group: no attempts of its own
    const list = (attempts.get(t.taskId) ?? []).sort((x, y) => x.attempt - y.attempt);
    const ok = list.filter((a) => a.status === 'succeeded');
    assert.equal(ok.length, 1, `task ${t.taskId}: ${ok.length} succeeded attempts (${JSON.stringify(list)})`);
    assert.equal(ok[0]!.attempt, t.attempt, `task ${t.taskId}: the succeeded attempt is not its last`);
    assert.equal(list.length, t.attempt, `task ${t.taskId}: ${list.length} attempt rows for ${t.attempt} attempts`);
    assert.ok(list.every((a) => a.status !== 'running'), `task ${t.taskId}: an attempt is still running`);
  }
  const lateIgnored = (await store.getEvents(runId)).filter((e) => e.type === 'late_result_ignored').length;
  return { attempts, lateIgnored };
}
