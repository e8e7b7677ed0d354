/**
 * Runs: submit a registered workflow, list with filters and search, read one with its tasks,
 * cancel, retry. Namespace-scoped tokens see their namespace only; another namespace's run is
 * a 404, as if it did not exist.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { RunRow } from '../../store/types.js';
import { canSee, requireRole, type Principal } from '../auth.js';
import type { KairosContext } from '../context.js';
import { ApiError } from '../errors.js';
import { RetryBody, Run, RunParams, RunWithTasks, RunsQuery, SubmitRunBody, responses } from '../schemas.js';
import { liveTaskRows, needsBySpec, runView, taskView } from '../views.js';
import { retryStored, submitStored } from '../../engine/stored-ops.js';

/** The run if it exists and the caller may see it; 404 otherwise (existence is not leaked). */
export async function visibleRun(k: KairosContext, p: Principal, id: string): Promise<RunRow> {
  const row = k.engine.runs.get(id)?.row ?? (await k.store.getRun(id));
  if (!row || !canSee(p, row.namespace)) throw new ApiError('RUN_NOT_FOUND', `run '${id}' does not exist`, { field: 'id' });
  return row;
}

export function refuseWhileDraining(k: KairosContext): void {
  if (k.draining) throw new ApiError('SHUTTING_DOWN', 'the server is shutting down and admits no new work', { retryable: true });
}

/** Actions on the scheduler itself answer 409 NOT_LEADER on a replica (their effect would be lost). */
export function requireLeader(k: KairosContext, what: string): void {
  if (!k.leadership.isLeader) throw new ApiError('NOT_LEADER', `this server is a replica; ${what} on the scheduler leader (its /healthz answers role: leader)`);
}

/** `since` as epoch ms: digits are milliseconds, anything else an ISO 8601 time. */
function parseSince(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new ApiError('VALIDATION_FAILED', `query field \`since\`: '${s}' is neither epoch milliseconds nor an ISO 8601 time`, { field: 'since' });
  return t;
}

export const runRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const k = app.kairos;
  const { engine, store } = k;

  app.post('/runs', {
    schema: {
      tags: ['runs'], summary: 'Submit a run of a registered workflow', body: SubmitRunBody,
      response: responses({ 201: Type.Ref(Run) }, [400, 401, 403, 404, 413, 429, 503]),
    },
  }, async (req, reply) => {
    requireRole(req.principal, 'operator', 'submit runs');
    refuseWhileDraining(k);
    const { workflow, version, params, labels } = req.body;
    const w = await store.getWorkflow(workflow, version);
    if (!w || !canSee(req.principal, w.namespace)) {
      throw new ApiError('WORKFLOW_NOT_FOUND', `workflow '${workflow}'${version === undefined ? '' : ` version ${version}`} does not exist (register it with POST /workflows)`, { field: version === undefined ? 'workflow' : 'version' });
    }
    const row = k.leadership.isLeader
      ? await engine.submit(w.spec, params ?? {}, { labels: labels ?? {} })
      : await submitStored(store, w.spec, params ?? {}, { labels: labels ?? {} }, Date.now(), engine.options.rng);
    void k.leadership.wake();
    return reply.code(201).send(runView(row));
  });

  app.get('/runs', {
    schema: {
      tags: ['runs'], summary: 'List runs, newest first', querystring: RunsQuery,
      response: responses({ 200: Type.Object({ runs: Type.Array(Type.Ref(Run)) }) }, [400, 401, 429]),
    },
  }, async (req) => {
    const q = req.query;
    const scope = req.principal.namespace;
    if (scope !== null && q.namespace !== undefined && q.namespace !== scope) return { runs: [] };
    const rows = await store.listRuns({
      ...(q.state ? { state: q.state as RunRow['state'] } : {}),
      ...(scope ?? q.namespace ? { namespace: (scope ?? q.namespace)! } : {}),
      ...(q.workflow ? { workflow: q.workflow } : {}),
      ...(q.priority !== undefined ? { priority: q.priority } : {}),
      ...(q.since !== undefined ? { since: parseSince(q.since) } : {}),
      ...(q.search ? { search: q.search } : {}),
      limit: q.limit ?? 100,
    });
    return { runs: rows.map(runView) };
  });

  app.get('/runs/:id', {
    schema: { tags: ['runs'], summary: 'A run with its tasks', params: RunParams, response: responses({ 200: RunWithTasks }, [401, 404, 429]) },
  }, async (req) => {
    const run = await visibleRun(k, req.principal, req.params.id);
    const tasks = liveTaskRows(engine, run.id) ?? (await store.getTasks(run.id));
    const needs = needsBySpec(run);
    return { run: runView(run), tasks: tasks.map((t) => taskView(t, needs, engine)) };
  });

  app.post('/runs/:id/cancel', {
    schema: {
      tags: ['runs'], summary: 'Cancel a running run (queued tasks dropped, running ones killed)', params: RunParams,
      response: responses({ 200: Type.Ref(Run) }, [401, 403, 404, 409, 429]),
    },
  }, async (req) => {
    requireRole(req.principal, 'operator', 'cancel runs');
    const run = await visibleRun(k, req.principal, req.params.id);
    return runView(await engine.cancelStored(run.id));
  });

  // Pause and resume: nothing of a paused run starts (its queued tasks wait with the reason
  // `{ kind: 'paused', scope: 'run' }`); attempts already running finish. The pause is stored.
  for (const action of ['pause', 'resume'] as const) {
    app.post(`/runs/:id/${action}`, {
      schema: {
        tags: ['runs'], params: RunParams,
        summary: action === 'pause' ? 'Pause a live run: its queued tasks are held, running attempts finish' : 'Resume a paused run',
        response: responses({ 200: Type.Ref(Run) }, [401, 403, 404, 409, 429]),
      },
    }, async (req) => {
      requireRole(req.principal, 'operator', `${action} runs`);
      const run = await visibleRun(k, req.principal, req.params.id);
      if (run.state !== 'running' && run.state !== 'compensating') {
        throw new ApiError('ILLEGAL_TRANSITION', `run '${run.id}' is ${run.state}; only a running run can be ${action === 'pause' ? 'paused' : 'resumed'}`);
      }
      if (!engine.runs.has(run.id) && !k.leadership.isLeader) {
        throw new ApiError('NOT_LEADER', `run '${run.id}' is driven by the scheduler leader (${run.owner ?? 'about to adopt it'}); send the ${action} to the leader`);
      }
      if (!engine.runs.has(run.id)) {
        throw new ApiError('ILLEGAL_TRANSITION', `run '${run.id}' is not driven by this server (another process owns it); it cannot be ${action === 'pause' ? 'paused' : 'resumed'} here`);
      }
      const row = action === 'pause' ? engine.pauseRun(run.id) : engine.resumeRun(run.id);
      req.log.info({ run: run.id }, `run ${action === 'pause' ? 'paused' : 'resumed'}`);
      return runView(row);
    });
  }

  app.post('/runs/:id/retry', {
    schema: {
      tags: ['runs'], summary: "Rerun a finished run's failed tasks, or `task` and everything downstream", params: RunParams, body: RetryBody,
      response: responses({ 200: Type.Ref(Run) }, [400, 401, 403, 404, 409, 429, 503]),
    },
  }, async (req) => {
    requireRole(req.principal, 'operator', 'retry runs');
    refuseWhileDraining(k);
    const run = await visibleRun(k, req.principal, req.params.id);
    const task = req.body?.task;
    if (k.leadership.isLeader) return runView(await engine.retry(run.id, task));
    const row = await retryStored(store, run.id, task, Date.now());
    void k.leadership.wake();
    return runView(row);
  });
};
