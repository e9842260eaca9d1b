import { useEffect, useRef, useState } from 'preact/hooks';

import { ApiFailure, pollQrLogin, startQrLogin, type QrRequest } from './api.ts';
import { QrCode } from './QrCode.tsx';
import './login.css';

/** How often the desktop asks whether the phone has approved. */
const POLL_MS = 2000;
const NEW_CODE = 'The code expired, so here is a new one.';

type Phase = { kind: 'starting' } | { kind: 'showing'; request: QrRequest } | { kind: 'denied' } | { kind: 'failed'; message: string };

/** "123456" as "123 456": easier to read across a room and to type on a phone. */
function grouped(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

function ShownRequest({ request }: { request: QrRequest }) {
  const [copyNote, setCopyNote] = useState<string | null>(null);
  const linkField = useRef<HTMLInputElement>(null);

  useEffect(() => setCopyNote(null), [request.id]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(request.approveUrl);
      setCopyNote('Link copied.');
    } catch {
      linkField.current?.select();
      setCopyNote('The link is selected: copy it with Ctrl+C (⌘C on a Mac).');
    }
  }

  return (
    <>
      <QrCode value={request.approveUrl} label="QR code that opens the approval page on your phone" />
      <p class="qr-code-line">
        Code <strong class="qr-code-digits" data-testid="qr-code">{grouped(request.code)}</strong>
      </p>
      <label for="qr-link">Approval link</label>
      <div class="qr-link-row">
        <input id="qr-link" readOnly value={request.approveUrl} ref={linkField} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="ghost" onClick={() => void copy()}>
          Copy link
        </button>
      </div>
      <p class="hint" aria-live="polite">
        {copyNote ?? 'The code changes every two minutes.'}
      </p>
    </>
  );
}

/**
 * The desktop half of signing in by QR code: asks the server for a request, shows its link as a QR
 * code with the code to type on the phone, and polls until the phone approves; an expired request
 * is replaced by a new one without the user doing anything.
 */
export function QrLogin({ onToken }: { onToken: (token: string) => void }) {
  // Each round is one request; starting a new round makes a new code.
  const [round, setRound] = useState(0);
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [notice, setNotice] = useState('');
  const tokenHandler = useRef(onToken);
  tokenHandler.current = onToken;

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const later = (next: () => void, ms: number) => {
      timer = window.setTimeout(next, ms);
    };
    const next = () => {
      setNotice(NEW_CODE);
      setRound((r) => r + 1);
    };
    // A page left open in a background tab asks for no new codes until someone looks at it.
    const whenVisible = () => {
      if (document.hidden) return;
      document.removeEventListener('visibilitychange', whenVisible);
      next();
    };
    const renew = () => {
      if (!document.hidden) return next();
      document.addEventListener('visibilitychange', whenVisible);
    };

    async function poll(request: QrRequest): Promise<void> {
      try {
        const result = await pollQrLogin(request);
        if (stopped) return;
        if (result.status === 'approved' && result.token) return tokenHandler.current(result.token);
        if (result.status === 'denied') return setPhase({ kind: 'denied' });
        if (result.status !== 'pending') return renew();
      } catch (err) {
        if (stopped) return;
        // The server no longer knows the request (it was cleaned up, or the database changed): start over.
        if (err instanceof ApiFailure && err.status === 404) return renew();
        // Otherwise the network hiccupped: keep asking.
      }
      later(() => void poll(request), POLL_MS);
    }

    async function start(): Promise<void> {
      try {
        const request = await startQrLogin();
        if (stopped) return;
        setPhase({ kind: 'showing', request });
        later(() => void poll(request), POLL_MS);
      } catch (err) {
        if (stopped) return;
        const limited = err instanceof ApiFailure && err.status === 429;
        const wait = limited && err.retryAfter ? err.retryAfter : 10;
        setPhase({
          kind: 'failed',
          message: limited ? `Too many codes were asked for from this network. A new one comes in ${wait} seconds.` : 'No code could be made because the server could not be reached. Trying again shortly.',
        });
        later(() => void start(), wait * 1000);
      }
    }

    void start();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', whenVisible);
    };
  }, [round]);

  return (
    <section class="login-card qr-card" aria-labelledby="qr-title">
      <h2 id="qr-title">Use your phone</h2>
      <p class="hint">Scan this with a phone where you are signed in to Petrel Mail, then type the code below on the phone.</p>
      {phase.kind === 'starting' && (
        <p class="qr-placeholder" aria-busy="true">
          Making a code…
        </p>
      )}
      {phase.kind === 'showing' && <ShownRequest request={phase.request} />}
      {phase.kind === 'denied' && (
        <>
          <p class="error" role="alert">
            The sign-in was refused on the other device.
          </p>
          <button
            type="button"
            class="ghost"
            onClick={() => {
              setNotice('');
              setRound((r) => r + 1);
            }}
          >
            Make a new code
          </button>
        </>
      )}
      {phase.kind === 'failed' && (
        <p class="error" role="alert">
          {phase.message}
        </p>
      )}
      <p class="visually-hidden" aria-live="polite">
        {notice}
      </p>
    </section>
  );
}
