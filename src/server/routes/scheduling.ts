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
import { requireLeader } from './runs.js';
import { DEFAULT_HEAD_TIMEOUT_MS } from '../../sched/config.js';
import type { Engine } from '../../engine/engine.js';
import type { Waiting } from '../../sched/types.js';

const PAUSED_SYSTEM: WaitReason = Object.freeze({ kind: 'paused', scope: 'system' });
const PAUSED_RUN: WaitReason = Object.freeze({ kind: 'paused', scope: 'run' });

interface HeadSeen { run: string; task: string; namespace: string; priority: number; since: number; reason: WaitReason }

/**
 * Blocked queue heads under strict/backfill admission, as the server sees them. The scheduler
 * keeps its own head timers private (src/sched/head-timers.ts), so this watch derives the heads
 * from the wait reasons it does expose: every task another waits behind (`head_of_line`,
 * `reservation`), plus the backfill reservation's head, plus (strict) the oldest waiting task
 * of each priority that is itself not behind a head. `since` is when the watch first saw the
 * task as a head: sampled about every second, so it can be up to ~1 s later than the scheduler's.
 */
class HeadWatch {
  readonly #engine: Engine;
  #seen = new Map<string, HeadSeen>();
  constructor(engine: Engine) {
    this.#engine = engine;
  }

  sample(now: number, waiting?: readonly Waiting[]): void {
    const sched = this.#engine.scheduler;
    if ((sched.config.admission ?? 'greedy') === 'greedy' || this.#engine.paused) {
      if (this.#seen.size > 0) this.#seen = new Map();
      return;
    }
    const all = waiting ?? sched.waiting();
    const byKey = new Map(all.map((w) => [w.task.key, w]));
    const headKeys = new Set<string>();
    const oldest = new Map<number, Waiting>();
    for (const w of all) {
      const r = w.reason;
      if (r.kind === 'head_of_line' || r.kind === 'reservation') headKeys.add(r.head);
      else if (sched.config.admission === 'strict') {
        const o = oldest.get(w.task.priority);
        if (!o || w.since < o.since) oldest.set(w.task.priority, w);
      }
    }
    for (const w of oldest.values()) headKeys.add(w.task.key);
    const res = sched.reservation();
    if (res) headKeys.add(res.head);
    const next = new Map<string, HeadSeen>();
    for (const key of headKeys) {
      const w = byKey.get(key);
      if (!w) continue;
      const live = (w.task as EngineSchedTask).live;
      const prev = this.#seen.get(key);
      next.set(key, {
        run: live.row.runId, task: live.row.taskId, namespace: w.task.job.namespace, priority: w.task.priority,
        since: prev?.since ?? now, reason: w.reason,
      });
    }
    this.#seen = next;
  }

  current(): HeadSeen[] {
    return [...this.#seen.values()].sort((a, b) => a.since - b.since);
  }
}

const SETTLED = new Set(['succeeded', 'failed', 'timed_out', 'skipped', 'cancelled', 'compensated']);

const WaitingTask = Type.Object({
  run: Type.String(), task: Type.String(), workflow: Type.String(), namespace: Type.String(), priority: Type.Number(),
  state: Type.String(), since: Type.Union([Type.Integer(), Type.Null()]), reason: Type.Unknown(), reasonText: Type.String(),
});
const QueueHead = Type.Object({
  run: Type.String(), task: Type.String(), priority: Type.Number(),
  blockedSince: Type.Integer({ description: 'When the server first saw this task block its queue (sampled about every second)' }),
  timeoutAt: Type.Integer({ description: 'blockedSince + headTimeoutMs: when the scheduler retries or cancels it (per try)' }),
  reason: Type.Unknown(), reasonText: Type.String(),
});
const Queues = Type.Object({
  policy: Type.String(),
  admission: Type.String(),
  systemPaused: Type.Boolean(),
  headTimeouts: Type.Union([Type.Object({
    headTimeoutMs: Type.Number(), headRetries: Type.Integer(), heads: Type.Array(QueueHead),
  }), Type.Null()], { description: 'Strict/backfill admission only: the blocked queue heads and when they time out' }),
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
  const k = app.kairos;
  const { engine } = k;
  const sched = engine.scheduler;
  const heads = new HeadWatch(engine);
  const timer = setInterval(() => heads.sample(Date.now()), 1000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

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
    const systemPaused = engine.paused;
    const waiting = sched.waiting();
    for (const w of waiting) {
      const live = (w.task as EngineSchedTask).live;
      if (!canSee(p, w.task.job.namespace)) continue;
      depth.set(w.task.priority, (depth.get(w.task.priority) ?? 0) + 1);
      add({
        run: live.row.runId, task: live.row.taskId, workflow: live.run.row.workflow, namespace: w.task.job.namespace,
        priority: w.task.priority, state: live.row.state, since: w.since, reason: systemPaused ? PAUSED_SYSTEM : w.reason,
      });
    }
    // Tasks not in the scheduler yet: waiting on upstream tasks, or backing off before a retry.
    for (const run of engine.runs.values()) {
      if (!canSee(p, run.row.namespace)) continue;
      for (const t of run.tasks.values()) {
        const base = { run: run.row.id, task: t.id, workflow: run.row.workflow, namespace: run.row.namespace, priority: t.spec.priority, state: t.row.state };
        if (t.row.state === 'queued' && run.held.includes(t)) {
          // Held by a run pause: out of the scheduler (not in `depth`/`queued`) until the run resumes.
          add({ ...base, since: t.row.readyAt, reason: PAUSED_RUN });
        } else if (t.row.state === 'retry_wait') {
          add({ ...base, since: t.row.finishedAt, reason: t.row.reason ?? { kind: 'backoff', until: t.row.retryAt ?? 0, attempt: t.row.attempt + 1 } });
        } else if (t.row.state === 'pending' && t.unsettledParents > 0) {
          const waitingOn = (t.group?.parents ?? t.parents).filter((x) => !SETTLED.has(x.row.state)).map((x) => x.id);
          add({ ...base, since: run.row.startedAt, reason: t.row.reason ?? { kind: 'dependency', waitingOn } });
        }
      }
    }
    items.sort((a, b) => (a.since ?? 0) - (b.since ?? 0));
    const cfg = sched.config;
    const admission = cfg.admission ?? 'greedy';
    let headTimeouts: typeof Queues.static['headTimeouts'] = null;
    if (admission !== 'greedy') {
      const headTimeoutMs = cfg.headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS;
      heads.sample(Date.now(), waiting);
      headTimeouts = {
        headTimeoutMs, headRetries: cfg.headRetries ?? 0,
        heads: heads.current().filter((h) => canSee(p, h.namespace)).map((h) => ({
          run: h.run, task: h.task, priority: h.priority, blockedSince: h.since, timeoutAt: h.since + headTimeoutMs,
          reason: h.reason, reasonText: describeWaitReason(h.reason),
        })),
      };
    }
    return {
      policy: cfg.policy,
      admission,
      systemPaused,
      headTimeouts,
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
    requireLeader(k, 'switch the policy');
    try {
      engine.configureScheduler(next);
    } catch (e) {
      throw new ApiError('POLICY_INVALID', `policy '${b.policy}' refused its settings: ${(e as Error).message}`, { field: 'settings' });
    }
    req.log.info({ policy: next.policy }, 'scheduling policy switched');
    return view();
  });
};
