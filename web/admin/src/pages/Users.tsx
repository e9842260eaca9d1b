import { useState } from 'preact/hooks';

import type { AdminApi, Page } from '../api.ts';
import { seg } from '../api.ts';
import { DataTable } from '../components/data-table.tsx';
import { apiError, Field, formatBytes, FormError, megabytes, Notice, useAction } from '../components/forms.tsx';
import { flattenUnits, loadUnits } from '../components/units.ts';
import { useLoad } from '../components/useLoad.ts';

interface UserSummary {
  id: number;
  address: string;
  displayName: string;
  aliases: string[];
  quotaBytes: number;
  usedBytes: number;
  disabled: boolean;
}

interface UserInfo extends UserSummary {
  tenant: string;
  role: string;
  lockedUntil: number | null;
}

const PAGE_SIZE = 25;

function UnitSelect({ id, value, onChange, units }: { id: string; value: string; onChange: (path: string) => void; units: ReturnType<typeof flattenUnits> }) {
  return (
    <div class="field">
      <label for={id}>Org unit</label>
      <select id={id} name="unit" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">No unit</option>
        {units.map(({ unit, depth }) => (
          <option key={unit.id} value={unit.path}>
            {`${'\u00a0\u00a0'.repeat(depth)}${unit.name}`}
          </option>
        ))}
      </select>
    </div>
  );
}

function NewUser({ api, units, onCreated }: { api: AdminApi; units: ReturnType<typeof flattenUnits>; onCreated: (address: string) => void }) {
  const empty = { displayName: '', address: '', password: '', quota: '', unit: '' };
  const [form, setForm] = useState(empty);
  const create = useAction();
  const set = (name: keyof typeof empty) => (value: string) => setForm({ ...form, [name]: value });

  async function submit(event: Event) {
    event.preventDefault();
    const address = form.address.trim().toLowerCase();
    const ok = await create.run(async () => {
      await api.send('POST', '/users', { address, password: form.password, displayName: form.displayName.trim() || undefined, quotaBytes: megabytes(form.quota) });
      if (form.unit) await api.send('POST', `/units/${seg(form.unit)}/members`, { principal: address });
    });
    if (!ok) return;
    setForm(empty);
    onCreated(address);
  }

  const err = apiError(create.error);
  return (
    <form class="panel form-grid" aria-labelledby="new-user-title" onSubmit={submit}>
      <h2 id="new-user-title">New user</h2>
      <Field idPrefix="new-user" label="Full name" name="displayName" autocomplete="off" value={form.displayName} onValue={set('displayName')} error={err} />
      <Field idPrefix="new-user" label="Email address" name="address" type="email" required autocomplete="off" value={form.address} onValue={set('address')} error={err} />
      <Field idPrefix="new-user" label="Password" name="password" type="password" required autocomplete="new-password" value={form.password} onValue={set('password')} error={err} />
      <Field idPrefix="new-user" label="Quota (MB)" name="quotaBytes" type="number" min="0" value={form.quota} onValue={set('quota')} error={err} hint="Blank or 0: unlimited" />
      <UnitSelect id="new-user-unit" value={form.unit} onChange={set('unit')} units={units} />
      <FormError error={create.error} fields={['displayName', 'address', 'password', 'quotaBytes']} />
      <div class="actions">
        <button type="submit" class="primary" disabled={create.busy}>
          Create user
        </button>
      </div>
    </form>
  );
}

function UserDetail({ api, address, units, onChanged, onClose }: { api: AdminApi; address: string; units: ReturnType<typeof flattenUnits>; onChanged: (notice: string) => void; onClose: () => void }) {
  const user = useLoad(() => api.get<UserInfo>(`/users/${seg(address)}`), [address]);
  const [edit, setEdit] = useState<{ displayName: string; quota: string } | null>(null);
  const [password, setPassword] = useState('');
  const [alias, setAlias] = useState('');
  const [unit, setUnit] = useState('');
  const save = useAction();
  const reset = useAction();
  const aliases = useAction();
  const state = useAction();

  if (user.error) return <p role="alert" class="error">{user.error}</p>;
  const u = user.data;
  if (!u) return <p class="muted">Loading {address}…</p>;
  const form = edit ?? { displayName: u.displayName, quota: u.quotaBytes ? String(Math.round(u.quotaBytes / 1024 / 1024)) : '' };

  async function changed(work: () => Promise<unknown>, action: ReturnType<typeof useAction>, notice: string) {
    if (!(await action.run(work))) return false;
    user.reload();
    onChanged(notice);
    return true;
  }

  return (
    <section class="panel detail" aria-labelledby="user-detail-title">
      <div class="section-head">
        <h2 id="user-detail-title">{u.address}</h2>
        <button type="button" class="ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <p class="muted">
        {u.disabled ? 'Disabled' : 'Active'} · {formatBytes(u.usedBytes)} used{u.quotaBytes ? ` of ${formatBytes(u.quotaBytes)}` : ''}
        {u.lockedUntil ? ' · locked after failed sign-ins' : ''}
      </p>
      <form
        class="form-grid"
        aria-label="Edit user"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await changed(() => api.send('PATCH', `/users/${seg(u.address)}`, { displayName: form.displayName.trim(), quotaBytes: megabytes(form.quota) }), save, `${u.address} saved.`)) setEdit(null);
        }}
      >
        <Field idPrefix="edit-user" label="Full name" name="displayName" value={form.displayName} onValue={(v) => setEdit({ ...form, displayName: v })} error={apiError(save.error)} />
        <Field idPrefix="edit-user" label="Quota (MB)" name="quotaBytes" type="number" min="0" value={form.quota} onValue={(v) => setEdit({ ...form, quota: v })} error={apiError(save.error)} />
        <FormError error={save.error} fields={['displayName', 'quotaBytes']} />
        <div class="actions">
          <button type="submit" class="primary" disabled={save.busy}>
            Save
          </button>
        </div>
      </form>
      <form
        class="form-grid"
        aria-label="Reset password"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await changed(() => api.send('PUT', `/users/${seg(u.address)}/password`, { password }), reset, `New password set for ${u.address}.`)) setPassword('');
        }}
      >
        <Field idPrefix="reset" label="New password" name="password" type="password" required autocomplete="new-password" value={password} onValue={setPassword} error={apiError(reset.error)} />
        <FormError error={reset.error} fields={['password']} />
        <div class="actions">
          <button type="submit" class="ghost" disabled={reset.busy}>
            Reset password
          </button>
        </div>
      </form>
      {units.length > 0 && (
        <form
          class="inline-form"
          aria-label="Org unit"
          onSubmit={async (e) => {
            e.preventDefault();
            const target = unit || '/';
            if (await changed(() => api.send('POST', `/units/${seg(target)}/members`, { principal: u.address }), save, unit ? `${u.address} is in ${unit} now.` : `${u.address} is in no unit now.`)) setUnit('');
          }}
        >
          <UnitSelect id="edit-user-unit" value={unit} onChange={setUnit} units={units} />
          <button type="submit" class="ghost" disabled={save.busy}>
            Move to unit
          </button>
        </form>
      )}
      <h3>Aliases</h3>
      <ul class="chips" aria-label={`Aliases of ${u.address}`}>
        {u.aliases.map((a) => (
          <li key={a}>
            {a}
            <button type="button" class="chip-remove" aria-label={`Remove alias ${a}`} onClick={() => void changed(() => api.send('DELETE', `/aliases/${seg(a)}`), aliases, `Alias ${a} removed.`)}>
              ×
            </button>
          </li>
        ))}
        {u.aliases.length === 0 && <li class="muted">No aliases</li>}
      </ul>
      <form
        class="inline-form"
        aria-label="Add alias"
        onSubmit={async (e) => {
          e.preventDefault();
          const name = alias.trim().toLowerCase();
          if (await changed(() => api.send('POST', '/aliases', { alias: name, target: u.address }), aliases, `Alias ${name} added.`)) setAlias('');
        }}
      >
        <Field idPrefix="user" label="New alias" name="alias" also={['address']} type="email" required value={alias} onValue={setAlias} error={apiError(aliases.error)} />
        <button type="submit" class="ghost" disabled={aliases.busy}>
          Add alias
        </button>
      </form>
      <FormError error={aliases.error} fields={['alias', 'address']} />
      <h3>Account</h3>
      <div class="actions">
        <button type="button" class="ghost" disabled={state.busy} onClick={() => void changed(() => api.send('PATCH', `/users/${seg(u.address)}`, { disabled: !u.disabled }), state, `${u.address} ${u.disabled ? 'enabled' : 'disabled'}.`)}>
          {u.disabled ? 'Enable account' : 'Disable account'}
        </button>
        <button
          type="button"
          class="ghost danger"
          disabled={state.busy}
          onClick={async () => {
            if (!confirm(`Delete ${u.address} with all their mail? This cannot be undone.`)) return;
            if (await state.run(() => api.send('DELETE', `/users/${seg(u.address)}`))) {
              onChanged(`${u.address} deleted.`);
              onClose();
            }
          }}
        >
          Delete user
        </button>
      </div>
      <FormError error={state.error} />
    </section>
  );
}

export function UsersPage({ api }: { api: AdminApi }) {
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  // Keyset paging: the cursors of the pages before this one, so "Previous" goes back exactly.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const after = cursors[cursors.length - 1];
  const list = useLoad(() => api.get<Page<UserSummary>>('/users', { limit: PAGE_SIZE, after, q: search || undefined }), [after, search]);
  const units = useLoad(() => loadUnits(api).catch(() => []), []);
  const flat = flattenUnits(units.data ?? []);

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      {notice && <Notice>{notice}</Notice>}
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(query.trim());
          setCursors([undefined]);
        }}
      >
        <label for="user-search">Search users</label>
        <input id="user-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} placeholder="Name or address" />
        <button type="submit" class="ghost">
          Search
        </button>
      </form>
      {list.error && <p role="alert" class="error">{list.error}</p>}
      <DataTable caption={<>Users{search ? ` matching ${search}` : ''}</>} columns={['Address', 'Name', 'Storage', 'Status']} empty={list.data?.items.length === 0 && <p class="muted">No users{search ? ` match “${search}”` : ''}.</p>}>
        {list.data?.items.map((u) => (
          <tr key={u.id} aria-selected={selected === u.address ? 'true' : undefined}>
            <th scope="row">
              <button type="button" class="link" onClick={() => setSelected(u.address)}>
                {u.address}
              </button>
              {u.aliases.length > 0 && <span class="muted"> +{u.aliases.length} alias{u.aliases.length === 1 ? '' : 'es'}</span>}
            </th>
            <td>{u.displayName}</td>
            <td>
              {formatBytes(u.usedBytes)}
              {u.quotaBytes ? ` / ${formatBytes(u.quotaBytes)}` : ''}
            </td>
            <td>{u.disabled ? 'Disabled' : 'Active'}</td>
          </tr>
        ))}
      </DataTable>
      <nav class="pager" aria-label="Pages of users">
        <button type="button" class="ghost" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span>Page {cursors.length}</span>
        <button type="button" class="ghost" disabled={!list.data?.next} onClick={() => list.data?.next && setCursors([...cursors, list.data.next])}>
          Next page
        </button>
      </nav>
      {selected && (
        <UserDetail
          key={selected}
          api={api}
          address={selected}
          units={flat}
          onClose={() => setSelected(null)}
          onChanged={(text) => {
            setNotice(text);
            list.reload();
          }}
        />
      )}
      <NewUser
        api={api}
        units={flat}
        onCreated={(address) => {
          setNotice(`User ${address} created.`);
          list.reload();
        }}
      />
    </section>
  );
}
