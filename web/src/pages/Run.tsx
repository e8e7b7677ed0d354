/**
 * One run: header (state, times, labels, params), the DAG with live state colours, the Gantt
 * timeline of attempts per worker, and the selected task's details, attempts and streamed log.
 *
 * Live: a task event of this run patches that task's state at once (the DAG recolours without a
 * request), then a coalesced refetch brings times, workers and reasons.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, sendJson, type Attempt, type Run, type Task } from '../api';
import { Dag } from '../components/Dag';
import { barsOf, Gantt } from '../components/Gantt';
import { Logs } from '../components/Logs';
import { coalesce, useLive } from '../events';
import { ago, duration, FINAL_TASK_STATES, stateClass, time } from '../format';
import { useLoad, useTick } from '../hooks';
import { replaceHash, runHref } from '../router';

interface RunData { run: Run; tasks: Task[] }

const runPath = (id: string) => `/runs/${encodeURIComponent(id)}`;
const taskPath = (id: string, task: string) => `${runPath(id)}/tasks/${encodeURIComponent(task)}`;

export function RunPage({ id, query }: { id: string; query: URLSearchParams }) {
  const loaded = useLoad((signal) => getJson<RunData>(runPath(id), signal), [id]);
  const [data, setData] = useState<RunData | null>(null);
  const [attempts, setAttempts] = useState<ReadonlyMap<string, Attempt[]>>(new Map());
  const selected = query.get('task') ?? data?.tasks[0]?.id ?? null;

  useEffect(() => {
    if (loaded.data) setData(loaded.data);
  }, [loaded.data]);

  const refetch = useMemo(() => coalesce(loaded.reload, 400), [loaded.reload]);
  useEffect(() => refetch.cancel, [refetch]);

  useLive((e) => {
    if (e.type === 'resync') return refetch();
    if (e.type === 'run' && e.data.id === id) {
      setData((d) => (d ? { ...d, run: e.data } : d));
      refetch();
    }
    if (e.type === 'task' && e.data.runId === id) {
      const c = e.data;
      setData((d) => {
        if (!d) return d;
        if (!d.tasks.some((t) => t.id === c.taskId)) return d; // a new foreach instance: the refetch brings it
        return { ...d, tasks: d.tasks.map((t) => (t.id === c.taskId ? { ...t, state: c.state, attempt: c.attempt, error: c.error ?? t.error } : t)) };
      });
      refetch();
    }
  });

  // Earlier attempts of retried tasks, for the Gantt (keyed by task and its attempt number).
  const retried = (data?.tasks ?? []).filter((t) => t.attempt > 1).map((t) => `${t.id}@${t.attempt}:${t.state}`).join(',');
  useEffect(() => {
    if (!data) return;
    const ctl = new AbortController();
    for (const t of data.tasks.filter((x) => x.attempt > 1)) {
      getJson<{ attempts: Attempt[] }>(taskPath(id, t.id), ctl.signal).then(
        (r) => setAttempts((m) => new Map(m).set(t.id, r.attempts)),
        () => {},
      );
    }
    return () => ctl.abort();
  }, [retried]);

  const running = data?.run.state === 'running' || data?.run.state === 'compensating';
  useTick(1000, running);
  const now = Date.now();

  if (loaded.error && !data) {
    return (
      <section data-page="run">
        <p class="error" role="alert">{loaded.error.message}</p>
        <a href="#/">Back to runs</a>
      </section>
    );
  }
  if (!data) return <p class="muted">Loading run…</p>;
  const { run, tasks } = data;
  const select = (task: string) => replaceHash(runHref(id, task));
  const sel = tasks.find((t) => t.id === selected) ?? null;
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);

  return (
    <section data-page="run" data-run-id={run.id} data-state={run.state} data-paused={run.paused ? 'true' : 'false'}>
      <div class="run-head">
        <div>
          <a href="#/" class="muted small">← Runs</a>
          <h1>
            <span class="mono">{run.id}</span> <span class={`badge big ${stateClass(run.state)}`} data-run-state={run.state}>{run.state}</span>
            {run.paused && <span class="badge paused" data-run-paused>paused</span>}
          </h1>
          <p class="muted">
            workflow <b>{run.workflow}</b> · namespace {run.namespace} · priority {run.priority} · started {time(run.startedAt ?? run.createdAt)} ·{' '}
            {run.finishedAt ? `took ${duration(run.finishedAt - (run.startedAt ?? run.createdAt))}` : `running for ${duration(now - (run.startedAt ?? run.createdAt))}`}
            {run.deadlineAt && <> · deadline {time(run.deadlineAt)}</>}
          </p>
          <p>
            {Object.entries(run.labels).map(([k, v]) => <span class="label">{k}={v}</span>)}
            {Object.keys(run.params).length > 0 && <span class="muted small mono"> params {JSON.stringify(run.params)}</span>}
          </p>
          {run.error && <p class="error">{run.error}</p>}
        </div>
        <RunActions run={run} onDone={(r) => {
          if (r) setData((d) => (d ? { ...d, run: r } : d));
          refetch();
        }} />
      </div>
      <div class="counts">
        {[...counts].map(([s, n]) => <span class={`badge ${stateClass(s)}`}>{n} {s.replace('_', ' ')}</span>)}
      </div>

      <div class="run-grid">
        <div class="run-main">
          <div class="card">
            <h2>Graph <span class="muted small">{tasks.length} tasks</span></h2>
            <Dag tasks={tasks} selected={selected} onSelect={select} now={now} />
          </div>
          <div class="card">
            <h2>Timeline <span class="muted small">attempts per worker</span></h2>
            <Gantt bars={barsOf(tasks, attempts, now)} origin={run.startedAt ?? run.createdAt} now={now} selected={selected} onSelect={select} />
          </div>
        </div>
        <aside class="run-side">
          {sel ? <TaskPanel runId={id} task={sel} now={now} /> : <p class="empty">Select a task.</p>}
        </aside>
      </div>
    </section>
  );
}

const ACTION_TEXT = { cancel: 'Cancelling…', retry: 'Retrying failed tasks…', pause: 'Paused: queued tasks are held; running ones finish.', resume: 'Resumed.' } as const;

function RunActions({ run, onDone }: { run: Run; onDone: (run: Run | null) => void }) {
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (what: keyof typeof ACTION_TEXT) => {
    setMsg(null);
    try {
      const r = await sendJson<Run>('POST', `${runPath(run.id)}/${what}`, {});
      setMsg({ ok: true, text: ACTION_TEXT[what] });
      onDone(what === 'pause' || what === 'resume' ? r : null);
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  return (
    <div class="actions">
      {run.state === 'running' && !run.paused && <button onClick={() => act('pause')} data-action="pause">Pause run</button>}
      {run.state === 'running' && run.paused && <button onClick={() => act('resume')} data-action="resume">Resume run</button>}
      {run.state === 'running' && <button class="danger" onClick={() => act('cancel')} data-action="cancel">Cancel run</button>}
      {(run.state === 'failed' || run.state === 'cancelled') && <button onClick={() => act('retry')} data-action="retry">Retry failed</button>}
      {msg && <p class={msg.ok ? 'ok small' : 'error small'} role="status">{msg.text}</p>}
    </div>
  );
}

function TaskPanel({ runId, task, now }: { runId: string; task: Task; now: number }) {
  const detail = useLoad((signal) => getJson<{ task: Task; attempts: Attempt[] }>(taskPath(runId, task.id), signal), [runId, task.id, task.state, task.attempt]);
  const [attempt, setAttempt] = useState<number | null>(null);
  useEffect(() => setAttempt(null), [task.id]);
  const shown = attempt ?? Math.max(1, task.attempt);
  const attempts = detail.data?.attempts ?? [];
  const waiting = !FINAL_TASK_STATES.has(task.state) && task.state !== 'running' && task.state !== 'dispatched';

  return (
    <div class="card task-panel" data-task={task.id} data-state={task.state}>
      <h2>
        <span class="mono">{task.id}</span> <span class={`badge ${stateClass(task.state)}`}>{task.state}</span>
      </h2>
      <dl class="kv">
        <dt>Attempt</dt><dd>{task.attempt || '—'}</dd>
        <dt>Worker</dt><dd>{task.worker ?? '—'}</dd>
        <dt>Needs</dt><dd>{task.needs.length ? task.needs.join(', ') : '—'}</dd>
        <dt>Started</dt><dd>{time(task.startedAt)}</dd>
        <dt>Duration</dt><dd>{task.startedAt ? duration((task.finishedAt ?? now) - task.startedAt) : '—'}</dd>
        {task.readyAt && <><dt>Ready</dt><dd>{ago(task.readyAt, now)}</dd></>}
        {waiting && task.reasonText && <><dt>Waits</dt><dd class={`reason reason-${task.reason?.kind ?? 'none'}`}>{task.reasonText}</dd></>}
        {task.error && <><dt>Error</dt><dd class="error">{task.error}</dd></>}
        {task.outputs !== null && task.outputs !== undefined && Object.keys(task.outputs as object).length > 0 && (
          <><dt>Outputs</dt><dd><pre class="json">{JSON.stringify(task.outputs, null, 2)}</pre></dd></>
        )}
      </dl>
      {attempts.length > 0 && (
        <table class="grid compact attempts">
          <thead><tr><th>#</th><th>Status</th><th>Worker</th><th>Took</th><th>Exit</th></tr></thead>
          <tbody>
            {attempts.map((a) => (
              <tr class={a.attempt === shown ? 'on' : ''} onClick={() => setAttempt(a.attempt)} title={a.error ?? ''}>
                <td>{a.attempt}{a.kind !== 'main' && a.kind !== 'run' ? ` (${a.kind})` : ''}</td>
                <td><span class={`badge ${stateClass(a.status)}`}>{a.status}</span></td>
                <td>{a.worker ?? '—'}</td>
                <td class="num">{duration((a.finishedAt ?? now) - a.startedAt)}</td>
                <td class="num">{a.exitCode ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(task.state === 'skipped' || task.state === 'cancelled') && task.attempt === 0 ? (
        <p class="muted small">This task never ran.</p>
      ) : (
        <Logs runId={runId} taskId={task.id} attempt={shown} />
      )}
    </div>
  );
}
