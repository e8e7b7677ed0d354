/** Builders for simulator tests: tiny hand-made workloads whose schedules can be worked out by hand. */
import type { JobSpec, StageSpec, Workload } from '../../src/sim/workload.js';

export function stage(id: string, parents: number[], numTasks: number, estimateMs: number, cpu = 1): StageSpec {
  return { id, parents, numTasks, estimateMs, resources: { cpu } };
}

export function job(name: string, stages: StageSpec[], extra: Partial<JobSpec> = {}): JobSpec {
  return { name, namespace: 'default', arrivalMs: null, priority: 50, relativeDeadlineMs: null, stages, ...extra };
}

/** `workers` one-core workers, batch arrivals, jobs taken in order. */
export function workload(jobs: JobSpec[], workers: number): Workload {
  return {
    name: 'test',
    jobs,
    cluster: [{ count: workers, capacity: { cpu: 1 }, speed: 1, namePrefix: 'w' }],
    workerShape: { cpu: 1 },
    defaultArrivals: 'batch',
    draw: false,
    defaultJobs: jobs.length,
  };
}
