/**
 * Alibaba cluster-trace-v2018 batch jobs, one job per JSON line:
 * `{name, arrivalSec, tasks:[{id, runtimeSec, cores, memoryNorm, instances, parents:[ids]}]}`.
 * A task is a stage of `instances` parallel instances, each needing `cores` CPU cores and
 * `memoryNorm` (percent of one machine's memory, kept as the custom resource `memoryNorm` because
 * the trace never says how many bytes a machine has). Machines are 96 cores / 100 memoryNorm, as
 * in the full trace. The trace records no cluster for a 15-minute sample, so the simulator sizes
 * one with `--load` (default 0.85) unless `--executors` is given.
 *
 * Pure: takes text, returns the workload; the file is read in resolve.ts.
 */
import type { JobSpec, StageSpec, Workload } from '../workload.js';
import { arr, assertAcyclic, invalid, jsonLines, num, obj, parseLine, resolveParents, str, type Where } from './check.js';

export const ALIBABA_MACHINE = Object.freeze({ cpu: 96, memoryNorm: 100 });

export function parseAlibaba(text: string, file: string): Workload {
  const jobs: JobSpec[] = [];
  for (const { line, text: t } of jsonLines(text)) {
    const w: Where = { file, line };
    jobs.push(parseJob(obj(parseLine(t, w), w, 'job'), w));
  }
  if (jobs.length === 0) throw invalid({ file, line: 0 }, '', 'holds no jobs (expected one JSON object per line)');
  return { name: file, jobs, cluster: [], workerShape: ALIBABA_MACHINE, defaultArrivals: 'trace', draw: false, defaultJobs: jobs.length };
}

function parseJob(o: Record<string, unknown>, w: Where): JobSpec {
  const name = str(o, 'name', w, '');
  const arrivalSec = num(o, 'arrivalSec', w, '');
  const raw = arr(o, 'tasks', w, '');
  if (raw.length === 0) throw invalid(w, 'tasks', 'must list at least one task');
  const ids: string[] = [];
  const parentIds: string[][] = [];
  const stages: Omit<StageSpec, 'parents'>[] = raw.map((rt, i) => {
    const path = `tasks[${i}].`;
    const t = obj(rt, w, `tasks[${i}]`);
    ids.push(str(t, 'id', w, path));
    parentIds.push(arr(t, 'parents', w, path).map((p, k) => {
      if (typeof p !== 'string' && typeof p !== 'number') throw invalid(w, `${path}parents[${k}]`, 'must be a task id');
      return String(p);
    }));
    const cores = num(t, 'cores', w, path);
    if (cores === 0) throw invalid(w, `${path}cores`, 'must be > 0 (got 0)');
    if (cores > ALIBABA_MACHINE.cpu) throw invalid(w, `${path}cores`, `must be <= ${ALIBABA_MACHINE.cpu} (one machine) (got ${cores})`);
    const memoryNorm = num(t, 'memoryNorm', w, path);
    if (memoryNorm > 100) throw invalid(w, `${path}memoryNorm`, `is a percent of one machine and must be <= 100 (got ${memoryNorm})`);
    return {
      id: ids[i]!,
      numTasks: num(t, 'instances', w, path, { integer: true, min: 1 }),
      estimateMs: num(t, 'runtimeSec', w, path) * 1000,
      resources: { cpu: cores, memoryNorm },
    };
  });
  const parents = resolveParents(ids, parentIds, w, 'tasks');
  assertAcyclic(ids, parents, w, 'tasks');
  return {
    name,
    namespace: 'default',
    arrivalMs: arrivalSec * 1000,
    priority: 50,
    relativeDeadlineMs: null,
    stages: stages.map((s, i) => ({ ...s, parents: parents[i]! })),
  };
}
