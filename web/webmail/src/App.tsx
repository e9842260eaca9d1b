import { useCallback, useEffect, useState } from 'preact/hooks';

import { Jmap, SignedOut, signOut } from './api.ts';
import { ApproveLogin } from './ApproveLogin.tsx';
import { Login } from './Login.tsx';
import { Mail } from './Mail.tsx';

// The session token lives for the tab only: closing it is signing out of this device.
const TOKEN_KEY = 'petrel.webmail.token';
/** The link in a desktop's QR code (POST /api/v1/session/qr): #/approve/<request id>. */
const APPROVE_ROUTE = /^#\/approve\/([A-Za-z0-9_-]{1,64})$/;

function approvalInLocation(): string | null {
  return APPROVE_ROUTE.exec(location.hash)?.[1] ?? null;
}

export function App() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const [jmap, setJmap] = useState<Jmap | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [approval, setApproval] = useState<string | null>(approvalInLocation);

  const forget = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setJmap(null);
  }, []);

  useEffect(() => {
    const follow = () => setApproval(approvalInLocation());
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);

  const finishApproval = useCallback(() => {
    history.replaceState(null, '', location.pathname + location.search);
    setApproval(null);
  }, []);

  useEffect(() => {
    if (!token) return;
    setError(null);
    Jmap.connect(token).then(setJmap, (err: unknown) => (err instanceof SignedOut ? forget() : setError(err instanceof Error ? err.message : String(err))));
  }, [token, forget]);

  if (!token) {
    return (
      <Login
        approving={approval !== null}
        onToken={(t) => {
          sessionStorage.setItem(TOKEN_KEY, t);
          setToken(t);
        }}
      />
    );
  }
  if (approval) return <ApproveLogin token={token} id={approval} onDone={finishApproval} onSignedOut={forget} />;
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
