/**
 * WfCommons WfInstances (scientific workflows), one instance per JSON file:
 * `{name, machines:[{name, cores, speedMHz, memoryBytes}], tasks:[{id, runtimeSec, cores,
 * avgCpuPct, memoryBytes, parents:[ids]}]}`. The instance is one job; each task is a one-instance
 * stage. Demand: `cores` when recorded (Makeflow), else avgCpuPct/100 rounded up and at least 1,
 * capped at the largest recorded machine (the task did run there: nf-core tasks on 1-core dirt02
 * report up to 157% cpu). Memory is a demand only when every machine's memory is recorded;
 * otherwise it could not be enforced. Runtimes are taken as speed-1 times (speedMHz is often null,
 * and the runtime was measured on whichever machine ran the task).
 *
 * Pure: takes text, returns the workload; the file is read in resolve.ts.
 */
import type { Resources } from '../../core/resources.js';
import type { JobSpec, StageSpec, Workload, WorkerGroup } from '../workload.js';
import { arr, assertAcyclic, invalid, num, obj, resolveParents, str, type Where } from './check.js';

export function parseWfCommons(text: string, file: string): Workload {
  const w: Where = { file, line: 0 };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw invalid(w, '', `is not valid JSON (${(e as Error).message})`);
  }
  const o = obj(raw, w, 'instance');
  const name = str(o, 'name', w, '');
  const machines = arr(o, 'machines', w, '').map((m, i) => {
    const path = `machines[${i}].`;
    const mo = obj(m, w, `machines[${i}]`);
    return {
      cores: num(mo, 'cores', w, path, { integer: true, min: 1 }),
      memoryBytes: num(mo, 'memoryBytes', w, path, { orNull: true, min: 1 }),
    };
  });
  if (machines.length === 0) throw invalid(w, 'machines', 'must list at least one machine (or give --executors)');
  const maxCores = Math.max(...machines.map((m) => m.cores));
  const withMemory = machines.every((m) => m.memoryBytes !== null);

  const rawTasks = arr(o, 'tasks', w, '');
  if (rawTasks.length === 0) throw invalid(w, 'tasks', 'must list at least one task');
  const ids: string[] = [];
  const parentIds: string[][] = [];
  const stages: Omit<StageSpec, 'parents'>[] = rawTasks.map((rt, i) => {
    const path = `tasks[${i}].`;
    const t = obj(rt, w, `tasks[${i}]`);
    ids.push(str(t, 'id', w, path));
    parentIds.push(arr(t, 'parents', w, path).map((p, k) => {
      if (typeof p !== 'string' || p === '') throw invalid(w, `${path}parents[${k}]`, 'must be a task id');
      return p;
    }));
    const runtimeSec = num(t, 'runtimeSec', w, path);
    const cores = num(t, 'cores', w, path, { orNull: true, min: 0 });
    const pct = num(t, 'avgCpuPct', w, path, { orNull: true, min: 0 });
    const mem = num(t, 'memoryBytes', w, path, { orNull: true, min: 0 });
    const cpu = Math.min(maxCores, Math.max(1, cores ?? Math.ceil((pct ?? 100) / 100)));
    const resources: Resources = withMemory && mem !== null && mem > 0 ? { cpu, memory: mem } : { cpu };
    return { id: ids[i]!, numTasks: 1, estimateMs: runtimeSec * 1000, resources };
  });
  const parents = resolveParents(ids, parentIds, w, 'tasks');
  assertAcyclic(ids, parents, w, 'tasks');
  const job: JobSpec = {
    name,
    namespace: 'default',
    arrivalMs: null,
    priority: 50,
    relativeDeadlineMs: null,
    stages: stages.map((s, i) => ({ ...s, parents: parents[i]! })),
  };
  const shape = (m: { cores: number; memoryBytes: number | null }): Resources =>
    withMemory ? { cpu: m.cores, memory: m.memoryBytes! } : { cpu: m.cores };
  const cluster: WorkerGroup[] = machines.map((m) => ({ count: 1, capacity: shape(m), speed: 1, namePrefix: 'machine' }));
  const biggest = machines.reduce((a, b) => (b.cores > a.cores ? b : a));
  return { name, jobs: [job], cluster, workerShape: shape(biggest), defaultArrivals: 'batch', draw: false, defaultJobs: 1 };
}
