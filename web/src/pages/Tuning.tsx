/**
 * Self-tuning (GET /tuning, refreshed every 5 s): each tuner's current state — adaptive
 * concurrency, priority shares, the what-if policy switch, and the task tuners (right-sizing,
 * anomalies, breaker, deadline risk) — a chart of the concurrency limit and the WRR shares over
 * time (rebuilt from the decisions: each decision is a step from its `from` to its `to`), and the
 * decision log with the reason of each decision, newest first.
 */
import type uPlot from 'uplot';
import { getJson } from '../api';
import { Chart } from '../components/Chart';
import { duration, time } from '../format';
import { useInterval, useLoad } from '../hooks';

interface Decision { at: number; tuner: string; action: string; subject: string | null; from: unknown; to: unknown; reason: string }
interface Tuning {
  concurrency: { enabled: boolean; kind: string | null; limit: number; windows: number; lastReason: string | null; changes: number };
  shares: { enabled: boolean; shares: Record<string, number> | null; objectivesMs?: Record<string, number>; windowMs?: number; windows?: number; lastReason?: string | null; lastP95Ms?: Record<string, number | null>; changes?: number };
  policy: { enabled: boolean; current: string; [k: string]: unknown };
  tuners: { counters: Record<string, unknown>; rightsizing: unknown[]; breakers: { key: string; state: string; reason: string }[]; atRisk: { runId: string; deadlineAt: number; predictedEndAt: number }[] } | null;
  decisions: Decision[];
  total: number;
}

const LEVELS = ['high', 'normal', 'low'];

function On({ on }: { on: boolean }) {
  return <span class={`badge ${on ? 'state-succeeded' : 'state-skipped'}`} data-enabled={String(on)}>{on ? 'on' : 'off'}</span>;
}

/** A step series [x seconds, y] from decisions of one tuner, extended to now. */
function steps(ds: Decision[], value: (v: unknown) => number | null, now: number, current: number | null): [number[], (number | null)[]] {
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (const d of ds) {
    if (xs.length === 0) {
      xs.push(d.at / 1000 - 1e-3);
      ys.push(value(d.from));
    }
    xs.push(d.at / 1000);
    ys.push(value(d.to));
  }
  if (xs.length > 0 || current !== null) {
    xs.push(now / 1000);
    ys.push(current ?? ys[ys.length - 1] ?? null);
  }
  return [xs, ys];
}

export function TuningPage() {
  const t = useLoad((signal) => getJson<Tuning>('/tuning?limit=500', signal), []);
  useInterval(() => t.reload(), 5000);
  const d = t.data;
  const now = Date.now();
  return (
    <section data-page="tuning">
      <div class="toolbar">
        <h1>Self-tuning</h1>
        <span class="muted small">from <a href="/tuning" target="_blank">/tuning</a>, every 5 s; settings in docs/self-tuning.md</span>
      </div>
      {t.error && <p class="error" role="alert">{t.error.message}</p>}
      {d && <>
        <div class="cards-row">
          <div class="card" data-tuner="concurrency" style={{ flex: "1 1 320px" }}>
            <h2>Adaptive concurrency <On on={d.concurrency.enabled} /></h2>
            <p>Limit <b data-value="limit">{d.concurrency.limit}</b>{d.concurrency.kind && <span class="muted"> · {d.concurrency.kind} · {d.concurrency.changes} changes in {d.concurrency.windows} windows</span>}</p>
            {d.concurrency.lastReason && <p class="small muted">{d.concurrency.lastReason}</p>}
          </div>
          <div class="card" data-tuner="shares" style={{ flex: "1 1 320px" }}>
            <h2>Priority shares <On on={d.shares.enabled} /></h2>
            {d.shares.shares ? <table class="grid compact">
              <thead><tr><th>Level</th><th>Share</th><th>p95 wait (last window)</th><th>Objective</th></tr></thead>
              <tbody>{LEVELS.filter((l) => d.shares.shares![l] !== undefined).map((l) => {
                const p = d.shares.lastP95Ms?.[l];
                const o = d.shares.objectivesMs?.[l];
                return <tr data-level={l}><td>{l}</td><td class="num">{d.shares.shares![l]!.toFixed(3)}</td><td class="num">{p === null || p === undefined ? '—' : duration(p)}</td><td class="num">{o === undefined ? '—' : duration(o)}</td></tr>;
              })}</tbody>
            </table> : <p class="muted small">The policy is not wrr: no shares.</p>}
            {d.shares.lastReason && <p class="small muted">{d.shares.lastReason}</p>}
          </div>
          <div class="card" data-tuner="policy" style={{ flex: "1 1 320px" }}>
            <h2>What-if policy switch <On on={d.policy.enabled} /></h2>
            <p>Policy <b data-value="policy">{d.policy.current}</b>{d.policy.enabled && <span class="muted"> · {String(d.policy['evaluations'])} evaluations · {String(d.policy['switches'])} switches · objective {String(d.policy['objective'])}</span>}</p>
            {typeof d.policy['calibrationError'] === 'number' && <p class="small">Replay of the current policy vs what happened: {((d.policy['calibrationError'] as number) * 100).toFixed(1)}% avg JCT</p>}
            {typeof d.policy['lastReason'] === 'string' && <p class="small muted">{d.policy['lastReason'] as string}</p>}
            {!d.policy.enabled && <p class="small muted">Try it by hand: <code>kairos whatif --since 6h</code></p>}
          </div>
          {d.tuners && <div class="card" data-tuner="tasks" style={{ flex: "1 1 320px" }}>
            <h2>Task tuners</h2>
            <p class="small">Right-sizing: {d.tuners.rightsizing.length} signatures · breakers open: {d.tuners.breakers.filter((b) => b.state !== 'closed').length} of {d.tuners.breakers.length} · runs at deadline risk: {d.tuners.atRisk.length}</p>
            {d.tuners.breakers.filter((b) => b.state !== 'closed').map((b) => <p class="small"><span class="tag">{b.state}</span>{b.key}: {b.reason}</p>)}
          </div>}
        </div>
        <TuningCharts d={d} now={now} />
        <div class="card" data-list="decisions">
          <h2>Decisions <span class="muted small">{d.decisions.length} shown, newest first</span></h2>
          {d.decisions.length === 0 ? <p class="empty small">No tuner has changed anything yet.</p> : <table class="grid compact">
            <thead><tr><th>Time</th><th>Tuner</th><th>Action</th><th>Change</th><th>Reason</th></tr></thead>
            <tbody>{[...d.decisions].reverse().map((x) => <tr data-decision={x.tuner}>
              <td style={{ whiteSpace: "nowrap" }}>{time(x.at)}</td><td><span class="tag">{x.tuner}</span></td><td>{x.action}</td>
              <td class="small">{x.subject ?? change(x)}</td><td class="small" data-reason>{x.reason}</td>
            </tr>)}</tbody>
          </table>}
        </div>
      </>}
    </section>
  );
}

function change(x: Decision): string {
  const f = (v: unknown) => (typeof v === 'object' && v !== null ? Object.entries(v as Record<string, number>).map(([k, n]) => `${k} ${typeof n === 'number' ? n.toFixed(2) : n}`).join(', ') : String(v));
  return `${f(x.from)} → ${f(x.to)}`;
}

function TuningCharts({ d, now }: { d: Tuning; now: number }) {
  const conc = d.decisions.filter((x) => x.tuner === 'concurrency');
  const shares = d.decisions.filter((x) => x.tuner === 'shares');
  const [cx, cy] = steps(conc, (v) => (typeof v === 'number' ? v : null), now, d.concurrency.limit);
  const shareSeries = LEVELS.filter((l) => shares.some((s) => (s.to as Record<string, number>)[l] !== undefined));
  const sx = steps(shares, () => 0, now, null)[0];
  const shareData: uPlot.AlignedData = [sx, ...shareSeries.map((l) => steps(shares, (v) => (v as Record<string, number>)[l] ?? null, now, d.shares.shares?.[l] ?? null)[1])];
  return (
    <div class="charts">
      <div class="card" data-chart="concurrency-limit">
        <h2>Concurrency limit <span class="muted small">each change from the decisions</span></h2>
        {conc.length === 0 ? <p class="empty small">Constant at {d.concurrency.limit}{d.concurrency.enabled ? ' (no change yet)' : ' (autoConcurrency is off)'}.</p>
          : <Chart data={[cx, cy]} series={[{ label: 'limit' }]} yLabel="attempts" integer yFormat={(v) => `${Math.round(v)}`} />}
      </div>
      <div class="card" data-chart="shares">
        <h2>WRR shares <span class="muted small">per priority level</span></h2>
        {shares.length === 0 ? <p class="empty small">No share change yet{d.shares.enabled ? '' : ' (autoShares is off)'}.</p>
          : <Chart data={shareData} series={shareSeries.map((l) => ({ label: l }))} yLabel="share" yFormat={(v) => v.toFixed(2)} yRange={[0, 1]} />}
      </div>
    </div>
  );
}
