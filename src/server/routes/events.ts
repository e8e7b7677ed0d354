/**
 * Live events as Server-Sent Events: `event: task` (a task changed state) and `event: run` (a
 * run started or ended), `data:` one JSON object. `?run=ID` limits the stream to one run; a
 * namespace-scoped token only receives its namespace's events. A comment line every
 * KEEPALIVE_MS keeps proxies from closing an idle stream.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { canSee } from '../auth.js';
import { EventsQuery, responses } from '../schemas.js';
import { Type } from '@sinclair/typebox';
import { visibleRun } from './runs.js';

const KEEPALIVE_MS = 15_000;

export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const k = app.kairos;
  app.get('/events', {
    schema: {
      tags: ['events'], summary: 'Live task and run changes (text/event-stream)', querystring: EventsQuery,
      response: responses({ 200: Type.String({ description: 'text/event-stream' }) }, [401, 404, 429]),
    },
  }, async (req, reply) => {
    const p = req.principal;
    const runId = req.query.run;
    if (runId !== undefined) await visibleRun(k, p, runId);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': kairos events\n\n');
    const unsubscribe = k.hub.subscribe((e) => {
      if (runId !== undefined && e.runId !== runId) return;
      if (!canSee(p, e.namespace)) return;
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS).unref();
    const end = () => {
      clearInterval(keepalive);
      unsubscribe();
      k.closed.removeEventListener('abort', end);
      if (!res.writableEnded) res.end();
    };
    k.closed.addEventListener('abort', end);
    req.raw.on('close', end);
  });
};
