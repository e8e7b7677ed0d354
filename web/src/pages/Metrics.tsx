/**
 * Metrics charts from `/metrics`, sampled every 5 s since the dashboard opened (metrics-sampler):
 * wait time by priority (mean over each interval, plus p95 since the server started from the
 * histogram buckets), throughput (tasks and runs finished per minute), utilization (allocated /
 * capacity per resource) and the scheduler's queue and running counts.
 */
import { useEffect, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { Chart } from '../components/Chart';
import { duration } from '../format';
import { PERIOD_MS, p95Wait, sampler, type MetricsSample } from '../metrics-sampler';

function useSamples(): MetricsSample[] {
  const [, bump] = useState(0);
  useEffect(() => {
    const off = sampler.subscribe(() => bump((n) => n + 1));
    void sampler.sample();
    return () => void off();
  }, []);
  return sampler.samples;
}

const sec = (v: number) => duration(v * 1000);
const pct = (v: number) => `${Math.round(v)}%`;

export function MetricsPage() {
  const samples = useSamples();
  const last = samples[samples.length - 1];
  const pairs = samples.slice(1).map((s, i) => [samples[i]!, s] as const);
  // Interval series start with the first sample (no value yet), so the time axis spans from it.
  const xs = samples.length ? [samples[0]!.t, ...pairs.map(([, b]) => b.t)] : [];

  const priorities = [...new Set(samples.flatMap((s) => [...s.waitCount.keys()]))].sort((a, b) => Number(b) - Number(a));
  const interval = (f: (a: MetricsSample, b: MetricsSample) => number | null) => (samples.length ? [null, ...pairs.map(([a, b]) => f(a, b))] : []);
  const waitData: uPlot.AlignedData = [xs, ...priorities.map((p) => interval((a, b) => {
    const dc = (b.waitCount.get(p) ?? 0) - (a.waitCount.get(p) ?? 0);
    return dc > 0 ? ((b.waitSum.get(p) ?? 0) - (a.waitSum.get(p) ?? 0)) / dc : null;
  }))];

  const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  const perMin = (a: MetricsSample, b: MetricsSample, v: (s: MetricsSample) => number) => (Math.max(0, v(b) - v(a)) / Math.max(1e-3, b.t - a.t)) * 60;
  const throughput: uPlot.AlignedData = [xs, interval((a, b) => perMin(a, b, (s) => total(s.outcomes))), interval((a, b) => perMin(a, b, (s) => s.runsFinished))];

  const resources = [...new Set(samples.flatMap((s) => [...s.capacity.keys()]))].filter((r) => samples.some((s) => (s.capacity.get(r) ?? 0) > 0)).sort();
  const util: uPlot.AlignedData = [samples.map((s) => s.t), ...resources.map((r) => samples.map((s) => {
    const c = s.capacity.get(r) ?? 0;
    return c > 0 ? ((s.allocated.get(r) ?? 0) / c) * 100 : null;
  }))];
  const load: uPlot.AlignedData = [samples.map((s) => s.t), samples.map((s) => s.queued), samples.map((s) => s.running)];

  return (
    <section data-page="metrics">
      <div class="toolbar">
        <h1>Metrics</h1>
        <span class="muted small">sampled from <a href="/metrics" target="_blank">/metrics</a> every {PERIOD_MS / 1000} s since this page was opened ({samples.length} samples)</span>
      </div>
      {sampler.error && <p class="error" role="alert">{sampler.error}</p>}
      {samples.length < 2 && <p class="notice">Collecting samples: rates appear after the second sample ({PERIOD_MS / 1000} s).</p>}
      <div class="charts">
        <div class="card" data-chart="wait">
          <h2>Wait time by priority <span class="muted small">mean queued → dispatched per interval</span></h2>
          {priorities.length === 0 ? <p class="empty small">No task has waited in the queue yet.</p>
            : <Chart data={waitData} series={priorities.map((p) => ({ label: `priority ${p}` }))} yLabel="wait" yFormat={sec} />}
          {last && priorities.length > 0 && (
            <table class="grid compact">
              <thead><tr><th>Priority</th><th>Dispatched</th><th>Mean wait</th><th>p95 wait</th></tr></thead>
              <tbody>
                {priorities.map((p) => {
                  const n = last.waitCount.get(p) ?? 0;
                  const q = p95Wait(last, p);
                  return <tr data-priority={p}><td>{p}</td><td class="num">{n}</td><td class="num">{n ? sec((last.waitSum.get(p) ?? 0) / n) : '—'}</td><td class="num">{q === null ? '—' : sec(q)}</td></tr>;
                })}
              </tbody>
            </table>
          )}
        </div>
        <div class="card" data-chart="throughput">
          <h2>Throughput <span class="muted small">finished per minute</span></h2>
          <Chart data={throughput} series={[{ label: 'tasks/min' }, { label: 'runs/min' }]} yLabel="per min" yFormat={(v) => `${+v.toFixed(1)}`} />
        </div>
        <div class="card" data-chart="utilization">
          <h2>Utilization <span class="muted small">allocated / capacity</span></h2>
          <Chart data={util} series={resources.map((r) => ({ label: r }))} yLabel="%" yFormat={pct} yRange={[0, 100]} />
        </div>
        <div class="card" data-chart="load">
          <h2>Queue and running</h2>
          <Chart data={load} series={[{ label: 'queued' }, { label: 'running' }]} yLabel="tasks" integer yFormat={(v) => `${Math.round(v)}`} />
        </div>
      </div>
    </section>
  );
}
