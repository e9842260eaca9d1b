import { useState } from 'preact/hooks';

import type { AdminApi, Page, Whoami } from '../api.ts';
import { seg } from '../api.ts';
import { DataTable } from '../components/data-table.tsx';
import { apiError, Field, FormError, Notice, useAction } from '../components/forms.tsx';
import { useLoad } from '../components/useLoad.ts';
import { href } from '../navigation.ts';

interface Domain {
  id: number;
  name: string;
  tenantId: number;
  tenant: string;
  addresses: number;
  catchAll: string | null;
  aliasOf: string | null;
}

interface Tenant {
  id: number;
  name: string;
  displayName: string;
}

const words = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter(Boolean);

export function DomainsPage({ api, who }: { api: AdminApi; who: Whoami }) {
  const superAdmin = who.role === 'super-admin';
  const list = useLoad(() => api.get<Page<Domain>>('/domains', { limit: 500 }), []);
  const tenants = useLoad(() => (superAdmin ? api.get<Page<Tenant>>('/tenants', { limit: 500 }) : Promise.resolve(null)), [superAdmin]);
  const [form, setForm] = useState({ name: '', tenant: '', roleMailboxes: '', roleMembers: '' });
  const [notice, setNotice] = useState<string | null>(null);
  const add = useAction();
  const remove = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    const name = form.name.trim().toLowerCase();
    const body = { name, tenant: form.tenant ? Number(form.tenant) : undefined, roleMailboxes: words(form.roleMailboxes), roleMembers: words(form.roleMembers) };
    let created: string[] = [];
    const ok = await add.run(async () => {
      created = (await api.send<{ roleMailboxes: string[] }>('POST', '/domains', body)).roleMailboxes;
    });
    if (!ok) return;
    setNotice(`Domain ${name} added${created.length ? ` with ${created.join(', ')}` : ''}. Publish its DNS records next.`);
    setForm({ name: '', tenant: form.tenant, roleMailboxes: '', roleMembers: '' });
    list.reload();
  }

  async function removeDomain(domain: Domain) {
    if (!confirm(`Remove ${domain.name}? A domain with accounts cannot be removed until they are.`)) return;
    if (await remove.run(() => api.send('DELETE', `/domains/${seg(domain.name)}`))) {
      setNotice(`Domain ${domain.name} removed.`);
      list.reload();
    }
  }

  const err = apiError(add.error);
  return (
    <section aria-labelledby="domains-title">
      <h1 id="domains-title">Domains</h1>
      {notice && <Notice>{notice}</Notice>}
      {list.error && <p role="alert" class="error">{list.error}</p>}
      <FormError error={remove.error} />
      <DataTable caption="Mail domains" columns={['Domain', ...(superAdmin ? ['Tenant'] : []), 'Addresses', 'Actions']} empty={list.data?.items.length === 0 && <p class="muted">No domains yet.</p>}>
        {list.data?.items.map((d) => (
          <tr key={d.id}>
            <th scope="row">
              {d.name}
              {d.aliasOf && <span class="muted"> (alias of {d.aliasOf})</span>}
            </th>
            {superAdmin && <td>{d.tenant}</td>}
            <td>{d.addresses}</td>
            <td class="row-actions">
              <a class="button ghost" href={href('domains', d.name, 'dns')} aria-label={`DNS and DKIM of ${d.name}`}>
                DNS and DKIM
              </a>
              <button type="button" class="ghost danger" aria-label={`Remove ${d.name}`} disabled={remove.busy} onClick={() => void removeDomain(d)}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      <form class="panel form-grid" aria-labelledby="new-domain-title" onSubmit={submit}>
        <h2 id="new-domain-title">Add a domain</h2>
        <Field idPrefix="new-domain" label="Domain name" name="name" also={['domain']} required placeholder="example.com" value={form.name} onValue={(v) => setForm({ ...form, name: v })} error={err} />
        {superAdmin && (
          <div class="field">
            <label for="new-domain-tenant">Tenant</label>
            <select id="new-domain-tenant" name="tenant" value={form.tenant} onChange={(e) => setForm({ ...form, tenant: e.currentTarget.value })} aria-invalid={err?.field === 'tenant' ? 'true' : undefined}>
              <option value="">Default tenant</option>
              {tenants.data?.items.map((t) => (
                <option key={t.id} value={String(t.id)}>
                  {t.displayName || t.name}
                </option>
              ))}
            </select>
            {err?.field === 'tenant' && <p class="field-error" role="alert">{err.message}</p>}
          </div>
        )}
        <Field
          idPrefix="new-domain"
          label="Role mailboxes"
          name="roleMailboxes"
          placeholder="info, support"
          value={form.roleMailboxes}
          onValue={(v) => setForm({ ...form, roleMailboxes: v })}
          error={err}
          hint="Shared mailboxes to create with the domain, by local part, separated by commas"
        />
        <Field
          idPrefix="new-domain"
          label="Members of the role mailboxes"
          name="roleMembers"
          placeholder="ann@example.com"
          value={form.roleMembers}
          onValue={(v) => setForm({ ...form, roleMembers: v })}
          error={err}
          hint="Existing users who get access to every role mailbox created"
        />
        <FormError error={add.error} fields={['name', 'domain', 'tenant', 'roleMailboxes', 'roleMembers']} />
        <div class="actions">
          <button type="submit" class="primary" disabled={add.busy}>
            Add domain
          </button>
        </div>
      </form>
    </section>
  );
}
