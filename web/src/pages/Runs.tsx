/**
 * Runs, newest first: partial-string search (run id, workflow, label values) and a state filter,
 * both kept in the URL. Live: a run event (a run started or ended) refetches the list.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, qs, type Run } from '../api';
import { coalesce, useLive } from '../events';
import { ago, duration, RUN_STATES, stateClass } from '../format';
import { useLoad, useTick } from '../hooks';
import { href, replaceHash, runHref } from '../router';

const LIMIT = 200;

export function RunsPage({ query }: { query: URLSearchParams }) {
  const search = query.get('search') ?? '';
  const state = query.get('state') ?? '';
  const [typed, setTyped] = useState(search);

  // The URL follows the search box a moment after typing stops.
  useEffect(() => {
    const t = setTimeout(() => replaceHash(href('/', { search: typed.trim() || undefined, state: state || undefined })), 250);
    return () => clearTimeout(t);
  }, [typed]);

  const runs = useLoad((signal) => getJson<{ runs: Run[] }>(`/runs${qs({ search, state, limit: LIMIT })}`, signal), [search, state]);
  const refetch = useMemo(() => coalesce(runs.reload, 300), [runs.reload]);
  useEffect(() => refetch.cancel, [refetch]);
  useLive((e) => {
    if (e.type === 'run' || e.type === 'resync') refetch();
  });
  const anyRunning = runs.data?.runs.some((r) => r.state === 'running') ?? false;
  useTick(anyRunning ? 1000 : 15_000); // "started … ago" and running durations stay current

  const setState = (s: string) => replaceHash(href('/', { search: search || undefined, state: s || undefined }));
  const list = runs.data?.runs ?? [];

  return (
    <section data-page="runs">
      <div class="toolbar">
        <h1>Runs</h1>
        <input type="search" class="search" placeholder="Search run id, workflow, label…" value={typed} data-filter="search"
          onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
        <div class="chips" role="group" aria-label="Filter by state">
          {['', ...RUN_STATES].map((s) => (
            <button class={`chip ${s === state ? 'on' : ''} ${s ? stateClass(s) : ''}`} data-filter-state={s || 'all'} onClick={() => setState(s)}>
              {s || 'all'}
            </button>
          ))}
        </div>
      </div>
      {runs.error && <p class="error" role="alert">{runs.error.message}</p>}
      {runs.data && list.length === 0 && (
        <p class="empty">{search || state ? 'No run matches these filters.' : <>No runs yet. Submit one with <code>kairos run</code> or <code>POST /runs</code>.</>}</p>
      )}
      {list.length > 0 && (
        <table class="grid runs">
          <thead>
            <tr><th>Run</th><th>Workflow</th><th>State</th><th>Namespace</th><th>Priority</th><th>Started</th><th>Duration</th><th>Labels</th></tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-run-id={r.id} data-state={r.state} class="run-row" onClick={() => (location.hash = runHref(r.id))}>
                <td><a href={runHref(r.id)} class="mono">{r.id}</a></td>
                <td>{r.workflow}</td>
                <td><span class={`badge ${stateClass(r.state)}`}>{r.state}</span>{r.paused && <span class="badge">paused</span>}</td>
                <td>{r.namespace}</td>
                <td class="num">{r.priority}</td>
                <td title={new Date(r.startedAt ?? r.createdAt).toISOString()}>{ago(r.startedAt ?? r.createdAt)}</td>
                <td class="num">{duration((r.finishedAt ?? Date.now()) - (r.startedAt ?? r.createdAt))}</td>
                <td>{Object.entries(r.labels).map(([k, v]) => <span class="label">{k}={v}</span>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.length === LIMIT && <p class="muted small">Showing the newest {LIMIT}; narrow the search to see older runs.</p>}
    </section>
  );
}
