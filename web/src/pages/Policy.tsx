/**
 * The scheduling policy: what runs now (GET /policy), a form to switch it at run time (PUT /policy,
 * admin only: a refusal is shown as the API's message), and the latest `kairos bench` report as
 * charts (GET /bench/latest) when the server has one.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson, sendJson, type BenchInterval, type BenchReport, type Policy } from '../api';
import { Chart } from '../components/Chart';
import { useLoad } from '../hooks';

export function PolicyPage() {
  const cur = useLoad((signal) => getJson<Policy>('/policy', signal), []);
  return (
    <section data-page="policy">
      <div class="toolbar"><h1>Scheduling policy</h1></div>
      {cur.error && <p class="error" role="alert">{cur.error.message}</p>}
      {cur.data && <PolicyForm policy={cur.data} onSwitched={cur.reload} />}
      <Bench />
    </section>
  );
}

function PolicyForm({ policy, onSwitched }: { policy: Policy; onSwitched: () => void }) {
  const [name, setName] = useState(policy.policy);
  const [admission, setAdmission] = useState(policy.admission);
  const [settings, setSettings] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setName(policy.policy);
    setAdmission(policy.admission);
  }, [policy.policy, policy.admission]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setMsg(null);
    let parsed: Record<string, unknown> | undefined;
    if (settings.trim() !== '') {
      try {
        parsed = JSON.parse(settings) as Record<string, unknown>;
      } catch {
        setMsg({ ok: false, text: 'Settings must be a JSON object, e.g. {"shares": {"100": 0.9, "10": 0.1}}' });
        return;
      }
    }
    setBusy(true);
    try {
      const next = await sendJson<Policy>('PUT', '/policy', { policy: name, admission, ...(parsed ? { settings: parsed } : {}) });
      setMsg({ ok: true, text: `Switched to ${next.policy} (${next.admission} admission). Queued and running tasks are kept.` });
      onSwitched();
    } catch (err) {
      setMsg({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="cards-row">
      <div class="card">
        <h2>Now</h2>
        <dl class="kv">
          <dt>Policy</dt><dd><b data-current-policy={policy.policy}>{policy.policy}</b></dd>
          <dt>Admission</dt><dd>{policy.admission}</dd>
          <dt>Settings</dt><dd><pre class="json">{JSON.stringify(policy.settings, null, 2)}</pre></dd>
        </dl>
      </div>
      <form class="card grow policy-form" onSubmit={submit}>
        <h2>Switch</h2>
        <label>Policy
          <select name="policy" value={name} onChange={(e) => setName((e.target as HTMLSelectElement).value)}>
            {policy.available.map((p) => <option value={p}>{p}</option>)}
          </select>
        </label>
        <label>Admission
          <select name="admission" value={admission} onChange={(e) => setAdmission((e.target as HTMLSelectElement).value)}>
            {['greedy', 'strict', 'backfill'].map((a) => <option value={a}>{a}</option>)}
          </select>
        </label>
        <label>Settings (JSON, optional)
          <textarea name="settings" rows={3} placeholder='{"shares": {"100": 0.9, "10": 0.1}}' value={settings}
            onInput={(e) => setSettings((e.target as HTMLTextAreaElement).value)} />
        </label>
        <button type="submit" disabled={busy} data-action="switch-policy">{busy ? 'Switching…' : 'Switch policy'}</button>
        {msg && <p class={msg.ok ? 'ok policy-msg' : 'error policy-msg'} role={msg.ok ? 'status' : 'alert'} data-ok={String(msg.ok)}>{msg.text}</p>}
      </form>
    </div>
  );
}

/** Metrics of `kairos bench --json`, in the order shown, with their units (seconds unless noted). */
const BENCH_METRICS: { key: string; title: string; fmt: (v: number) => string }[] = [
  { key: 'avgJct', title: 'Average job completion time', fmt: (v) => `${+v.toFixed(1)} s` },
  { key: 'p95Jct', title: 'p95 job completion time', fmt: (v) => `${+v.toFixed(1)} s` },
  { key: 'makespan', title: 'Makespan', fmt: (v) => `${+v.toFixed(1)} s` },
  { key: 'deadlineMissRate', title: 'Deadline-miss rate', fmt: (v) => `${+(v * 100).toFixed(1)}%` },
  { key: 'throughput', title: 'Throughput (jobs/s)', fmt: (v) => `${+v.toFixed(3)}` },
  { key: 'maxWait', title: 'Longest wait (starvation)', fmt: (v) => `${+v.toFixed(1)} s` },
  { key: 'utilization', title: 'Utilization', fmt: (v) => `${+(v * 100).toFixed(0)}%` },
];

function seedCount(seeds: BenchReport['seeds']): string | undefined {
  const n = Array.isArray(seeds) ? seeds.length : seeds;
  return n === undefined ? undefined : `${n} seed${n === 1 ? '' : 's'}`;
}

function Bench() {
  const b = useLoad((signal) => getJson<{ report: BenchReport | null; path: string; error?: string }>('/bench/latest', signal), []);
  if (b.error) return <div class="card"><h2>Latest bench</h2><p class="error">{b.error.message}</p></div>;
  if (!b.data) return null;
  const r = b.data.report;
  if (!r || !Array.isArray(r.policies) || r.policies.length === 0) {
    return (
      <div class="card" data-bench="none">
        <h2>Latest bench</h2>
        <p class="empty">No bench results yet{b.data.error ? ` (${b.data.error})` : ''}. Write one with <code>kairos bench --json &gt; {b.data.path}</code> (or point <code>KAIROS_BENCH_REPORT</code> at a report) and reload.</p>
      </div>
    );
  }
  const names = r.policies.map((p) => p.policy);
  const metrics = BENCH_METRICS.filter((m) => r.policies.every((p) => typeof (p[m.key] as BenchInterval | undefined)?.mean === 'number'));
  return (
    <div class="card" data-bench="report">
      <h2>Latest bench <span class="muted small">{[r.workload, r.jobs && `${r.jobs} jobs`, r.workers && `${r.workers} workers`, seedCount(r.seeds)].filter(Boolean).join(' · ')} — mean over seeds</span></h2>
      <div class="charts small-charts">
        {metrics.map((m) => (
          <div data-bench-metric={m.key}>
            <h3>{m.title}</h3>
            <Chart time={false} categories={names} height={180} yFormat={m.fmt}
              data={[names.map((_, i) => i), r.policies.map((p) => (p[m.key] as BenchInterval).mean)]}
              series={[{ label: m.title, bars: true }]} />
          </div>
        ))}
      </div>
      <table class="grid compact">
        <thead><tr><th>Policy</th>{metrics.map((m) => <th>{m.title}</th>)}</tr></thead>
        <tbody>
          {r.policies.map((p) => (
            <tr><td>{p.policy}</td>{metrics.map((m) => {
              const v = p[m.key] as BenchInterval;
              return <td class="num">{m.fmt(v.mean)} <span class="muted small">± {m.fmt(v.ci95)}</span></td>;
            })}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
