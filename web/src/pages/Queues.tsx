/**
 * Queues: depth per priority, the workers' capacity and use, and every waiting task with the
 * reason it waits (GET /queues): CPU, memory, quota, dependency, share, head of line, backoff...
 * Refreshed on live events (coalesced) and every POLL_MS, since reasons change as capacity frees.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, sendJson, type Queues, type SystemState, type WaitReason, type Worker } from '../api';
import { coalesce, useLive } from '../events';
import { duration, resourceAmount, stateClass } from '../format';
import { useInterval, useLoad } from '../hooks';
import { runHref } from '../router';

const POLL_MS = 2000;

const RESOURCE_NAMES: Record<string, string> = { cpu: 'CPU', memory: 'memory', gpu: 'GPU', slots: 'slots' };

/** Short tags for a reason: `resources` names the resources it is short of. */
export function reasonTags(r: WaitReason): string[] {
  switch (r.kind) {
    case 'resources':
      return Object.keys((r.missing as Record<string, number>) ?? {}).map((k) => RESOURCE_NAMES[k] ?? k);
    case 'head_of_line':
      return ['head of line'];
    case 'dependency':
      return ['dependency'];
    case 'paused':
      return [r.scope === 'system' ? 'system paused' : 'run paused'];
    default:
      return [r.kind.replace(/_/g, ' ')];
  }
}

export function QueuesPage() {
  const q = useLoad((signal) => getJson<Queues>('/queues?limit=1000', signal), []);
  const w = useLoad((signal) => getJson<{ workers: Worker[] }>('/workers', signal), []);
  const refetch = useMemo(() => coalesce(() => {
    q.reload();
    w.reload();
  }, 500), [q.reload, w.reload]);
  useEffect(() => refetch.cancel, [refetch]);
  useLive(() => refetch());
  useInterval(refetch, POLL_MS);
  const data = q.data;
  const maxDepth = Math.max(1, ...(data?.depth.map((d) => d.queued) ?? []));

  return (
    <section data-page="queues">
      <div class="toolbar">
        <h1>Queues</h1>
        {data && <span class="muted">policy <b data-policy={data.policy}>{data.policy}</b> · admission {data.admission}</span>}
        <SystemToggle onChange={refetch} />
      </div>
      {q.error && <p class="error" role="alert">{q.error.message}</p>}
      {data?.systemPaused && (
        <p class="banner paused" data-system-paused role="status">
          The system is paused: no task starts until it is resumed (running attempts finish).
        </p>
      )}
      {data && (
        <div class="cards-row">
          <div class="card stat"><div class="stat-n" data-stat="queued">{data.queued}</div><div class="muted">queued in the scheduler</div></div>
          <div class="card stat"><div class="stat-n" data-stat="running">{data.running}</div><div class="muted">running</div></div>
          <div class="card stat"><div class="stat-n" data-stat="waiting">{data.waiting.length}{data.truncated ? '+' : ''}</div><div class="muted">waiting (any reason)</div></div>
          <div class="card grow">
            <h2>Depth by priority</h2>
            {data.depth.length === 0 ? <p class="muted small">The scheduler queue is empty.</p> : data.depth.map((d) => (
              <div class="hbar"><span class="hbar-label">priority {d.priority}</span>
                <span class="hbar-track"><span class="hbar-fill" style={{ width: `${(d.queued / maxDepth) * 100}%` }} /></span>
                <span class="num">{d.queued}</span></div>
            ))}
          </div>
        </div>
      )}
      {w.data && w.data.workers.length > 0 && (
        <div class="card">
          <h2>Workers</h2>
          <table class="grid compact workers">
            <thead><tr><th>Worker</th><th>Pool</th>{resourcesOf(w.data.workers).map((r) => <th>{RESOURCE_NAMES[r] ?? r}</th>)}</tr></thead>
            <tbody>
              {w.data.workers.map((x) => (
                <tr data-worker={x.id}>
                  <td class="mono">{x.id}</td><td>{x.pool}</td>
                  {resourcesOf(w.data!.workers).map((r) => (
                    <td>
                      {x.capacity[r] === undefined ? '—' : (
                        <div class="use" title={`${resourceAmount(r, x.allocated[r] ?? 0)} of ${resourceAmount(r, x.capacity[r]!)}`}>
                          <span class="use-track"><span class={`use-fill ${(x.use[r] ?? 0) >= 0.9 ? 'hot' : ''}`} style={{ width: `${Math.min(100, (x.use[r] ?? 0) * 100)}%` }} /></span>
                          <span class="small">{resourceAmount(r, x.allocated[r] ?? 0)} / {resourceAmount(r, x.capacity[r]!)}</span>
                        </div>
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.headTimeouts && (
        <div class="card" data-head-timeouts>
          <h2>Queue heads <span class="muted small">{data.admission} admission: a head blocked {duration(data.headTimeouts.headTimeoutMs)} is
            {data.headTimeouts.headRetries > 0 ? ` retried ${data.headTimeouts.headRetries}×, then` : ''} cancelled</span></h2>
          {data.headTimeouts.heads.length === 0 ? <p class="muted small">No queue head is blocked.</p> : (
            <table class="grid compact heads">
              <thead><tr><th>Head</th><th>Run</th><th>Priority</th><th>Blocked for</th><th>Times out in</th><th>Why</th></tr></thead>
              <tbody>
                {data.headTimeouts.heads.map((h) => (
                  <tr data-head={h.task} data-run={h.run}>
                    <td class="mono"><a href={runHref(h.run, h.task)}>{h.task}</a></td>
                    <td class="mono"><a href={runHref(h.run)}>{h.run}</a></td>
                    <td class="num">{h.priority}</td>
                    <td class="num">{duration(Math.max(0, Date.now() - h.blockedSince))}</td>
                    <td class="num">{duration(Math.max(0, h.timeoutAt - Date.now()))}</td>
                    <td class={`reason reason-${h.reason.kind}`}><span class="reason-text">{h.reasonText}</span></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
      <div class="card">
        <h2>Waiting tasks <span class="muted small">and why they wait</span></h2>
        {data && data.waiting.length === 0 && <p class="empty">Nothing is waiting.</p>}
        {data && data.waiting.length > 0 && (
          <table class="grid waiting">
            <thead><tr><th>Task</th><th>Run</th><th>Workflow</th><th>Priority</th><th>State</th><th>Waiting for</th><th>Why</th></tr></thead>
            <tbody>
              {data.waiting.map((t) => (
                <tr key={`${t.run}/${t.task}`} data-task={t.task} data-run={t.run} data-reason={t.reason.kind}>
                  <td class="mono"><a href={runHref(t.run, t.task)}>{t.task}</a></td>
                  <td class="mono"><a href={runHref(t.run)}>{t.run}</a></td>
                  <td>{t.workflow}{t.namespace !== 'default' && <span class="muted small"> · {t.namespace}</span>}</td>
                  <td class="num">{t.priority}</td>
                  <td><span class={`badge ${stateClass(t.state)}`}>{t.state}</span></td>
                  <td class="num">{t.since ? duration(Date.now() - t.since) : '—'}</td>
                  <td class={`reason reason-${t.reason.kind}`}>
                    {reasonTags(t.reason).map((tag) => <span class={`tag tag-${t.reason.kind}`}>{tag}</span>)}
                    <span class="reason-text">{t.reasonText}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {data?.truncated && <p class="muted small">More tasks wait than are shown.</p>}
      </div>
    </section>
  );
}

function resourcesOf(workers: Worker[]): string[] {
  const order = ['cpu', 'memory', 'gpu', 'slots'];
  const all = new Set(workers.flatMap((w) => Object.keys(w.capacity)));
  return [...all].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
}

/**
 * The system-wide pause toggle (admin, unscoped tokens: GET /system answers 403 to anyone else,
 * and then the toggle is not shown).
 */
export function SystemToggle({ onChange }: { onChange?: () => void }) {
  const sys = useLoad((signal) => getJson<SystemState>('/system', signal), []);
  const [state, setState] = useState<SystemState | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    if (sys.data) setState(sys.data);
  }, [sys.data]);
  useInterval(() => {
    if (!sys.error) sys.reload();
  }, POLL_MS);
  if (!state) return null;
  const toggle = async () => {
    setErr(null);
    try {
      setState(await sendJson<SystemState>('POST', state.paused ? '/system/resume' : '/system/pause', {}));
      onChange?.();
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <span class="system-toggle" data-system={state.paused ? 'paused' : 'running'}>
      <span class="muted small">concurrency {state.concurrency}</span>{' '}
      <button class={state.paused ? '' : 'danger'} onClick={toggle} data-action={state.paused ? 'system-resume' : 'system-pause'}>
        {state.paused ? 'Resume system' : 'Pause system'}
      </button>
      {err && <span class="error small" role="status"> {err}</span>}
    </span>
  );
}
