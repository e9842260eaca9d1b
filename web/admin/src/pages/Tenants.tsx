import { useState } from 'preact/hooks';

import type { AdminApi, Page } from '../api.ts';
import { DataTable } from '../components/data-table.tsx';
import { apiError, Field, formatBytes, FormError, megabytes, Notice, useAction } from '../components/forms.tsx';
import { useLoad } from '../components/useLoad.ts';

interface Tenant {
  id: number;
  name: string;
  displayName: string;
  limits: { maxUsers: number; maxDomains: number; maxStorage: number };
  usage: { users: number; domains: number; storageBytes: number };
}

const LIMIT_FIELDS = ['displayName', 'maxUsers', 'maxDomains', 'maxStorage'];

const limitText = (value: number, format: (n: number) => string = String) => (value === 0 ? 'unlimited' : format(value));

/** Limits as typed: whole numbers, storage in MB; blank is 0, unlimited. */
function limitsOf(form: { displayName: string; maxUsers: string; maxDomains: string; maxStorage: string }) {
  return { displayName: form.displayName.trim(), maxUsers: Number(form.maxUsers || '0'), maxDomains: Number(form.maxDomains || '0'), maxStorage: megabytes(form.maxStorage) };
}

function LimitFields({ form, set, error, prefix }: { form: Record<string, string>; set: (name: string, value: string) => void; error: unknown; prefix: string }) {
  const err = apiError(error);
  return (
    <>
      <Field idPrefix={prefix} label="Display name" name="displayName" value={form.displayName} onValue={(v) => set('displayName', v)} error={err} />
      <Field idPrefix={prefix} label="Max users" name="maxUsers" type="number" min="0" value={form.maxUsers} onValue={(v) => set('maxUsers', v)} error={err} hint="0 or blank: unlimited" />
      <Field idPrefix={prefix} label="Max domains" name="maxDomains" type="number" min="0" value={form.maxDomains} onValue={(v) => set('maxDomains', v)} error={err} />
      <Field idPrefix={prefix} label="Max storage (MB)" name="maxStorage" type="number" min="0" value={form.maxStorage} onValue={(v) => set('maxStorage', v)} error={err} />
    </>
  );
}

function EditTenant({ api, tenant, onDone }: { api: AdminApi; tenant: Tenant; onDone: (changed: boolean) => void }) {
  const [form, setForm] = useState({
    displayName: tenant.displayName,
    maxUsers: String(tenant.limits.maxUsers),
    maxDomains: String(tenant.limits.maxDomains),
    maxStorage: tenant.limits.maxStorage ? String(Math.round(tenant.limits.maxStorage / 1024 / 1024)) : '0',
  });
  const save = useAction();
  return (
    <form
      class="panel form-grid"
      aria-label={`Limits of ${tenant.name}`}
      onSubmit={async (e) => {
        e.preventDefault();
        if (await save.run(() => api.send('PATCH', `/tenants/${tenant.id}`, limitsOf(form)))) onDone(true);
      }}
    >
      <h3>Limits of {tenant.name}</h3>
      <LimitFields form={form} set={(name, value) => setForm({ ...form, [name]: value })} error={save.error} prefix={`edit-${tenant.id}`} />
      <FormError error={save.error} fields={LIMIT_FIELDS} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          Save limits
        </button>
        <button type="button" class="ghost" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function TenantsPage({ api }: { api: AdminApi }) {
  const list = useLoad(() => api.get<Page<Tenant>>('/tenants', { limit: 500 }), []);
  const [form, setForm] = useState({ name: '', displayName: '', maxUsers: '', maxDomains: '', maxStorage: '' });
  const [editing, setEditing] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const create = useAction();
  const remove = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    const ok = await create.run(() => api.send('POST', '/tenants', { name: form.name.trim(), ...limitsOf(form) }));
    if (!ok) return;
    setNotice(`Tenant ${form.name.trim()} created.`);
    setForm({ name: '', displayName: '', maxUsers: '', maxDomains: '', maxStorage: '' });
    list.reload();
  }

  async function removeTenant(tenant: Tenant) {
    if (!confirm(`Remove the tenant ${tenant.name}? Only an empty tenant can be removed.`)) return;
    if (await remove.run(() => api.send('DELETE', `/tenants/${tenant.id}`))) {
      setNotice(`Tenant ${tenant.name} removed.`);
      list.reload();
    }
  }

  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title">Tenants</h1>
      {notice && <Notice>{notice}</Notice>}
      {list.error && <p role="alert" class="error">{list.error}</p>}
      <FormError error={remove.error} />
      <DataTable caption="Tenants with their usage and limits" columns={['Name', 'Users', 'Domains', 'Storage', 'Actions']}>
        {list.data?.items.map((t) => (
          <tr key={t.id}>
            <th scope="row">
              {t.displayName || t.name}
              {t.displayName && t.displayName !== t.name && <span class="muted"> ({t.name})</span>}
            </th>
            <td>
              {t.usage.users} / {limitText(t.limits.maxUsers)}
            </td>
            <td>
              {t.usage.domains} / {limitText(t.limits.maxDomains)}
            </td>
            <td>
              {formatBytes(t.usage.storageBytes)} / {limitText(t.limits.maxStorage, formatBytes)}
            </td>
            <td class="row-actions">
              <button type="button" class="ghost" aria-label={`Edit limits of ${t.name}`} onClick={() => setEditing(t.id)}>
                Edit limits
              </button>
              <button type="button" class="ghost danger" aria-label={`Remove ${t.name}`} disabled={remove.busy} onClick={() => void removeTenant(t)}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      {editing !== null && list.data?.items.find((t) => t.id === editing) && (
        <EditTenant
          api={api}
          tenant={list.data.items.find((t) => t.id === editing)!}
          onDone={(changed) => {
            setEditing(null);
            if (changed) {
              setNotice('Limits saved.');
              list.reload();
            }
          }}
        />
      )}
      <form class="panel form-grid" aria-labelledby="new-tenant-title" onSubmit={submit}>
        <h2 id="new-tenant-title">New tenant</h2>
        <Field idPrefix="new-tenant" label="Name" name="name" required value={form.name} onValue={(v) => setForm({ ...form, name: v })} error={apiError(create.error)} hint="A short identifier, e.g. acme" />
        <LimitFields form={form} set={(name, value) => setForm({ ...form, [name]: value })} error={create.error} prefix="new-tenant" />
        <FormError error={create.error} fields={['name', ...LIMIT_FIELDS]} />
        <div class="actions">
          <button type="submit" class="primary" disabled={create.busy}>
            Create tenant
          </button>
        </div>
      </form>
    </section>
  );
}
