import { useCallback, useEffect, useState } from 'preact/hooks';

import { AdminApi, SignedOut, signOut, type Whoami } from './api.ts';
import { messageOf } from './components/forms.tsx';
import { Layout } from './Layout.tsx';
import { Login } from './Login.tsx';

// The session token lives for the tab only: closing it is signing out of this device.
const TOKEN_KEY = 'petrel.admin.token';

export function App() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const [me, setMe] = useState<{ api: AdminApi; who: Whoami } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const forget = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setMe(null);
  }, []);

  // Any request refused with 401 (the session ended or was revoked) brings back the sign-in.
  useEffect(() => {
    if (!token) return;
    setError(null);
    const api = new AdminApi(token, forget);
    api.get<Whoami>('/session').then(
      (who) => setMe({ api, who }),
      (err: unknown) => (err instanceof SignedOut ? forget() : setError(messageOf(err))),
    );
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
  if (!me) {
    return (
      <main class="loading" aria-busy="true">
        {error ? <p role="alert">{error}</p> : <p>Loading…</p>}
      </main>
    );
  }
  return <Layout api={me.api} who={me.who} onSignOut={() => void signOut(me.api.token).then(forget)} />;
}
