/**
 * What each task of a live run counts for in the job facts policies read (JobInfo
 * remainingWorkMs / totalTasks / doneTasks, SchedTask descendantTasks / descendantWorkMs), with
 * the simulator's definitions (sim-job.ts: a stage counts numTasks instances x estimate x cores
 * from the job's arrival), foreach groups included (docs/policies.md, "Job facts").
 *
 * A foreach group that has not expanded counts as its EXPECTED instances, each with the task's
 * work (estimate x cores):
 *   - the list's length when the `foreach` expression reads only `params` and `run` (a literal
 *     list, a list param): known at submit, exactly what the expansion will create;
 *   - 1 otherwise (the list comes from upstream outputs that do not exist yet, or the expression
 *     does not give a list): the least a non-empty list gives.
 * When it expands into n instances, the job's facts move by (n - expected) instances
 * (groupExpanded); when it settles without expanding (skipped, rejected, cancelled), its expected
 * instances are done (groupSettledUnexpanded). So a group counts the same before and after
 * expansion whenever its width was known, and the facts are corrected at expansion otherwise.
 * Ancestors' descendant facts are computed once per run build and not revised: every ancestor of
 * a group has settled by the time the group expands, so nobody reads them again.
 */
import { compileExpression, evaluate, expressionRefs, type CompiledExpression } from '../core/expr.js';
import { workCores } from '../core/resources.js';
import type { TaskSpec } from '../core/model.js';
import type { RunRow } from '../store/types.js';
import type { LiveTask } from './live-run.js';

/** Default estimate for ranking when a task declares none: 1 s. */
export const DEFAULT_ESTIMATE_MS = 1000;

/** A task's (or one foreach instance's) share of its job's remaining work: estimate x cores, as the simulator counts it. */
export function taskWorkMs(spec: TaskSpec): number {
  return (spec.estimateMs ?? DEFAULT_ESTIMATE_MS) * workCores(spec.resources);
}

/** Whether an expression reads only names known at submit (`params`, `run`); cached per compiled expression. */
const knownAtSubmit = new WeakMap<CompiledExpression, boolean>();

/**
 * How many instances a foreach group counts for before it expands (see the header); 1 for a task
 * without `foreach`. A pure function of the spec and the run's immutable params and names, so the
 * build, the expansion and a settlement all get the same number without storing it. One Jexl
 * evaluation per call for a params-only list (the compiled expression is cached by core/expr.ts).
 */
export function expectedInstances(spec: TaskSpec, run: RunRow): number {
  if (spec.foreach === undefined) return 1;
  const c = compileExpression(spec.foreach);
  if (!c.ok) return 1;
  let known = knownAtSubmit.get(c.expr);
  if (known === undefined) {
    const roots = expressionRefs(c.expr).roots;
    known = [...roots].every((r) => r === 'params' || r === 'run');
    knownAtSubmit.set(c.expr, known);
  }
  if (!known) return 1;
  const v = evaluate(c.expr, { params: run.params, run: { id: run.id, name: run.spec.name, namespace: run.spec.namespace } });
  return v.ok && Array.isArray(v.value) ? v.value.length : 1;
}

/** The work an unexpanded group counts for: expected instances x one instance's work. */
export function groupWorkMs(group: LiveTask): number {
  return expectedInstances(group.spec, group.run.row) * taskWorkMs(group.spec);
}

/** A group just expanded into `group.instances`: its expected instances are replaced by the real ones. */
export function groupExpanded(group: LiveTask): void {
  const job = group.run.job;
  const delta = group.instances!.length - expectedInstances(group.spec, group.run.row);
  if (delta === 0) return;
  job.totalTasks += delta;
  job.remainingWorkMs = Math.max(0, job.remainingWorkMs + delta * taskWorkMs(group.spec));
}

/** A group settled without expanding (skipped, rejected, cancelled): its expected instances are done. */
export function groupSettledUnexpanded(group: LiveTask): void {
  const job = group.run.job;
  job.doneTasks += expectedInstances(group.spec, group.run.row);
  job.remainingWorkMs = Math.max(0, job.remainingWorkMs - groupWorkMs(group));
}
