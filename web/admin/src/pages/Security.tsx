import { useState } from 'preact/hooks';

import { seg, type AdminApi, type Page, type PageProps } from '../api.ts';
import { apiError, Field, FormError, Notice, useAction } from '../components/forms.tsx';
import { useLoad } from '../components/useLoad.ts';
import './pages.css';

interface Policy {
  tenant: string;
  minLength: number;
  maxAgeDays: number;
  breachedCheck: boolean;
}

interface Totp {
  address: string;
  enabled: boolean;
  confirmedAt: string | null;
  pending: boolean;
  recoveryCodesLeft: number;
}

interface Session {
  id: number;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  remoteAddress: string | null;
  userAgent: string | null;
}

interface AppPassword {
  id: number;
  name: string;
  protocols: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

interface Credentials {
  totp: Totp;
  sessions: Session[];
  appPasswords: AppPassword[];
}

const when = (iso: string | null): string => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : 'never');

function PolicyForm({ api }: { api: AdminApi }) {
  const policy = useLoad(() => api.get<Policy>('/password-policy'), []);
  const [edit, setEdit] = useState<{ minLength: string; maxAgeDays: string; breachedCheck: boolean } | null>(null);
  const save = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const p = policy.data;
  if (policy.error)
    return (
      <p class="error" role="alert">
        {policy.error}
      </p>
    );
  if (!p) return <p class="muted">Loading…</p>;
  const form = edit ?? { minLength: String(p.minLength), maxAgeDays: String(p.maxAgeDays), breachedCheck: p.breachedCheck };
  const err = apiError(save.error);
  return (
    <form
      class="form-grid"
      aria-labelledby="policy-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setNotice(null);
        const body = { minLength: Number(form.minLength), maxAgeDays: Number(form.maxAgeDays || '0'), breachedCheck: form.breachedCheck };
        if (await save.run(() => api.send('PATCH', '/password-policy', body))) {
          setEdit(null);
          policy.reload();
          setNotice('Password policy saved.');
        }
      }}
    >
      <h2 id="policy-title">Password policy</h2>
      <p class="muted policy-tenant">For the organisation {p.tenant}: new and changed passwords must follow it.</p>
      <Field idPrefix="policy" label="Minimum length" name="minLength" type="number" min="1" required value={form.minLength} onValue={(v) => setEdit({ ...form, minLength: v })} error={err} />
      <Field idPrefix="policy" label="Password expires after (days)" name="maxAgeDays" type="number" min="0" value={form.maxAgeDays} onValue={(v) => setEdit({ ...form, maxAgeDays: v })} error={err} hint="0: never" />
      <div class="field checkbox-field">
        <input id="policy-breached" type="checkbox" checked={form.breachedCheck} onChange={(e) => setEdit({ ...form, breachedCheck: e.currentTarget.checked })} />
        <label for="policy-breached">Refuse passwords known from data breaches</label>
      </div>
      <FormError error={save.error} fields={['minLength', 'maxAgeDays']} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          Save policy
        </button>
      </div>
      {notice && <Notice>{notice}</Notice>}
    </form>
  );
}

async function loadCredentials(api: AdminApi, user: string): Promise<Credentials> {
  const [totp, sessions, appPasswords] = await Promise.all([
    api.get<Totp>(`/users/${seg(user)}/totp`),
    api.get<Page<Session>>(`/users/${seg(user)}/sessions`),
    api.get<Page<AppPassword>>(`/users/${seg(user)}/app-passwords`),
  ]);
  return { totp, sessions: sessions.items, appPasswords: appPasswords.items };
}

function UserCredentials({ api, user }: { api: AdminApi; user: string }) {
  const data = useLoad(() => loadCredentials(api, user), [user]);
  const act = useAction();
  const [notice, setNotice] = useState<string | null>(null);

  async function run(work: () => Promise<unknown>, done: string) {
    setNotice(null);
    if (await act.run(work)) {
      setNotice(done);
      data.reload();
    }
  }

  if (data.error)
    return (
      <p class="error" role="alert">
        {data.error}
      </p>
    );
  const c = data.data;
  if (!c) return <p class="muted">Loading {user}…</p>;
  const u = seg(c.totp.address);
  return (
    <div class="credentials" aria-live="polite">
      {notice && <Notice>{notice}</Notice>}
      <FormError error={act.error} />
      <section aria-labelledby="totp-title">
        <h3 id="totp-title">Two-factor sign-in</h3>
        <p>
          {c.totp.enabled ? (
            <>
              <span class="badge badge-ok">On</span> since {when(c.totp.confirmedAt)}, {c.totp.recoveryCodesLeft} recovery codes left
            </>
          ) : (
            <>
              <span class="badge">Off</span> {c.totp.pending ? 'Set-up started but not confirmed.' : 'Not set up.'}
            </>
          )}
        </p>
        {(c.totp.enabled || c.totp.pending) && (
          <button type="button" class="ghost danger" disabled={act.busy} onClick={() => run(() => api.send('DELETE', `/users/${u}/totp`), `Two-factor sign-in of ${c.totp.address} was reset; their sessions ended.`)}>
            Reset two-factor sign-in
          </button>
        )}
      </section>
      <section aria-labelledby="sessions-title">
        <div class="section-head">
          <h3 id="sessions-title">Signed-in sessions ({c.sessions.length})</h3>
          {c.sessions.length > 0 && (
            <button type="button" class="ghost" disabled={act.busy} onClick={() => run(() => api.send('DELETE', `/users/${u}/sessions`), `${c.totp.address} was signed out everywhere.`)}>
              Sign out everywhere
            </button>
          )}
        </div>
        {c.sessions.length === 0 ? (
          <p class="muted">No sessions.</p>
        ) : (
          <ul class="item-list">
            {c.sessions.map((s) => (
              <li key={s.id}>
                <div>
                  <strong>{s.userAgent ?? 'Unknown client'}</strong>
                  <span class="muted">
                    {' '}
                    from {s.remoteAddress ?? 'an unknown address'} · last seen {when(s.lastSeenAt)}
                  </span>
                </div>
                <button type="button" class="ghost small" disabled={act.busy} aria-label={`Sign out session ${s.id} (${s.userAgent ?? 'unknown client'})`} onClick={() => run(() => api.send('DELETE', `/users/${u}/sessions/${s.id}`), 'Session signed out.')}>
                  Sign out
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="app-passwords-title">
        <h3 id="app-passwords-title">App passwords ({c.appPasswords.length})</h3>
        {c.appPasswords.length === 0 ? (
          <p class="muted">No app passwords.</p>
        ) : (
          <ul class="item-list">
            {c.appPasswords.map((a) => (
              <li key={a.id}>
                <div>
                  <strong>{a.name}</strong>
                  <span class="muted">
                    {' '}
                    {a.protocols.join(', ')} · made {when(a.createdAt)} · last used {when(a.lastUsedAt)}
                  </span>
                </div>
                <button type="button" class="ghost small" disabled={act.busy} aria-label={`Revoke app password ${a.name}`} onClick={() => run(() => api.send('DELETE', `/users/${u}/app-passwords/${a.id}`), `App password ${a.name} revoked.`)}>
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export function SecurityPage({ api }: PageProps) {
  const users = useLoad(async () => (await api.get<Page<{ address: string }>>('/users', { limit: 500 })).items.map((u) => u.address), []);
  const [address, setAddress] = useState('');
  const [user, setUser] = useState<string | null>(null);
  return (
    <div class="admin-page security">
      <div class="page-head">
        <h1>Security</h1>
        <p class="muted">The password rules of your organisation, and each user's second factor, sessions and app passwords.</p>
      </div>
      <section class="panel">
        <PolicyForm api={api} />
      </section>
      <section class="panel" aria-labelledby="user-security-title">
        <h2 id="user-security-title">A user's sign-in credentials</h2>
        <form
          class="inline-form"
          aria-label="Find a user"
          onSubmit={(e) => {
            e.preventDefault();
            const chosen = address.trim().toLowerCase();
            if (chosen) setUser(chosen);
          }}
        >
          <div class="field">
            <label for="security-address">User address</label>
            <input id="security-address" name="address" type="email" required autocomplete="off" list="security-users" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
          </div>
          <datalist id="security-users">
            {(users.data ?? []).map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <div class="actions">
            <button type="submit" class="primary">
              Show
            </button>
          </div>
        </form>
        {user && <UserCredentials key={user} api={api} user={user} />}
      </section>
    </div>
  );
}
