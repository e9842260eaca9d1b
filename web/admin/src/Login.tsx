import { useEffect, useRef, useState } from 'preact/hooks';

import { signIn } from './api.ts';

/** The administrator's sign-in: login and password, then the code when the account has a second factor. */
export function Login({ onToken }: { onToken: (token: string) => void }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const totpField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (needTotp) totpField.current?.focus();
  }, [needTotp]);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await signIn(login.trim(), password, needTotp ? totp.trim() : null);
      if ('token' in result) return onToken(result.token);
      if ('needTotp' in result) setNeedTotp(true);
      setError(result.error ?? null);
    } catch {
      setError('The server could not be reached.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title">
        <span class="brand-mark" aria-hidden="true">
          P
        </span>
        <h1 id="login-title">Petrel administration</h1>
        <label for="login">Login</label>
        <input id="login" name="login" type="text" autocomplete="username" autoFocus required value={login} onInput={(e) => setLogin(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        {needTotp && (
          <>
            <label for="totp">Authentication code</label>
            <input id="totp" name="totp" ref={totpField} inputMode="numeric" autocomplete="one-time-code" required aria-describedby="totp-help" value={totp} onInput={(e) => setTotp(e.currentTarget.value)} />
            <p id="totp-help" class="hint">
              Enter the 6-digit code from your authenticator app, or a recovery code.
            </p>
          </>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
