import { useState } from 'preact/hooks';
import { signIn, signInWithKey, type ApiError } from '../api';
import { asApiError } from '../hooks';
import { ErrorBox, Field } from '../ui';

/** Email and password (a user of the organization), or an API key pasted in. */
export function SignInPage() {
  const [mode, setMode] = useState<'password' | 'key'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await (mode === 'password' ? signIn(email.trim(), password) : signInWithKey(key.trim()));
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Sign in to the analytics platform</h1>
      <div class="tabs" role="group" aria-label="Sign in with">
        <button type="button" aria-pressed={mode === 'password'} onClick={() => setMode('password')}>
          Email and password
        </button>
        <button type="button" aria-pressed={mode === 'key'} onClick={() => setMode('key')}>
          API key
        </button>
      </div>
      <form onSubmit={(e) => void submit(e)}>
        {mode === 'password' ? (
          <>
            <Field label="Email">
              <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
            </Field>
            <Field label="Password">
              <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            </Field>
          </>
        ) : (
          <Field label="API key" hint="Sent as X-API-Key on every request; kept in this browser until you sign out.">
            <input type="password" name="apiKey" autoComplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
          </Field>
        )}
        <ErrorBox error={error} what="Sign in" />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="hint">
        No account? An admin creates users (<code>POST /api/v1/users</code>); the API and its documentation are at <a href="/api/docs">/api/docs</a>.
      </p>
    </main>
  );
}
