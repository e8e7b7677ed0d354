/**
 * GET /tuning: what every self-tuning component is doing and why (docs/api.md, docs/self-tuning.md):
 * the settings tuners (adaptive concurrency, priority shares, the what-if policy switch) and the
 * task tuners (right-sizing, anomalies, per-worker breaker, deadline risk), each with its state,
 * plus the recent decisions of all of them, newest last, each with its reason. The engine keeps
 * bounded rings of decisions (500 settings decisions, 1,000 task-tuner decisions); `limit` cuts
 * the merged list further. `learned` is the learned policy's live guards (engine/learned-loops.ts):
 * the side in force and why, regret by replay per recent window, and the fine-tune schedule.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import { learnedState } from '../../engine/learned-loops.js';
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

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const AtReason = Type.Object({ at: Type.Number({ description: 'ms epoch' }), runs: Type.Integer(), reason: Type.String() });

export const LearnedGuardsView = Type.Object({
  policy: Type.String({ description: 'The policy in force' }),
  mode: Nullable(Type.Union([Type.Literal('learned'), Type.Literal('fallback')], { description: 'Which side of the learned policy schedules; null when the policy is not learned' })),
  fallback: Nullable(Type.String({ description: 'The fallback heuristic of the learned config' })),
  why: Nullable(Type.String({ description: 'The guard\'s last fallback or return with its reason and numbers' })),
  regretHold: Nullable(Type.Boolean({ description: 'Whether regret by replay holds the policy on its fallback' })),
  guard: Type.Unknown({ description: 'GuardStats: fallbacks by reason (model, non-finite, latency, regret), returns, decisions per side, active side, last event; null for other policies' }),
  regret: Type.Object(
    {
      enabled: Type.Boolean(),
      lastAt: Type.Optional(Nullable(Type.Number({ description: 'Last replay evaluation (ms epoch)' }))),
      lastReason: Type.Optional(Nullable(Type.String())),
      lastJctRegret: Type.Optional(Nullable(Type.Number({ description: 'learned / fallback replayed avg JCT - 1' }))),
      nextAt: Type.Optional(Nullable(Type.Number({ description: 'Next evaluation (ms epoch)' }))),
      recent: Type.Optional(Type.Array(Type.Object({
        at: Type.Number(),
        runs: Type.Integer(),
        jctRegret: Nullable(Type.Number()),
        missRegret: Nullable(Type.Number()),
        learnedAvgJctMs: Nullable(Type.Number()),
        fallbackAvgJctMs: Nullable(Type.Number()),
        action: Type.String({ description: 'fallback | return | hold' }),
        reason: Type.String(),
      }), { description: 'Regret per judged window, oldest first (the last 20)' })),
    },
    { additionalProperties: true, description: 'Regret by replay (config learnedRegret): settings, streak, counters, last switch' },
  ),
  finetune: Type.Object(
    {
      enabled: Type.Boolean(),
      nextAt: Type.Optional(Nullable(Type.Number({ description: 'Next scheduled fine-tuning (ms epoch)' }))),
      lastPromotion: Type.Optional(Nullable(AtReason)),
      lastRefusal: Type.Optional(Nullable(AtReason)),
    },
    { additionalProperties: true, description: 'Scheduled fine-tuning (config finetune): model file, counters, last outcome and error' },
  ),
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
  learned: LearnedGuardsView,
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
      learned: learnedState(engine) as typeof LearnedGuardsView.static,
      tuners: tuners ? { counters: tuners.counters, rightsizing: tuners.recommendations(), breakers: tuners.breakerStates(), atRisk: tuners.atRiskRuns() } : null,
      decisions: decisions.slice(Math.max(0, decisions.length - req.query.limit)),
      total: engine.selfTuning.log.total,
    };
  });
};
