import { useState } from 'preact/hooks';
import { api, ApiError, errorText, session } from '../api.js';

/**
 * Asks for the API token and checks it against `GET /sluice/processes`
 * before keeping it (session storage: this tab only, gone when it closes).
 */
export function LoginView({ onLogin }: { onLogin(): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) return setError('Enter the API token.');
    setBusy(true);
    setError(undefined);
    try {
      await api('/sluice/processes', { token: value });
      session.login(value);
      setToken('');
      onLogin();
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'This token was refused (401). Check it and try again.' : errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form onSubmit={submit} class="card login-card" aria-labelledby="login-title">
        <h1 id="login-title">Sluice dashboard</h1>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} aria-describedby="token-help" />
        <p id="token-help" class="help">
          The embedded runtime writes it to <code>.sluice/api-token</code> in its data directory (<code>cat .sluice/api-token</code>), unless{' '}
          <code>SLUICE_API_TOKEN</code> is set; through the local proxy for AWS, the token it printed. It stays in this tab's session storage only.
        </p>
        {error && (
          <p class="alert alert-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
