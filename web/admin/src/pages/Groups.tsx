import { useState } from 'preact/hooks';

import type { AdminApi, Page } from '../api.ts';
import { seg } from '../api.ts';
import { DataTable } from '../components/data-table.tsx';
import { apiError, Field, FormError, Notice, useAction } from '../components/forms.tsx';
import { flattenUnits, loadUnits } from '../components/units.ts';
import { useLoad } from '../components/useLoad.ts';

interface Group {
  id: number;
  address: string;
  displayName: string;
  sendPolicy: string;
  members: string[];
}

interface Member {
  address: string;
  kind: 'user' | 'group' | 'unit';
  displayName: string;
}

const POLICY_TEXT: Record<string, string> = { anyone: 'Anyone', members: 'Members only', organisation: 'The organisation', listed: 'Listed senders' };

function GroupMembers({ api, group, onChanged }: { api: AdminApi; group: Group; onChanged: (notice: string) => void }) {
  const members = useLoad(() => api.get<Page<Member>>(`/groups/${seg(group.address)}/members`, { limit: 500 }), [group.address]);
  const units = useLoad(() => loadUnits(api).catch(() => []), []);
  const [member, setMember] = useState('');
  const [policy, setPolicy] = useState(group.sendPolicy);
  const change = useAction();
  const base = `/groups/${seg(group.address)}`;
  const memberError = apiError(change.error)?.field === 'member' ? apiError(change.error)!.message : null;

  async function run(work: () => Promise<unknown>, notice: string) {
    if (!(await change.run(work))) return false;
    members.reload();
    onChanged(notice);
    return true;
  }

  return (
    <section class="panel detail" aria-labelledby="group-detail-title">
      <h2 id="group-detail-title">Members of {group.address}</h2>
      {members.error && <p role="alert" class="error">{members.error}</p>}
      <ul class="member-list" aria-label={`Members of ${group.address}`}>
        {members.data?.items.map((m) => (
          <li key={m.address}>
            <span>
              {m.kind === 'unit' ? `Everyone in ${m.address.replace(/^unit:/, '')}` : m.address}
              {m.displayName && m.kind !== 'unit' && <span class="muted"> — {m.displayName}</span>}
            </span>
            <button type="button" class="ghost danger" aria-label={`Remove member ${m.address}`} disabled={change.busy} onClick={() => void run(() => api.send('DELETE', `${base}/members/${seg(m.address)}`), `${m.address} removed from ${group.address}.`)}>
              Remove
            </button>
          </li>
        ))}
        {members.data?.items.length === 0 && <li class="muted">No members yet.</li>}
      </ul>
      <form
        class="inline-form"
        aria-label="Add member"
        onSubmit={async (e) => {
          e.preventDefault();
          const value = member.trim();
          if (await run(() => api.send('POST', `${base}/members`, { member: value }), `${value} added to ${group.address}.`)) setMember('');
        }}
      >
        <div class="field">
          <label for="group-member">New member</label>
          <input
            id="group-member"
            name="member"
            type="text"
            required
            list="unit-members"
            value={member}
            onInput={(e) => setMember(e.currentTarget.value)}
            aria-describedby={`group-member-hint${memberError ? ' group-member-error' : ''}`}
            aria-invalid={memberError ? 'true' : undefined}
          />
          <p id="group-member-hint" class="hint">
            An address, or unit:PATH for everyone in an org unit
          </p>
          {memberError && (
            <p id="group-member-error" class="field-error" role="alert">
              {memberError}
            </p>
          )}
        </div>
        <datalist id="unit-members">
          {flattenUnits(units.data ?? []).map(({ unit }) => (
            <option key={unit.id} value={`unit:${unit.path}`} />
          ))}
        </datalist>
        <button type="submit" class="ghost" disabled={change.busy}>
          Add member
        </button>
      </form>
      <form
        class="inline-form"
        aria-label="Who may send"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => api.send('PUT', `${base}/send-policy`, { sendPolicy: policy }), `Send policy of ${group.address} saved.`);
        }}
      >
        <div class="field">
          <label for="group-policy">Who may send to the group</label>
          <select id="group-policy" value={policy} onChange={(e) => setPolicy(e.currentTarget.value)}>
            {Object.entries(POLICY_TEXT).map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="ghost" disabled={change.busy}>
          Save policy
        </button>
      </form>
      <FormError error={change.error} fields={['member']} />
    </section>
  );
}

export function GroupsPage({ api }: { api: AdminApi }) {
  const list = useLoad(() => api.get<Page<Group>>('/groups', { limit: 500 }), []);
  const [form, setForm] = useState({ address: '', displayName: '' });
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const create = useAction();
  const remove = useAction();
  const current = list.data?.items.find((g) => g.address === selected) ?? null;

  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">Groups</h1>
      {notice && <Notice>{notice}</Notice>}
      {list.error && <p role="alert" class="error">{list.error}</p>}
      <FormError error={remove.error} />
      <DataTable caption="Groups" columns={['Address', 'Name', 'Members', 'Who may send', 'Actions']} empty={list.data?.items.length === 0 && <p class="muted">No groups yet.</p>}>
        {list.data?.items.map((g) => (
          <tr key={g.id}>
            <th scope="row">
              <button type="button" class="link" onClick={() => setSelected(g.address)}>
                {g.address}
              </button>
            </th>
            <td>{g.displayName}</td>
            <td>{g.members.length}</td>
            <td>{POLICY_TEXT[g.sendPolicy] ?? g.sendPolicy}</td>
            <td class="row-actions">
              <button
                type="button"
                class="ghost danger"
                aria-label={`Remove group ${g.address}`}
                disabled={remove.busy}
                onClick={async () => {
                  if (!confirm(`Remove the group ${g.address}?`)) return;
                  if (await remove.run(() => api.send('DELETE', `/groups/${seg(g.address)}`))) {
                    setNotice(`Group ${g.address} removed.`);
                    if (selected === g.address) setSelected(null);
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
      {current && <GroupMembers key={current.address} api={api} group={current} onChanged={(text) => (setNotice(text), list.reload())} />}
      <form
        class="panel form-grid"
        aria-labelledby="new-group-title"
        onSubmit={async (e) => {
          e.preventDefault();
          const address = form.address.trim().toLowerCase();
          if (await create.run(() => api.send('POST', '/groups', { address, displayName: form.displayName.trim() || undefined }))) {
            setNotice(`Group ${address} created.`);
            setForm({ address: '', displayName: '' });
            setSelected(address);
            list.reload();
          }
        }}
      >
        <h2 id="new-group-title">New group</h2>
        <Field idPrefix="new-group" label="Group address" name="address" type="email" required value={form.address} onValue={(v) => setForm({ ...form, address: v })} error={apiError(create.error)} />
        <Field idPrefix="new-group" label="Name" name="displayName" value={form.displayName} onValue={(v) => setForm({ ...form, displayName: v })} error={apiError(create.error)} />
        <FormError error={create.error} fields={['address', 'displayName']} />
        <div class="actions">
          <button type="submit" class="primary" disabled={create.busy}>
            Create group
          </button>
        </div>
      </form>
    </section>
  );
}
