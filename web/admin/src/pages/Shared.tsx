import { useState } from 'preact/hooks';

import type { AdminApi, Page } from '../api.ts';
import { seg } from '../api.ts';
import { DataTable } from '../components/data-table.tsx';
import { apiError, Field, formatBytes, FormError, Notice, useAction } from '../components/forms.tsx';
import { useLoad } from '../components/useLoad.ts';

interface SharedMember {
  address: string;
  rights: string;
  sendAs: boolean;
  sendOnBehalf: boolean;
}

interface Shared {
  id: number;
  address: string;
  displayName: string;
  usedBytes: number;
  members: SharedMember[];
}

/** RFC 4314 rights in the words an admin thinks in. */
const RIGHTS: { value: string; label: string }[] = [
  { value: 'lrswipkxte', label: 'Full access' },
  { value: 'lrswi', label: 'Read and file' },
  { value: 'lrs', label: 'Read only' },
];

const rightsLabel = (rights: string) => RIGHTS.find((r) => r.value === rights)?.label ?? rights;

function SharedMembers({ api, shared, onChanged }: { api: AdminApi; shared: Shared; onChanged: (notice: string) => void }) {
  const [form, setForm] = useState({ member: '', rights: RIGHTS[0].value, sendAs: false, sendOnBehalf: false });
  const change = useAction();
  const base = `/shared/${seg(shared.address)}`;

  async function run(work: () => Promise<unknown>, notice: string) {
    if (!(await change.run(work))) return false;
    onChanged(notice);
    return true;
  }

  const toggle = (m: SharedMember, kind: 'send-as' | 'send-on-behalf', granted: boolean) =>
    run(() => api.send('PUT', `${base}/send-rights`, { grantee: m.address, kind, granted }), `${kind === 'send-as' ? 'Send as' : 'Send on behalf'} ${granted ? 'granted to' : 'withdrawn from'} ${m.address}.`);

  return (
    <section class="panel detail" aria-labelledby="shared-detail-title">
      <h2 id="shared-detail-title">Members of {shared.address}</h2>
      <DataTable caption="Members and their rights" columns={['Member', 'Folders', 'Send as', 'Send on behalf', 'Actions']} empty={shared.members.length === 0 && <p class="muted">No members yet.</p>}>
        {shared.members.map((m) => (
          <tr key={m.address}>
            <th scope="row">{m.address}</th>
            <td>{rightsLabel(m.rights)}</td>
            <td>
              <input type="checkbox" aria-label={`${m.address} may send as ${shared.address}`} checked={m.sendAs} disabled={change.busy} onChange={(e) => void toggle(m, 'send-as', e.currentTarget.checked)} />
            </td>
            <td>
              <input type="checkbox" aria-label={`${m.address} may send on behalf of ${shared.address}`} checked={m.sendOnBehalf} disabled={change.busy} onChange={(e) => void toggle(m, 'send-on-behalf', e.currentTarget.checked)} />
            </td>
            <td class="row-actions">
              <button type="button" class="ghost danger" aria-label={`Remove member ${m.address}`} disabled={change.busy} onClick={() => void run(() => api.send('DELETE', `${base}/members/${seg(m.address)}`), `${m.address} removed.`)}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      <form
        class="form-grid"
        aria-label="Add member"
        onSubmit={async (e) => {
          e.preventDefault();
          const member = form.member.trim().toLowerCase();
          if (await run(() => api.send('POST', `${base}/members`, { member, rights: form.rights, sendAs: form.sendAs, sendOnBehalf: form.sendOnBehalf }), `${member} added to ${shared.address}.`)) {
            setForm({ ...form, member: '' });
          }
        }}
      >
        <Field idPrefix="shared" label="New member" name="member" type="email" required value={form.member} onValue={(v) => setForm({ ...form, member: v })} error={apiError(change.error)} />
        <div class="field">
          <label for="shared-rights">Access to folders</label>
          <select id="shared-rights" value={form.rights} onChange={(e) => setForm({ ...form, rights: e.currentTarget.value })}>
            {RIGHTS.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div class="checks">
          <label>
            <input type="checkbox" checked={form.sendAs} onChange={(e) => setForm({ ...form, sendAs: e.currentTarget.checked })} /> May send as the mailbox
          </label>
          <label>
            <input type="checkbox" checked={form.sendOnBehalf} onChange={(e) => setForm({ ...form, sendOnBehalf: e.currentTarget.checked })} /> May send on behalf of it
          </label>
        </div>
        <FormError error={change.error} fields={['member']} />
        <div class="actions">
          <button type="submit" class="ghost" disabled={change.busy}>
            Add member
          </button>
        </div>
      </form>
    </section>
  );
}

export function SharedPage({ api }: { api: AdminApi }) {
  const list = useLoad(() => api.get<Page<Shared>>('/shared', { limit: 500 }), []);
  const [form, setForm] = useState({ address: '', displayName: '' });
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const create = useAction();
  const remove = useAction();
  const current = list.data?.items.find((s) => s.address === selected) ?? null;

  return (
    <section aria-labelledby="shared-title">
      <h1 id="shared-title">Shared mailboxes</h1>
      {notice && <Notice>{notice}</Notice>}
      {list.error && <p role="alert" class="error">{list.error}</p>}
      <FormError error={remove.error} />
      <DataTable caption="Shared mailboxes" columns={['Address', 'Name', 'Members', 'Storage', 'Actions']} empty={list.data?.items.length === 0 && <p class="muted">No shared mailboxes yet.</p>}>
        {list.data?.items.map((s) => (
          <tr key={s.id}>
            <th scope="row">
              <button type="button" class="link" onClick={() => setSelected(s.address)}>
                {s.address}
              </button>
            </th>
            <td>{s.displayName}</td>
            <td>{s.members.length}</td>
            <td>{formatBytes(s.usedBytes)}</td>
            <td class="row-actions">
              <button
                type="button"
                class="ghost danger"
                aria-label={`Remove shared mailbox ${s.address}`}
                disabled={remove.busy}
                onClick={async () => {
                  if (!confirm(`Remove ${s.address} with all its mail?`)) return;
                  if (await remove.run(() => api.send('DELETE', `/shared/${seg(s.address)}`))) {
                    setNotice(`${s.address} removed.`);
                    list.reload();
                  }
                }}
              >
                Remove
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      {current && <SharedMembers key={current.address} api={api} shared={current} onChanged={(text) => (setNotice(text), list.reload())} />}
      <form
        class="panel form-grid"
        aria-labelledby="new-shared-title"
        onSubmit={async (e) => {
          e.preventDefault();
          const address = form.address.trim().toLowerCase();
          if (await create.run(() => api.send('POST', '/shared', { address, displayName: form.displayName.trim() || undefined }))) {
            setNotice(`${address} created.`);
            setForm({ address: '', displayName: '' });
            setSelected(address);
            list.reload();
          }
        }}
      >
        <h2 id="new-shared-title">New shared mailbox</h2>
        <Field idPrefix="new-shared" label="Address" name="address" type="email" required value={form.address} onValue={(v) => setForm({ ...form, address: v })} error={apiError(create.error)} />
        <Field idPrefix="new-shared" label="Name" name="displayName" value={form.displayName} onValue={(v) => setForm({ ...form, displayName: v })} error={apiError(create.error)} />
        <FormError error={create.error} fields={['address', 'displayName']} />
        <div class="actions">
          <button type="submit" class="primary" disabled={create.busy}>
            Create shared mailbox
          </button>
        </div>
      </form>
    </section>
  );
}
