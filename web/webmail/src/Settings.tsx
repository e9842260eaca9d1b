import { useEffect, useState } from 'preact/hooks';

import { SignedOut, type Jmap } from './api.ts';
import { HtmlBody } from './MessageBody.tsx';
import { loadIdentities, loadOrganisationSignature, loadVacation, saveSignature, saveVacation, type Identity, type Signature, type Vacation } from './settings-requests.ts';
import './settings.css';

const NO_IMAGES: ReadonlyMap<string, string> = new Map();
const ignore = () => undefined;

function message(err: unknown): string {
  if (err instanceof SignedOut) return 'Your session has expired; sign in again.';
  return err instanceof Error ? err.message : String(err);
}

/** A UTCDate as the yyyy-mm-dd of the local day it falls on. */
function localDay(utc: string | null, dayBefore = false): string {
  if (!utc) return '';
  const date = new Date(utc);
  if (dayBefore) date.setDate(date.getDate() - 1);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The start of a local day (or of the day after it) as a UTCDate (RFC 8620 §1.4). */
function utcOf(day: string, nextDay = false): string | null {
  if (!day) return null;
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year, month - 1, date + (nextDay ? 1 : 0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function VacationForm({ jmap }: { jmap: Jmap }) {
  const [vacation, setVacation] = useState<Vacation | null>(null);
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    loadVacation(jmap).then(
      (loaded) => {
        setVacation(loaded);
        setFrom(localDay(loaded.fromDate));
        // toDate is the first moment the notice is off; the form shows the last day it is on.
        setUntil(localDay(loaded.toDate, true));
      },
      (err: unknown) => setError(message(err)),
    );
  }, [jmap]);

  async function save(event: Event) {
    event.preventDefault();
    if (!vacation) return;
    if (from && until && until < from) return setError('The last day is before the first day.');
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const saved = { ...vacation, fromDate: utcOf(from), toDate: utcOf(until, true) };
      await saveVacation(jmap, saved);
      setVacation(saved);
      setStatus(saved.isEnabled ? 'Auto-reply is on.' : 'Auto-reply is off.');
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="settings-section" aria-labelledby="vacation-title">
      <h3 id="vacation-title">Automatic reply</h3>
      <p class="hint">While you are away, people who write to you get this answer once a week.</p>
      {!vacation && !error && <p class="empty">Loading…</p>}
      {vacation && (
        <form class="settings-form" onSubmit={save}>
          <label class="check">
            <input type="checkbox" checked={vacation.isEnabled} onChange={(e) => setVacation({ ...vacation, isEnabled: e.currentTarget.checked })} />
            Send an automatic reply
          </label>
          <div class="dates">
            <label>
              First day <span class="optional">(optional)</span>
              <input type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
            </label>
            <label>
              Last day <span class="optional">(optional)</span>
              <input type="date" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
            </label>
          </div>
          <label>
            Subject
            <input type="text" value={vacation.subject ?? ''} placeholder="Out of office" onInput={(e) => setVacation({ ...vacation, subject: e.currentTarget.value || null })} />
          </label>
          <label>
            Message
            <textarea rows={5} value={vacation.textBody ?? ''} onInput={(e) => setVacation({ ...vacation, textBody: e.currentTarget.value || null })} />
          </label>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save automatic reply'}
            </button>
            <span role="status" class="saved">
              {status}
            </span>
          </div>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function SignatureForm({ jmap, identity }: { jmap: Jmap; identity: Identity }) {
  const [draft, setDraft] = useState(identity);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const id = `signature-${identity.id}`;

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await saveSignature(jmap, draft);
      setStatus('Signature saved.');
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="settings-form identity" onSubmit={save} aria-label={`Signature for ${identity.email}`}>
      <p class="identity-name">
        {identity.name ? `${identity.name} <${identity.email}>` : identity.email}
      </p>
      <label for={`${id}-text`}>
        Plain-text signature<span class="visually-hidden"> for {identity.email}</span>
      </label>
      <textarea id={`${id}-text`} rows={4} value={draft.textSignature} onInput={(e) => setDraft({ ...draft, textSignature: e.currentTarget.value })} />
      <label for={`${id}-html`}>
        HTML signature<span class="visually-hidden"> for {identity.email}</span>
      </label>
      <textarea id={`${id}-html`} class="code" rows={4} value={draft.htmlSignature} onInput={(e) => setDraft({ ...draft, htmlSignature: e.currentTarget.value })} />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save signature'}
        </button>
        <span role="status" class="saved">
          {status}
        </span>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function Signatures({ jmap }: { jmap: Jmap }) {
  const [identities, setIdentities] = useState<Identity[] | null>(null);
  const [organisation, setOrganisation] = useState<Signature | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    loadIdentities(jmap).then(setIdentities, (err: unknown) => setError(message(err)));
    loadOrganisationSignature(jmap).then(setOrganisation, (err: unknown) => setError(message(err)));
  }, [jmap]);

  return (
    <section class="settings-section" aria-labelledby="signature-title">
      <h3 id="signature-title">Signatures</h3>
      <p class="hint">Your personal signature for each address you send from.</p>
      {identities === null && !error && <p class="empty">Loading…</p>}
      {identities?.map((identity) => (
        <SignatureForm key={identity.id} jmap={jmap} identity={identity} />
      ))}
      <section class="org-signature" aria-labelledby="org-signature-title">
        <h4 id="org-signature-title">Organisation signature</h4>
        {organisation && organisation.text === '' && organisation.html === '' && <p class="hint">Your organisation has not set a signature.</p>}
        {organisation && (organisation.text !== '' || organisation.html !== '') && (
          <>
            <p class="hint">Your organisation adds this to the messages you write; your administrator sets it.</p>
            {organisation.html !== '' ? (
              <HtmlBody html={organisation.html} inline={NO_IMAGES} allowRemote={false} onBlocked={ignore} testId="organisation-signature" />
            ) : (
              <pre class="org-text" data-testid="organisation-signature">
                {organisation.text}
              </pre>
            )}
          </>
        )}
      </section>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** The user's settings: vacation auto-reply, personal signatures and the organisation's signature. */
export function Settings({ jmap, onClose }: { jmap: Jmap; onClose: () => void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <section class="settings" role="dialog" aria-modal="true" aria-labelledby="settings-title">
      <header class="settings-header">
        <h2 id="settings-title">Settings</h2>
        <button type="button" class="ghost" onClick={onClose}>
          Close settings
        </button>
      </header>
      <div class="settings-body">
        <VacationForm jmap={jmap} />
        <Signatures jmap={jmap} />
      </div>
    </section>
  );
}
