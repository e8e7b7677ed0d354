/** Token login: the token is checked against the API, then kept in sessionStorage only. */
import { useState } from 'preact/hooks';

export function LoginPage({ onLogin, message }: { onLogin: (token: string) => Promise<void>; message?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onLogin(token.trim());
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card login" onSubmit={submit} data-page="login">
      <h1>Sign in</h1>
      <p class="muted">This server requires an API token. Create one with <code>kairos token create --role viewer</code>.</p>
      {message && <p class="notice">{message}</p>}
      <label>
        Token
        <input type="password" name="token" autoComplete="off" placeholder="kairos_…" value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={busy || token.trim() === ''}>{busy ? 'Checking…' : 'Sign in'}</button>
      {error && <p class="error" role="alert">{error}</p>}
      <p class="muted small">The token is kept in this tab only (sessionStorage) and sent as a bearer header.</p>
    </form>
  );
}
