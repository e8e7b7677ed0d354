/**
 * System-wide controls (admin, unscoped tokens only): pause and resume the whole engine (nothing
 * new starts; running attempts finish; not stored, a restarted server runs again), the local
 * worker's concurrency, and one view of all three with the scheduling policy.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DEFAULT_HEAD_TIMEOUT_MS } from '../../sched/config.js';
import { requireRole, type Principal } from '../auth.js';
import { ApiError } from '../errors.js';
import { ConcurrencyBody, responses } from '../schemas.js';
import { requireLeader } from './runs.js';

export const SystemView = Type.Object({
  paused: Type.Boolean({ description: 'System-wide pause: no attempt starts while true' }),
  concurrency: Type.Integer({ description: 'Attempts that may run at once on the local worker' }),
  running: Type.Integer(),
  queued: Type.Integer(),
  liveRuns: Type.Integer(),
  policy: Type.Object({
    policy: Type.String(), admission: Type.String(), settings: Type.Unknown(),
    headTimeoutMs: Type.Number(), headRetries: Type.Integer(),
  }),
});

function requireSystemAdmin(p: Principal, action: string): void {
  requireRole(p, 'admin', action);
  if (p.namespace !== null) throw new ApiError('FORBIDDEN', `a namespace-scoped token cannot ${action}`);
}

export const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const k = app.kairos;
  const { engine } = k;

  const view = (): typeof SystemView.static => {
    const c = engine.scheduler.config;
    return {
      paused: engine.paused,
      concurrency: engine.concurrency,
      running: engine.scheduler.runningCount,
      queued: engine.scheduler.queuedCount,
      liveRuns: engine.runs.size,
      policy: {
        policy: c.policy, admission: c.admission ?? 'greedy', settings: c.settings ?? {},
        headTimeoutMs: c.headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS, headRetries: c.headRetries ?? 0,
      },
    };
  };

  app.get('/system', {
    schema: { tags: ['system'], summary: 'System state: paused, concurrency, the scheduling policy', response: responses({ 200: SystemView }, [401, 403, 429]) },
  }, async (req) => {
    requireSystemAdmin(req.principal, 'read the system state');
    return view();
  });

  app.post('/system/pause', {
    schema: { tags: ['system'], summary: 'Pause the whole engine: no attempt starts until resumed (running ones finish; not stored)', response: responses({ 200: SystemView }, [401, 403, 429]) },
  }, async (req) => {
    requireSystemAdmin(req.principal, 'pause the system');
    requireLeader(k, 'pause the system');
    engine.pauseAll();
    req.log.warn('system paused');
    return view();
  });

  app.post('/system/resume', {
    schema: { tags: ['system'], summary: 'Resume the engine after a system pause', response: responses({ 200: SystemView }, [401, 403, 429]) },
  }, async (req) => {
    requireSystemAdmin(req.principal, 'resume the system');
    requireLeader(k, 'resume the system');
    engine.resumeAll();
    req.log.info('system resumed');
    return view();
  });

  app.put('/system/concurrency', {
    schema: {
      tags: ['system'], summary: 'Set how many attempts may run at once (running attempts are never stopped)', body: ConcurrencyBody,
      response: responses({ 200: SystemView }, [400, 401, 403, 429]),
    },
  }, async (req) => {
    requireSystemAdmin(req.principal, 'set the concurrency');
    requireLeader(k, 'set the concurrency');
    engine.setConcurrency(req.body.concurrency);
    req.log.info({ concurrency: req.body.concurrency }, 'concurrency set');
    return view();
  });
};
