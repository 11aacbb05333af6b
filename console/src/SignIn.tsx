/** The sign-in form: an access key and secret, checked by the server as the API checks them. */
import { useState, type FormEvent } from 'react';
import { errorText, type ConsoleApi, type Session } from './api.ts';
import { Alert } from './parts/Alert.tsx';

export function SignIn({ api, notice, onSignedIn }: { api: ConsoleApi; notice: string | undefined; onSignedIn: (s: Session) => void }) {
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api.signIn(keyId.trim(), secret));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form onSubmit={submit} aria-labelledby="signin-title" data-testid="signin-form">
        <h1 id="signin-title">Underpass console</h1>
        <p className="muted">Sign in with an access key; you see and change what that account may through the API.</p>
        {notice && !error ? <p className="notice" role="status">{notice}</p> : null}
        <label>Access key ID
          <input name="accessKeyId" autoComplete="username" value={keyId} onChange={(e) => setKeyId(e.target.value)} required autoFocus />
        </label>
        <label>Secret access key
          <input name="secretAccessKey" type="password" autoComplete="current-password" value={secret} onChange={(e) => setSecret(e.target.value)} required />
        </label>
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        <Alert error={error} testId="signin-error" />
      </form>
    </main>
  );
}
