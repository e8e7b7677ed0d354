/**
 * The scheduler's view: queues (depth per priority and every waiting task with the reason it
 * waits), workers (capacity, allocation, use) and the policy (read; switch at run time).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { describeWaitReason, type WaitReason } from '../../core/wait-reason.js';
import type { EngineSchedTask } from '../../engine/task-flow.js';
import { policyNames } from '../../sched/registry.js';
import type { SchedulerConfig } from '../../sched/types.js';
import { canSee, requireRole } from '../auth.js';
import { ApiError } from '../errors.js';
import { PolicyBody, QueuesQuery, responses } from '../schemas.js';

const SETTLED = new Set(['succeeded', 'failed', 'timed_out', 'skipped', 'cancelled', 'compensated']);

const WaitingTask = Type.Object({
  run: Type.String(), task: Type.String(), workflow: Type.String(), namespace: Type.String(), priority: Type.Number(),
  state: Type.String(), since: Type.Union([Type.Integer(), Type.Null()]), reason: Type.Unknown(), reasonText: Type.String(),
});
const Queues = Type.Object({
  policy: Type.String(),
  depth: Type.Array(Type.Object({ priority: Type.Number(), queued: Type.Integer() })),
  queued: Type.Integer(),
  running: Type.Integer(),
  waiting: Type.Array(WaitingTask),
  truncated: Type.Boolean(),
});
const PolicyView = Type.Object({
  policy: Type.String(), settings: Type.Unknown(), admission: Type.String(), config: Type.Unknown(), available: Type.Array(Type.String()),
});

export const schedulingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { engine } = app.kairos;
  const sched = engine.scheduler;

  app.get('/queues', {
    schema: {
      tags: ['scheduling'], summary: 'Queue depth per priority and every waiting task with its reason', querystring: QueuesQuery,
      response: responses({ 200: Queues }, [400, 401, 429]),
    },
  }, async (req) => {
    const p = req.principal;
    const limit = req.query.limit ?? 500;
    type Item = typeof WaitingTask.static;
    const items: Item[] = [];
    const depth = new Map<number, number>();
    const add = (i: Omit<Item, 'reasonText'> & { reason: WaitReason }) => items.push({ ...i, reasonText: describeWaitReason(i.reason) });
    for (const w of sched.waiting()) {
      const live = (w.task as EngineSchedTask).live;
      if (!canSee(p, w.task.job.namespace)) continue;
      depth.set(w.task.priority, (depth.get(w.task.priority) ?? 0) + 1);
      add({
        run: live.row.runId, task: live.row.taskId, workflow: live.run.row.workflow, namespace: w.task.job.namespace,
        priority: w.task.priority, state: live.row.state, since: w.since, reason: w.reason,
      });
    }
    // Tasks not in the scheduler yet: waiting on upstream tasks, or backing off before a retry.
    for (const run of engine.runs.values()) {
      if (!canSee(p, run.row.namespace)) continue;
      for (const t of run.tasks.values()) {
        const base = { run: run.row.id, task: t.id, workflow: run.row.workflow, namespace: run.row.namespace, priority: t.spec.priority, state: t.row.state };
        if (t.row.state === 'retry_wait') {
          add({ ...base, since: t.row.finishedAt, reason: t.row.reason ?? { kind: 'backoff', until: t.row.retryAt ?? 0, attempt: t.row.attempt + 1 } });
        } else if (t.row.state === 'pending' && t.unsettledParents > 0) {
          const waitingOn = (t.group?.parents ?? t.parents).filter((x) => !SETTLED.has(x.row.state)).map((x) => x.id);
          add({ ...base, since: run.row.startedAt, reason: t.row.reason ?? { kind: 'dependency', waitingOn } });
        }
      }
    }
    items.sort((a, b) => (a.since ?? 0) - (b.since ?? 0));
    return {
      policy: sched.config.policy,
      depth: [...depth].sort((a, b) => b[0] - a[0]).map(([priority, queued]) => ({ priority, queued })),
      queued: [...depth.values()].reduce((a, b) => a + b, 0),
      running: sched.runningCount,
      waiting: items.slice(0, limit),
      truncated: items.length > limit,
    };
  });

  app.get('/workers', {
    schema: {
      tags: ['scheduling'], summary: 'Workers: capacity, allocated resources and use (allocated / capacity)',
      response: responses({ 200: Type.Object({ workers: Type.Array(Type.Unknown()) }) }, [401, 429]),
    },
  }, async () => ({
    workers: sched.workers().map((w) => {
      const allocated = sched.allocated(w.id);
      const use: Record<string, number> = {};
      for (const [r, cap] of Object.entries(w.capacity)) use[r] = cap > 0 ? (allocated[r] ?? 0) / cap : 0;
      return { id: w.id, pool: w.pool, speed: w.speed, labels: w.labels, capacity: w.capacity, allocated, use };
    }),
  }));

  const view = () => {
    const c = sched.config;
    return { policy: c.policy, settings: c.settings ?? {}, admission: c.admission ?? 'greedy', config: c, available: policyNames() };
  };

  app.get('/policy', {
    schema: { tags: ['scheduling'], summary: 'The scheduling policy and its settings', response: responses({ 200: PolicyView }, [401, 429]) },
  }, async () => view());

  app.put('/policy', {
    schema: {
      tags: ['scheduling'], summary: 'Switch the policy (or its settings, admission, quotas) at run time; no task is lost',
      body: PolicyBody, response: responses({ 200: PolicyView }, [400, 401, 403, 429]),
    },
  }, async (req) => {
    requireRole(req.principal, 'admin', 'switch the scheduling policy');
    if (req.principal.namespace !== null) throw new ApiError('FORBIDDEN', 'a namespace-scoped token cannot switch the system-wide policy');
    const b = req.body;
    const names = policyNames();
    if (!names.includes(b.policy)) {
      throw new ApiError('POLICY_UNKNOWN', `unknown scheduling policy '${b.policy}'; registered: ${names.join(', ')}`, { field: 'policy' });
    }
    const cur = sched.config;
    const next: SchedulerConfig = {
      ...cur,
      policy: b.policy,
      settings: b.settings ?? (b.policy === cur.policy ? cur.settings : undefined),
      ...(b.admission ? { admission: b.admission } : {}),
      ...(b.headTimeoutMs !== undefined ? { headTimeoutMs: b.headTimeoutMs } : {}),
      ...(b.headRetries !== undefined ? { headRetries: b.headRetries } : {}),
      ...(b.quotas ? { quotas: b.quotas } : {}),
    };
    if (next.settings === undefined) delete (next as { settings?: unknown }).settings;
    try {
      engine.configureScheduler(next);
    } catch (e) {
      throw new ApiError('POLICY_INVALID', `policy '${b.policy}' refused its settings: ${(e as Error).message}`, { field: 'settings' });
    }
    req.log.info({ policy: next.policy }, 'scheduling policy switched');
    return view();
  });
};
