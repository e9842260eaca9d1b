import { useEffect, useRef, useState } from 'preact/hooks';

import { ApiFailure, approveQrLogin, denyQrLogin, describeQrLogin, SignedOut, whoAmI, type QrRequestInfo, type QrStatus } from './api.ts';
import './login.css';

/** Why a request can no longer be decided, in plain words. */
const GONE: Record<Exclude<QrStatus, 'pending'>, string> = {
  approved: 'This sign-in request has already been approved.',
  used: 'This sign-in request has already been used. Ask the other device for a new QR code.',
  denied: 'This sign-in request was refused, so it can no longer be approved.',
  expired: 'This sign-in request has expired. Ask the other device for a new QR code.',
};
const UNKNOWN = 'This sign-in link is not valid, or it expired long ago.';

type State =
  | { kind: 'loading' }
  | { kind: 'asking'; request: QrRequestInfo; me: string }
  | { kind: 'approved'; me: string }
  | { kind: 'denied' }
  | { kind: 'gone'; message: string };

/** "Firefox on Linux" from a User-Agent header; the header itself is in the tooltip. */
function describeBrowser(userAgent: string | null): string {
  if (!userAgent) return 'an unknown browser';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : 'a browser';
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(userAgent)
          ? 'macOS'
          : /CrOS/.test(userAgent)
            ? 'ChromeOS'
            : /Linux/.test(userAgent)
              ? 'Linux'
              : null;
  return system ? `${browser} on ${system}` : browser;
}

function failureMessage(err: unknown): string {
  if (err instanceof ApiFailure) return err.status === 404 ? UNKNOWN : err.message.charAt(0).toUpperCase() + err.message.slice(1) + '.';
  return 'The server could not be reached. Try again.';
}

/**
 * The phone half of signing in by QR code: says where the request comes from, asks for the code
 * the other screen shows, and approves or denies it. Approving signs that device in as the user
 * of this session.
 */
export function ApproveLogin({ token, id, onDone, onSignedOut }: { token: string; id: string; onDone: () => void; onSignedOut: () => void }) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let stopped = false;
    Promise.all([describeQrLogin(token, id), whoAmI(token)]).then(
      ([request, me]) => {
        if (stopped) return;
        setState(request.status === 'pending' ? { kind: 'asking', request, me } : { kind: 'gone', message: GONE[request.status] });
      },
      (err: unknown) => {
        if (stopped) return;
        if (err instanceof SignedOut) return onSignedOut();
        setState({ kind: 'gone', message: failureMessage(err) });
      },
    );
    return () => {
      stopped = true;
    };
  }, [token, id, onSignedOut]);

  // Each outcome is announced by moving focus to its heading.
  useEffect(() => heading.current?.focus(), [state.kind]);

  async function decide(approve: boolean) {
    if (state.kind !== 'asking') return;
    setBusy(true);
    setError(null);
    try {
      if (approve) {
        await approveQrLogin(token, id, code.trim());
        setState({ kind: 'approved', me: state.me });
      } else {
        await denyQrLogin(token, id);
        setState({ kind: 'denied' });
      }
    } catch (err) {
      if (err instanceof SignedOut) return onSignedOut();
      // A wrong code may be typed again; anything else ends this request.
      if (err instanceof ApiFailure && err.status === 400 && err.field === 'code') setError('That is not the code shown on the other device. Check it and try again.');
      else setState({ kind: 'gone', message: failureMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  const done = (
    <button type="button" class="primary" onClick={onDone}>
      Go to my mail
    </button>
  );

  return (
    <main class="login">
      <section class="login-card approve-card" aria-labelledby="approve-title" aria-busy={state.kind === 'loading'}>
        <div class="brand" aria-hidden="true">
          <span class="brand-mark">P</span>
        </div>
        {state.kind === 'loading' && (
          <>
            <h1 id="approve-title">Sign-in request</h1>
            <p>Looking up the sign-in request…</p>
          </>
        )}
        {state.kind === 'asking' && (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void decide(true);
            }}
          >
            <h1 id="approve-title" tabIndex={-1} ref={heading}>
              Sign in on another device?
            </h1>
            <p>
              A device asks to be signed in as <strong>{state.me}</strong>.
            </p>
            <dl class="approve-facts">
              <dt>From</dt>
              <dd>{state.request.remoteAddress ?? 'an unknown address'}</dd>
              <dt>Browser</dt>
              <dd title={state.request.userAgent ?? undefined}>{describeBrowser(state.request.userAgent)}</dd>
              <dt>Asked at</dt>
              <dd>{new Date(state.request.createdAt).toLocaleTimeString()}</dd>
            </dl>
            <p class="hint">Approve only if that device is in front of you. Someone who sent you this link cannot see your screen: never approve for them.</p>
            <label for="approve-code">Code shown on the other device</label>
            <input
              id="approve-code"
              inputMode="numeric"
              autocomplete="off"
              required
              maxLength={16}
              aria-describedby={error ? 'approve-error' : undefined}
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
            {error && (
              <p id="approve-error" class="error" role="alert">
                {error}
              </p>
            )}
            <div class="approve-actions">
              <button type="submit" class="primary" disabled={busy}>
                Approve
              </button>
              <button type="button" class="ghost" disabled={busy} onClick={() => void decide(false)}>
                Deny
              </button>
            </div>
          </form>
        )}
        {state.kind === 'approved' && (
          <>
            <h1 id="approve-title" tabIndex={-1} ref={heading}>
              The other device is signed in
            </h1>
            <p role="status">It is now signed in as {state.me}.</p>
            {done}
          </>
        )}
        {state.kind === 'denied' && (
          <>
            <h1 id="approve-title" tabIndex={-1} ref={heading}>
              Sign-in refused
            </h1>
            <p role="status">The other device was not signed in.</p>
            {done}
          </>
        )}
        {state.kind === 'gone' && (
          <>
            <h1 id="approve-title" tabIndex={-1} ref={heading}>
              Nothing to approve
            </h1>
            <p class="error" role="alert">
              {state.message}
            </p>
            {done}
          </>
        )}
      </section>
    </main>
  );
}
