/**
 * Workflows: register a spec (a new version each time), list the latest versions, read one with
 * its version history. Specs are validated by the same parser as `kairos validate`: an invalid
 * spec is a 400 SPEC_INVALID listing every issue with its path, line and column.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { parseWorkflow } from '../../core/spec/parse.js';
import { canSee, requireRole } from '../auth.js';
import { ApiError, specError } from '../errors.js';
import { RegisterWorkflowBody, WorkflowParams, WorkflowQuery, WorkflowSummary, responses } from '../schemas.js';
import { redactSpec, workflowSummary } from '../views.js';

const WorkflowDetail = Type.Object({
  workflow: Type.Ref(WorkflowSummary),
  source: Type.String({ description: 'The registered text; empty for viewer tokens (it may hold secret env values)' }),
  spec: Type.Unknown(),
  versions: Type.Array(Type.Object({ version: Type.Integer(), createdAt: Type.Integer() })),
});

/** Most versions listed by GET /workflows/:name (newest first). */
const MAX_VERSIONS_LISTED = 100;

export const workflowRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.kairos;

  app.post('/workflows', {
    schema: {
      tags: ['workflows'], summary: 'Register a workflow spec (stored as a new version)', body: RegisterWorkflowBody,
      response: responses({ 201: Type.Ref(WorkflowSummary) }, [400, 401, 403, 413, 429]),
    },
  }, async (req, reply) => {
    requireRole(req.principal, 'operator', 'register workflows');
    const { source, spec } = req.body;
    if ((source === undefined) === (spec === undefined)) {
      throw new ApiError('VALIDATION_FAILED', 'send exactly one of `source` (YAML/JSON text) or `spec` (a JSON object)', { field: 'source' });
    }
    const text = source ?? JSON.stringify(spec, null, 2);
    const r = parseWorkflow(text);
    if (!r.ok) throw specError(r.errors);
    if (!canSee(req.principal, r.spec.namespace)) {
      throw new ApiError('FORBIDDEN', `this token is limited to namespace '${req.principal.namespace}'; the spec is in '${r.spec.namespace}'`, { field: 'namespace' });
    }
    const existing = await store.getWorkflow(r.spec.name);
    if (existing && !canSee(req.principal, existing.namespace)) {
      throw new ApiError('FORBIDDEN', `workflow name '${r.spec.name}' is taken`, { field: 'name' });
    }
    const row = await store.saveWorkflow({ name: r.spec.name, namespace: r.spec.namespace, spec: r.spec, source: text, createdAt: Date.now() });
    return reply.code(201).send(workflowSummary(row));
  });

  app.get('/workflows', {
    schema: { tags: ['workflows'], summary: 'List workflows (latest version of each)', response: responses({ 200: Type.Object({ workflows: Type.Array(Type.Ref(WorkflowSummary)) }) }, [401, 429]) },
  }, async (req) => {
    const rows = await store.listWorkflows();
    return { workflows: rows.filter((w) => canSee(req.principal, w.namespace)).map(workflowSummary) };
  });

  app.get('/workflows/:name', {
    schema: {
      tags: ['workflows'], summary: 'A workflow (latest or ?version=N) with its spec and version history',
      params: WorkflowParams, querystring: WorkflowQuery, response: responses({ 200: WorkflowDetail }, [400, 401, 404, 429]),
    },
  }, async (req) => {
    const { name } = req.params;
    const latest = await store.getWorkflow(name);
    const notFound = () => new ApiError('WORKFLOW_NOT_FOUND', `workflow '${name}' does not exist`, { field: 'name' });
    if (!latest || !canSee(req.principal, latest.namespace)) throw notFound();
    const row = req.query.version === undefined ? latest : await store.getWorkflow(name, req.query.version);
    if (!row) throw new ApiError('WORKFLOW_NOT_FOUND', `workflow '${name}' has no version ${req.query.version}`, { field: 'version' });
    const versions: { version: number; createdAt: number }[] = [];
    for (let v = latest.version; v >= 1 && versions.length < MAX_VERSIONS_LISTED; v--) {
      const w = v === latest.version ? latest : await store.getWorkflow(name, v);
      if (w) versions.push({ version: w.version, createdAt: w.createdAt });
    }
    // Secret env values never leave the server; the source text holds them, so viewers do not get it.
    const source = req.principal.role === 'viewer' ? '' : row.source;
    return { workflow: workflowSummary(row), source, spec: redactSpec(row.spec), versions };
  });
};
