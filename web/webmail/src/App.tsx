import { useCallback, useEffect, useState } from 'preact/hooks';

import { Jmap, SignedOut, signOut } from './api.ts';
import { Login } from './Login.tsx';
import { Mail } from './Mail.tsx';

// The session token lives for the tab only: closing it is signing out of this device.
const TOKEN_KEY = 'petrel.webmail.token';

export function App() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const [jmap, setJmap] = useState<Jmap | null>(null);
  const [error, setError] = useState<string | null>(null);

  const forget = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setJmap(null);
  }, []);

  useEffect(() => {
    if (!token) return;
    setError(null);
    Jmap.connect(token).then(setJmap, (err: unknown) => (err instanceof SignedOut ? forget() : setError(err instanceof Error ? err.message : String(err))));
  }, [token, forget]);

  if (!token) {
    return (
      <Login
        onToken={(t) => {
          sessionStorage.setItem(TOKEN_KEY, t);
          setToken(t);
        }}
      />
    );
  }
  if (!jmap) {
    return (
      <main class="loading" aria-busy="true">
        {error ? <p role="alert">{error}</p> : <p>Loading your mail…</p>}
      </main>
    );
  }
  return (
    <Mail
      jmap={jmap}
      onExpired={forget}
      onSignOut={() => void signOut(jmap.token).then(forget)}
    />
  );
}
