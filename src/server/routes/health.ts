/** `/healthz` (never needs a token; 503 while draining) and `/metrics` (Prometheus text). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const k = app.kairos;
  app.get('/healthz', {
    config: { public: true },
    schema: {
      tags: ['system'], summary: 'Liveness: 200 while serving, 503 while shutting down',
      response: {
        200: Type.Object({ status: Type.String(), role: Type.String(), runs: Type.Integer() }),
        503: Type.Object({ status: Type.String(), role: Type.String(), runs: Type.Integer() }),
      },
    },
  }, async (_req, reply) => {
    return reply.code(k.draining ? 503 : 200).send({ status: k.draining ? 'draining' : 'ok', role: k.leadership.role, runs: k.engine.runs.size });
  });

  app.get('/metrics', {
    config: { public: 'metrics' },
    schema: { tags: ['system'], summary: 'Prometheus metrics (text exposition format); open unless `metricsAuth`', response: { 200: Type.String() } },
  }, async (_req, reply) => {
    const body = await k.metrics.registry.metrics();
    return reply.header('content-type', k.metrics.registry.contentType).send(body);
  });
};
