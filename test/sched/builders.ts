// Small builders for scheduler tests: tasks, jobs, workers, and a driver loop.
import type { JobInfo, SchedTask, WorkerInfo } from '../../src/sched/types.js';
import type { Scheduler } from '../../src/sched/scheduler.js';

let seq = 0;
const jobs = new Map<string, JobInfo>();

export function job(id: string, over: Partial<JobInfo> = {}): JobInfo {
  let j = jobs.get(id);
  if (!j || Object.keys(over).length > 0) {
    j = { id, namespace: 'default', arrivalAt: 0, deadline: null, remainingWorkMs: 1000, running: 0, totalTasks: 1, doneTasks: 0, ...over };
    jobs.set(id, j);
  }
  return j;
}

export type TaskOver = Partial<Omit<SchedTask, 'job'>> & { job?: JobInfo | string; ns?: string };

export function task(key: string, over: TaskOver = {}): SchedTask {
  const { job: j, ns, ...rest } = over;
  const jobInfo = typeof j === 'object' ? j : job(j ?? (ns ? `job-${ns}` : 'j'), ns ? { namespace: ns } : {});
  return {
    key,
    job: jobInfo,
    priority: 50,
    resources: { cpu: 1 },
    readyAt: 0,
    seq: seq++,
    deadline: null,
    estimateMs: 1000,
    bottomLevelMs: 1000,
    pool: null,
    selector: null,
    ...rest,
  };
}

export function worker(id: string, over: Partial<WorkerInfo> = {}): WorkerInfo {
  return { id, pool: 'default', capacity: { cpu: 4, memory: 8 * 2 ** 30 }, speed: 1, labels: {}, ...over };
}

/** Keys placed by one round, in placement order. */
export function placedKeys(s: Scheduler, now = 0): string[] {
  return s.schedule(now).placements.map((p) => p.task.key);
}

/** Repeatedly: one round, then release everything placed; returns the full dispatch order. */
export function drain(s: Scheduler, rounds = 1000): string[] {
  const out: string[] = [];
  for (let i = 0; i < rounds && s.queuedCount > 0; i++) {
    const r = s.schedule(i);
    for (const p of r.placements) {
      out.push(p.task.key);
      s.release(p.task.key);
    }
    if (r.placements.length === 0) break;
  }
  return out;
}
