/**
 * Reads the recorded live history from the store into the plain-data `HistoryTrace` the digital
 * twin replays (src/sim/workloads/live-history.ts describes the mapping). Only here do store
 * rows meet the twin: src/sim must not read the store.
 *
 * Which runs: those created in [from, to) that are finished (a run still running has no JCT to
 * compare with). Which tasks: those with a finished `run` attempt; the runtime is that of the
 * last one. A task's estimate is what the engine's policies see: its declared `estimate`, else
 * the mean recorded runtime of its signature (namespace/workflow/task) in the window — a stand-in
 * for the engine's learned model, which learned the same runtimes online.
 */
import { TERMINAL_RUN_STATES } from '../core/model.js';
import type { Resources } from '../core/resources.js';
import type { AttemptRow, Store } from '../store/types.js';
import type { HistoryTrace, TraceRun, TraceTask } from '../learn/whatif.js';

export interface HistoryQuery {
  readonly fromMs: number;
  readonly toMs: number;
  /** The engine's local worker the history ran on. */
  readonly capacity: Resources;
  readonly concurrency: number;
  /** Most runs read (the newest are kept). Default 5,000. */
  readonly maxRuns?: number;
}

interface Draft {
  readonly run: Omit<TraceRun, 'tasks'>;
  readonly tasks: { id: string; needs: readonly string[]; specId: string | null; runtimeMs: number; declared: number | null; signature: string; resources: Resources; priority: number; attempts: number; readyAt: number | null; startedAt: number; finishedAt: number }[];
}

export async function loadHistoryTrace(store: Store, q: HistoryQuery): Promise<HistoryTrace> {
  const rows = (await store.listRuns({ since: q.fromMs, limit: q.maxRuns ?? 5000 }))
    .filter((r) => r.createdAt >= q.fromMs && r.createdAt < q.toMs)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  let unfinishedRuns = 0;
  let tasksNotStarted = 0;
  let emptyRuns = 0;
  const drafts: Draft[] = [];
  const runtimes = new Map<string, number[]>();
  for (const run of rows) {
    if (!TERMINAL_RUN_STATES.has(run.state) || run.finishedAt === null) {
      unfinishedRuns++;
      continue;
    }
    const [tasks, attempts] = await Promise.all([store.getTasks(run.id), store.getAttempts(run.id)]);
    const last = new Map<string, AttemptRow>();
    const count = new Map<string, number>();
    for (const a of attempts) {
      if (a.kind !== 'run' || a.finishedAt === null) continue;
      count.set(a.taskId, (count.get(a.taskId) ?? 0) + 1);
      const prev = last.get(a.taskId);
      if (!prev || a.attempt > prev.attempt) last.set(a.taskId, a);
    }
    const specs = new Map(run.spec.tasks.map((t) => [t.id, t]));
    const draft: Draft = {
      run: { id: run.id, workflow: run.workflow, namespace: run.namespace, priority: run.priority, arrivalAt: run.createdAt, finishedAt: run.finishedAt, deadlineAt: run.deadlineAt, state: run.state },
      tasks: [],
    };
    for (const t of tasks) {
      const spec = specs.get(t.specId ?? t.taskId);
      const a = last.get(t.taskId);
      if (!spec) continue;
      if (!a) {
        if (spec.foreach === undefined || t.specId !== null) tasksNotStarted++; // a foreach group itself never runs
        continue;
      }
      const runtimeMs = a.finishedAt! - a.startedAt;
      const signature = `${run.namespace}/${run.workflow}/${spec.id}`;
      const list = runtimes.get(signature) ?? [];
      list.push(runtimeMs);
      runtimes.set(signature, list);
      draft.tasks.push({
        id: t.taskId, needs: spec.needs, specId: t.specId, runtimeMs, declared: spec.estimateMs, signature,
        resources: spec.resources, priority: spec.priority, attempts: count.get(t.taskId) ?? 1,
        readyAt: t.readyAt !== null && t.readyAt <= a.startedAt ? t.readyAt : null, startedAt: a.startedAt, finishedAt: a.finishedAt!,
      });
    }
    if (draft.tasks.length === 0) {
      emptyRuns++;
      continue;
    }
    drafts.push(draft);
  }
  const meanOf = (sig: string): number => {
    const xs = runtimes.get(sig)!;
    return xs.reduce((s, x) => s + x, 0) / xs.length;
  };
  const runs: TraceRun[] = drafts.map((d) => {
    // Index of each task row, and of every instance of each foreach group (a child needs them all).
    const index = new Map<string, number[]>();
    d.tasks.forEach((t, i) => {
      const key = t.specId ?? t.id;
      const list = index.get(key) ?? [];
      list.push(i);
      index.set(key, list);
    });
    const tasks: TraceTask[] = d.tasks.map((t) => ({
      id: t.id,
      parents: t.needs.flatMap((n) => index.get(n) ?? []),
      runtimeMs: t.runtimeMs,
      estimateMs: t.declared ?? meanOf(t.signature),
      estimateDeclared: t.declared !== null, // no runtime spread then (sim/workloads/trace-runtime-spread.ts)
      resources: t.resources,
      priority: t.priority,
      attempts: t.attempts,
      readyAt: t.readyAt,
      startedAt: t.startedAt,
      finishedAt: t.finishedAt,
    }));
    return { ...d.run, tasks };
  });
  return { fromMs: q.fromMs, toMs: q.toMs, capacity: q.capacity, concurrency: q.concurrency, runs, skipped: { unfinishedRuns, tasksNotStarted, emptyRuns } };
}
