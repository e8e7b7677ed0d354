/**
 * The app shell. Auth, as a small state machine:
 *
 *   checking  --GET /policy 200-->   ready (open server, or the stored token works)
 *   checking  --401-->               login
 *   login     --token accepted-->    ready (token kept in sessionStorage)
 *   ready     --any 401 / sign out-> login
 *
 * While ready, one live event stream (events.ts) feeds every page.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, UNAUTHORIZED_EVENT, getJson, request, session } from './api';
import { live, useLiveStatus } from './events';
import { useRoute, type Route } from './router';
import { RunsPage } from './pages/Runs';
import { RunPage } from './pages/Run';
import { QueuesPage } from './pages/Queues';
import { MetricsPage } from './pages/Metrics';
import { PolicyPage } from './pages/Policy';
import { TuningPage } from './pages/Tuning';
import { LoginPage } from './pages/Login';
import { sampler } from './metrics-sampler';
import './styles.css';

type Auth = { kind: 'checking' } | { kind: 'login'; message?: string } | { kind: 'ready'; open: boolean };

function App() {
  const [auth, setAuth] = useState<Auth>({ kind: 'checking' });
  const route = useRoute();

  const check = async () => {
    try {
      await getJson('/policy');
      setAuth({ kind: 'ready', open: session.token === null });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setAuth({ kind: 'login', ...(session.token ? { message: 'Your token is no longer accepted.' } : {}) });
      else setAuth({ kind: 'login', message: (e as Error).message });
    }
  };

  useEffect(() => {
    void check();
    const on = () => setAuth((a) => (a.kind === 'ready' ? { kind: 'login', message: 'The server asked for a token.' } : a));
    window.addEventListener(UNAUTHORIZED_EVENT, on);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, on);
  }, []);

  useEffect(() => {
    if (auth.kind !== 'ready') return;
    live.start();
    sampler.start();
    return () => {
      live.stop();
      sampler.stop();
    };
  }, [auth.kind]);

  const login = async (token: string) => {
    await request('/policy', { token });
    session.token = token;
    setAuth({ kind: 'ready', open: false });
  };
  const signOut = () => {
    session.token = null;
    setAuth({ kind: 'login' });
  };

  return (
    <>
      <Header route={route} auth={auth} onSignOut={signOut} />
      <main>
        {auth.kind === 'checking' && <p class="muted">Connecting…</p>}
        {auth.kind === 'login' && <LoginPage onLogin={login} {...(auth.message ? { message: auth.message } : {})} />}
        {auth.kind === 'ready' && <Page route={route} />}
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'runs':
      return <RunsPage query={route.query} />;
    case 'run':
      return <RunPage key={route.id} id={route.id} query={route.query} />;
    case 'queues':
      return <QueuesPage />;
    case 'metrics':
      return <MetricsPage />;
    case 'policy':
      return <PolicyPage />;
    case 'tuning':
      return <TuningPage />;
    case 'notfound':
      return <p class="empty">No page at <code>{route.path}</code>. <a href="#/">Back to runs</a></p>;
  }
}

function Header({ route, auth, onSignOut }: { route: Route; auth: Auth; onSignOut: () => void }) {
  const status = useLiveStatus();
  const tab = (page: string, label: string, path: string) => (
    <a href={`#${path}`} class={route.page === page || (page === 'runs' && route.page === 'run') ? 'active' : ''} data-nav={page}>{label}</a>
  );
  return (
    <header class="top">
      <a class="brand" href="#/"><span class="logo" />Kairos</a>
      {auth.kind === 'ready' && (
        <nav>
          {tab('runs', 'Runs', '/')}
          {tab('queues', 'Queues', '/queues')}
          {tab('metrics', 'Metrics', '/metrics')}
          {tab('policy', 'Policy', '/policy')}
          {tab('tuning', 'Tuning', '/tuning')}
        </nav>
      )}
      <div class="spacer" />
      {auth.kind === 'ready' && (
        <>
          <span class={`live live-${status}`} title="Live updates over Server-Sent Events" data-live={status}>
            {status === 'live' ? 'live' : status === 'connecting' ? 'connecting…' : status === 'down' ? 'reconnecting…' : 'offline'}
          </span>
          {auth.open ? <span class="muted small" title="No API token exists: anyone who reaches the server acts as admin">open server</span>
            : <button class="link" onClick={onSignOut} data-action="sign-out">Sign out</button>}
        </>
      )}
    </header>
  );
}

render(<App />, document.getElementById('app')!);
