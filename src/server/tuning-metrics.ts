/**
 * Prometheus metrics of the settings tuners (adaptive concurrency, priority shares, the what-if
 * policy switch; docs/self-tuning.md), read at scrape time from `engine.selfTuning`, and of the
 * learned policy's live guards (docs/learned-policy.md; absent unless the policy is `learned`).
 * Names are queried by deploy/grafana/kairos.json (the Tuning row).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Engine } from '../engine/engine.js';
import { learnedGuardsOf } from '../engine/learned-guards.js';
import { learnedLoopsOf } from '../engine/learned-loops.js';

export function registerTuningMetrics(engine: Engine, registers: Registry[]): void {
  const st = engine.selfTuning;
  new Counter({
    name: 'kairos_tuning_decisions_total',
    help: 'Decisions of every self-tuning component, by tuner (concurrency, shares, policy, rightsizing, anomaly, breaker, deadline) and action',
    labelNames: ['tuner', 'action'], registers,
    collect() {
      this.reset();
      for (const c of st.log.counts()) this.inc({ tuner: c.tuner, action: c.action }, c.count);
      for (const [k, v] of Object.entries(engine.tuners.counters.decisions)) {
        const slash = k.indexOf('/');
        this.inc({ tuner: k.slice(0, slash), action: k.slice(slash + 1) }, v);
      }
    },
  });
  new Gauge({
    name: 'kairos_pool_concurrency_limit', help: 'Concurrency limit per pool of remote workers (autoConcurrency with a broker; absent until the pool finishes attempts)', labelNames: ['pool'], registers,
    collect() {
      this.reset();
      for (const [pool, c] of st.pools) this.set({ pool }, c.limit);
    },
  });
  new Gauge({ name: 'kairos_concurrency_limit', help: 'Attempts that may run at once on the local worker (moved by autoConcurrency when on)', registers, collect() { this.set(engine.concurrency); } });
  new Gauge({
    name: 'kairos_priority_share', help: 'WRR share per priority level in force (absent under another policy)', labelNames: ['priority'], registers,
    collect() {
      this.reset();
      const c = engine.scheduler.config;
      if (c.policy !== 'wrr') return;
      const shares = st.shares?.shares ?? (((c.settings ?? {})['shares'] ?? {}) as Record<string, number>);
      for (const [priority, v] of Object.entries(shares)) if (typeof v === 'number') this.set({ priority }, v);
    },
  });
  new Gauge({
    name: 'kairos_priority_wait_objective_seconds', help: 'p95 queue-wait objective per priority level (autoShares)', labelNames: ['priority'], registers,
    collect() {
      this.reset();
      for (const [priority, ms] of Object.entries(st.shares?.objectives ?? {})) this.set({ priority }, ms / 1000);
    },
  });
  new Gauge({
    name: 'kairos_priority_wait_window_seconds', help: 'p95 queue wait per priority level in the share tuner\'s last window', labelNames: ['priority'], registers,
    collect() {
      this.reset();
      for (const [priority, ms] of Object.entries(st.shares?.state().lastP95Ms ?? {})) if (ms !== null) this.set({ priority }, ms / 1000);
    },
  });
  const policyState = (): Record<string, unknown> | null => st.policy?.state() ?? null;
  new Gauge({
    name: 'kairos_whatif_predicted_avg_jct_seconds', help: 'Average JCT the last what-if replay predicts per policy (the current one under its name)', labelNames: ['policy'], registers,
    collect() {
      this.reset();
      const p = (policyState()?.['predicted'] ?? {}) as Record<string, { avgJctMs: number }>;
      for (const [policy, m] of Object.entries(p)) if (Number.isFinite(m.avgJctMs)) this.set({ policy }, m.avgJctMs / 1000);
    },
  });
  new Gauge({
    name: 'kairos_whatif_calibration_error', help: '(replayed - recorded) / recorded avg JCT of the current policy in the last what-if replay', registers,
    collect() {
      this.reset();
      const e = policyState()?.['calibrationError'];
      if (typeof e === 'number') this.set(e);
    },
  });
  // The learned policy's guard: counters of the GuardStats in force (a reconfigured policy starts
  // a fresh one: Prometheus sees a counter reset), the side in force, the last measured regret.
  const guard = () => learnedGuardsOf(engine.scheduler.config)?.stats ?? null;
  new Counter({
    name: 'kairos_learned_fallbacks_total', help: 'Fallbacks of the learned policy to its heuristic, by reason (model, non-finite, latency, regret)', labelNames: ['reason'], registers,
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(guard()?.fallbacks ?? {})) this.inc({ reason }, n);
    },
  });
  new Counter({
    name: 'kairos_learned_returns_total', help: 'Returns of the learned policy from its fallback heuristic to the model', registers,
    collect() {
      this.reset();
      const g = guard();
      if (g !== null) this.inc(g.returns);
    },
  });
  new Gauge({
    name: 'kairos_learned_active', help: '1 while the learned policy\'s model schedules, 0 while its fallback heuristic does (absent under another policy)', registers,
    collect() {
      this.reset();
      const g = guard();
      if (g !== null) this.set(g.active === 'learned' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kairos_learned_regret', help: 'Last measured regret by replay: learned / fallback replayed avg JCT - 1 (learnedRegret)', registers,
    collect() {
      this.reset();
      const r = learnedLoopsOf(engine)?.regret?.state()['lastJctRegret'];
      if (typeof r === 'number') this.set(r);
    },
  });
}
