import { useEffect, useRef, useState } from 'preact/hooks';

import { signIn } from './api.ts';
import { QrLogin } from './QrLogin.tsx';
import './login.css';

/** Wide enough for the QR card beside the form; on a phone it is offered, not shown. */
const WIDE = '(min-width: 760px)';

function useWideScreen(): boolean {
  const [wide, setWide] = useState(() => matchMedia(WIDE).matches);
  useEffect(() => {
    const list = matchMedia(WIDE);
    const changed = () => setWide(list.matches);
    list.addEventListener('change', changed);
    return () => list.removeEventListener('change', changed);
  }, []);
  return wide;
}

/**
 * Sign-in with login and password; the code field appears when the server asks for a second
 * factor. Beside it, a QR code signs this browser in from a phone that is signed in already;
 * `approving` says the user came to approve another device, which needs the password here first.
 */
export function Login({ onToken, approving = false }: { onToken: (token: string) => void; approving?: boolean }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const totpField = useRef<HTMLInputElement>(null);
  const wide = useWideScreen();
  const [qrAsked, setQrAsked] = useState(false);

  useEffect(() => {
    if (needTotp) totpField.current?.focus();
  }, [needTotp]);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await signIn(login.trim(), password, needTotp ? totp.trim() : null);
      if (result.token) return onToken(result.token);
      if (result.needTotp) setNeedTotp(true);
      setError(result.error ?? null);
    } catch {
      setError('The server could not be reached.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <div class="login-options">
        <form class="login-card" onSubmit={submit} aria-labelledby="login-title">
          <div class="brand" aria-hidden="true">
            <span class="brand-mark">P</span>
          </div>
          <h1 id="login-title">Sign in to Petrel Mail</h1>
          {approving && <p class="login-notice">Sign in here first; then you can approve the sign-in of your other device.</p>}
          <label for="login">Email address</label>
          <input id="login" name="login" type="text" autocomplete="username" autoFocus required value={login} onInput={(e) => setLogin(e.currentTarget.value)} />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          {needTotp && (
            <>
              <label for="totp">Authentication code</label>
              <input
                id="totp"
                name="totp"
                ref={totpField}
                inputMode="numeric"
                autocomplete="one-time-code"
                required
                aria-describedby="totp-help"
                value={totp}
                onInput={(e) => setTotp(e.currentTarget.value)}
              />
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
        {approving ? null : wide || qrAsked ? (
          <QrLogin onToken={onToken} />
        ) : (
          <button type="button" class="ghost qr-toggle" onClick={() => setQrAsked(true)}>
            Use a QR code instead
          </button>
        )}
      </div>
    </main>
  );
}
