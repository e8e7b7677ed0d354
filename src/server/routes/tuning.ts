/**
 * GET /tuning: what every self-tuning component is doing and why (docs/api.md, docs/self-tuning.md):
 * the settings tuners (adaptive concurrency, priority shares, the what-if policy switch) and the
 * task tuners (right-sizing, anomalies, per-worker breaker, deadline risk), each with its state,
 * plus the recent decisions of all of them, newest last, each with its reason. The engine keeps
 * bounded rings of decisions (500 settings decisions, 1,000 task-tuner decisions); `limit` cuts
 * the merged list further.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { canSee } from '../auth.js';
import { responses } from '../schemas.js';

export const TuningDecisionView = Type.Object({
  at: Type.Number({ description: 'ms epoch' }),
  tuner: Type.String({ description: 'concurrency | shares | policy | rightsizing | anomaly | breaker | deadline' }),
  action: Type.String({ description: 'e.g. increase, move, switch, apply, open, at_risk' }),
  subject: Type.Union([Type.String(), Type.Null()], { description: 'What it acted on (task, signature, worker, run); null for engine-wide settings' }),
  from: Type.Unknown({ description: 'The setting before (settings tuners)' }),
  to: Type.Unknown({ description: 'The setting after (settings tuners)' }),
  reason: Type.String({ description: 'A sentence with the numbers that drove the decision' }),
});

export const TuningView = Type.Object({
  concurrency: Type.Object({
    enabled: Type.Boolean(),
    kind: Type.Union([Type.String(), Type.Null()]),
    limit: Type.Integer({ description: 'The concurrency limit in force' }),
    windows: Type.Integer(),
    lastReason: Type.Union([Type.String(), Type.Null()]),
    changes: Type.Integer(),
  }),
  shares: Type.Object(
    {
      enabled: Type.Boolean(),
      shares: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()], { description: 'WRR shares in force (null under another policy)' }),
      objectivesMs: Type.Optional(Type.Record(Type.String(), Type.Number())),
      windowMs: Type.Optional(Type.Number()),
      windows: Type.Optional(Type.Integer()),
      lastReason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      lastP95Ms: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]))),
      changes: Type.Optional(Type.Integer()),
    },
  ),
  policy: Type.Object({ enabled: Type.Boolean(), current: Type.String() }, { additionalProperties: true, description: 'The what-if auto mode: last evaluation, scores per candidate, streak, switches' }),
  tuners: Type.Union([
    Type.Object({
      counters: Type.Unknown(),
      rightsizing: Type.Array(Type.Unknown(), { description: 'Recommendations per task signature' }),
      breakers: Type.Array(Type.Unknown(), { description: 'Circuit breaker per worker' }),
      atRisk: Type.Array(Type.Unknown(), { description: 'Live runs predicted to miss their deadline' }),
    }),
    Type.Null(),
  ]),
  decisions: Type.Array(TuningDecisionView),
  total: Type.Integer({ description: 'Settings decisions made since the start (the ring keeps the last 500)' }),
});

const TuningQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1500, default: 200 }) }, { additionalProperties: false });

export const tuningRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { engine } = app.kairos;
  app.get('/tuning', {
    schema: {
      tags: ['tuning'],
      summary: 'Self-tuning: each tuner\'s state and the recent decisions with their reasons',
      querystring: TuningQuery,
      response: responses({ 200: TuningView }, [400, 401, 429]),
    },
  }, async (req) => {
    const st = engine.selfTuning.state();
    const tuners = engine.tuners;
    type D = typeof TuningDecisionView.static;
    const decisions: D[] = engine.selfTuning.log.recent().map((d) => ({ at: d.at, tuner: d.tuner, action: d.action, subject: null, from: d.from ?? null, to: d.to ?? null, reason: d.reason }));
    // Task tuners' decisions name a run, task or signature: a namespace-scoped token sees its own only.
    const visible = (subject: string): boolean => {
      const run = engine.runs.get(subject.split('/')[0]!);
      return req.principal.namespace === null || (run !== undefined && canSee(req.principal, run.row.namespace));
    };
    for (const d of tuners?.decisions ?? []) {
      if (!visible(d.subject)) continue;
      decisions.push({ at: d.at, tuner: d.tuner, action: d.action, subject: d.subject, from: null, to: null, reason: d.reason });
    }
    decisions.sort((a, b) => a.at - b.at);
    return {
      concurrency: st.concurrency,
      shares: st.shares,
      policy: st.policy as typeof TuningView.static['policy'],
      tuners: tuners ? { counters: tuners.counters, rightsizing: tuners.recommendations(), breakers: tuners.breakerStates(), atRisk: tuners.atRiskRuns() } : null,
      decisions: decisions.slice(Math.max(0, decisions.length - req.query.limit)),
      total: engine.selfTuning.log.total,
    };
  });
};
