import { useRef, useState } from 'preact/hooks';

import { seg, type AdminApi, type Page, type PageProps } from '../api.ts';
import { BarChart, type Bar } from '../charts/BarChart.tsx';
import { bytes, toMegabytes } from '../charts/format.ts';
import { apiError, Field, FormError, megabytes, Notice, useAction } from '../components/forms.tsx';
import { loadUnits } from '../components/units.ts';
import { useLoad } from '../components/useLoad.ts';
import './pages.css';

interface Usage {
  path: string;
  principals: number;
  usedBytes: number;
}

interface UnitUsage extends Usage {
  children: Usage[];
}

interface AccountStorage {
  id: number;
  address: string;
  kind: string;
  displayName: string;
  usedBytes: number;
  quotaBytes: number;
}

interface DomainSummary {
  name: string;
  aliasOf: string | null;
}

/** What the chart shows for the top level or for one unit: a bar per (sub-)unit, and what lies outside them. */
interface UnitView {
  path: string | null;
  usedBytes: number;
  units: { path: string; name: string; usage: Usage; hasChildren: boolean }[];
  rest: Usage | null;
}

const lastSegment = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

async function loadUnitView(api: AdminApi, path: string | null): Promise<UnitView> {
  const tree = await loadUnits(api);
  const hasChildren = new Set<string>();
  const walk = (nodes: typeof tree) => {
    for (const node of nodes) {
      if (node.children.length > 0) hasChildren.add(node.path);
      walk(node.children);
    }
  };
  walk(tree);
  if (path === null) {
    const [tenant, roots] = await Promise.all([
      api.get<{ principals: number; usedBytes: number }>('/quotas/tenant'),
      Promise.all(tree.map((node) => api.get<UnitUsage>(`/quotas/units/${seg(node.path)}`))),
    ]);
    const inUnits = roots.reduce((n, u) => n + u.usedBytes, 0);
    const principals = roots.reduce((n, u) => n + u.principals, 0);
    return {
      path: null,
      usedBytes: tenant.usedBytes,
      units: roots.map((u) => ({ path: u.path, name: u.path, usage: u, hasChildren: hasChildren.has(u.path) })),
      rest: { path: '', principals: tenant.principals - principals, usedBytes: Math.max(0, tenant.usedBytes - inUnits) },
    };
  }
  const unit = await api.get<UnitUsage>(`/quotas/units/${seg(path)}`);
  const inChildren = unit.children.reduce((n, u) => n + u.usedBytes, 0);
  return {
    path: unit.path,
    usedBytes: unit.usedBytes,
    units: unit.children.map((u) => ({ path: u.path, name: lastSegment(u.path), usage: u, hasChildren: hasChildren.has(u.path) })),
    rest: unit.children.length > 0 ? { path: unit.path, principals: unit.principals - unit.children.reduce((n, u) => n + u.principals, 0), usedBytes: unit.usedBytes - inChildren } : null,
  };
}

function UnitChart({ api }: { api: AdminApi }) {
  const [path, setPath] = useState<string | null>(null);
  const view = useLoad(() => loadUnitView(api, path), [path]);
  const v = view.data;
  const bars: Bar[] = v
    ? [
        ...v.units.map((u) => ({
          key: u.path,
          label: u.name,
          value: u.usage.usedBytes,
          detail: `${u.usage.principals} ${u.usage.principals === 1 ? 'account' : 'accounts'}`,
          onSelect: u.hasChildren ? () => setPath(u.path) : undefined,
          selectLabel: u.hasChildren ? `${u.name}: show its sub-units` : undefined,
        })),
        ...(v.rest && (v.rest.usedBytes > 0 || v.rest.principals > 0)
          ? [{ key: '(rest)', label: v.path === null ? 'Not in any unit' : `${lastSegment(v.path)} itself`, value: v.rest.usedBytes, detail: `${v.rest.principals} ${v.rest.principals === 1 ? 'account' : 'accounts'}` }]
          : []),
      ]
    : [];
  const parent = path !== null && path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : null;
  return (
    <section class="panel" aria-labelledby="units-title">
      <div class="section-head">
        <h2 id="units-title">Storage by org unit</h2>
        {path !== null && (
          <button type="button" class="ghost" onClick={() => setPath(parent)}>
            {parent === null ? 'Back to all units' : `Back to ${parent}`}
          </button>
        )}
      </div>
      {view.error && (
        <p class="error" role="alert">
          {view.error}
        </p>
      )}
      {v ? (
        <>
          <p class="muted" aria-live="polite">
            {v.path === null ? 'All units' : v.path}: {bytes(v.usedBytes)} in total
          </p>
          <BarChart title={v.path === null ? 'Storage used per org unit' : `Storage used in ${v.path}`} bars={bars} format={bytes} empty="No org units yet: add them on the Org tree page." />
        </>
      ) : (
        !view.error && <p class="muted">Loading…</p>
      )}
    </section>
  );
}

function AccountTable({ accounts, onChoose }: { accounts: AccountStorage[]; onChoose: (a: AccountStorage) => void }) {
  if (accounts.length === 0) return <p class="muted">No accounts yet.</p>;
  return (
    <div class="table-scroll">
      <table class="data-table">
        <caption class="visually-hidden">Accounts by storage used, largest first</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col" class="num">
              Used
            </th>
            <th scope="col" class="num">
              Quota
            </th>
            <th scope="col">Share of quota</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => {
            const share = a.quotaBytes > 0 ? Math.min(100, Math.round((a.usedBytes / a.quotaBytes) * 100)) : null;
            return (
              <tr key={a.id}>
                <th scope="row">
                  <span class="account-address">{a.address}</span>
                  {a.displayName && <span class="muted account-name"> {a.displayName}</span>}
                  {a.kind === 'shared' && <span class="badge">shared</span>}
                </th>
                <td class="num">{bytes(a.usedBytes)}</td>
                <td class="num">{a.quotaBytes ? bytes(a.quotaBytes) : 'Unlimited'}</td>
                <td>
                  {share === null ? (
                    <span class="muted">—</span>
                  ) : (
                    <span class="share">
                      <meter min={0} max={100} low={75} high={90} optimum={0} value={share} aria-label={`${a.address}: ${share}% of quota`} />
                      <span>{share}%</span>
                    </span>
                  )}
                </td>
                <td>
                  <button type="button" class="ghost small" onClick={() => onChoose(a)} aria-label={`Change the quota of ${a.address}`}>
                    Change quota
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function AccountQuotaForm({ api, form, setForm, onSaved, input }: { api: AdminApi; form: { address: string; quota: string }; setForm: (f: { address: string; quota: string }) => void; onSaved: (notice: string) => void; input: { current: HTMLDivElement | null } }) {
  const save = useAction();
  const err = apiError(save.error);
  return (
    <form
      class="form-grid"
      aria-labelledby="account-quota-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const address = form.address.trim().toLowerCase();
        const quotaBytes = megabytes(form.quota);
        if (await save.run(() => api.send('PUT', `/quotas/accounts/${seg(address)}`, { quotaBytes }))) {
          onSaved(`Quota of ${address} set to ${quotaBytes ? bytes(quotaBytes) : 'unlimited'}.`);
          setForm({ address: '', quota: '' });
        }
      }}
    >
      <h3 id="account-quota-title">Quota of an account</h3>
      <div ref={input}>
        <Field idPrefix="account-quota" label="Account address" name="address" type="email" required autocomplete="off" value={form.address} onValue={(v) => setForm({ ...form, address: v })} error={err} />
      </div>
      <Field idPrefix="account-quota" label="Quota (MB)" name="quotaBytes" type="number" min="0" value={form.quota} onValue={(v) => setForm({ ...form, quota: v })} error={err} hint="Blank or 0: unlimited" />
      <FormError error={save.error} fields={['address', 'quotaBytes']} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          Set quota
        </button>
      </div>
    </form>
  );
}

function DomainQuotaForm({ api, onSaved }: { api: AdminApi; onSaved: (notice: string) => void }) {
  const domains = useLoad(async () => (await api.get<Page<DomainSummary>>('/domains', { limit: 500 })).items.filter((d) => d.aliasOf === null), []);
  const [domain, setDomain] = useState('');
  const [quota, setQuota] = useState('');
  const save = useAction();
  const chosen = domain || domains.data?.[0]?.name || '';
  return (
    <form
      class="form-grid"
      aria-labelledby="domain-quota-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const quotaBytes = megabytes(quota);
        if (await save.run(() => api.send('PUT', `/quotas/domains/${seg(chosen)}`, { quotaBytes }))) {
          onSaved(`New users at ${chosen} now get ${quotaBytes ? bytes(quotaBytes) : 'unlimited storage'}.`);
          setQuota('');
        }
      }}
    >
      <h3 id="domain-quota-title">Default quota of a domain</h3>
      <div class="field">
        <label for="domain-quota-domain">Domain</label>
        <select id="domain-quota-domain" name="domain" value={chosen} onChange={(e) => setDomain(e.currentTarget.value)} required>
          {(domains.data ?? []).map((d) => (
            <option key={d.name} value={d.name}>
              {d.name}
            </option>
          ))}
        </select>
      </div>
      {domains.error && (
        <p class="error" role="alert">
          {domains.error}
        </p>
      )}
      <Field idPrefix="domain-quota" label="Default quota (MB)" name="quotaBytes" type="number" min="0" value={quota} onValue={setQuota} error={apiError(save.error)} hint="For users added from now on; blank or 0: unlimited" />
      <FormError error={save.error} fields={['quotaBytes']} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy || !chosen}>
          Set default quota
        </button>
      </div>
    </form>
  );
}

export function QuotasPage({ api }: PageProps) {
  const accounts = useLoad(async () => (await api.get<Page<AccountStorage>>('/stats/storage', { limit: 50 })).items, []);
  const [form, setForm] = useState({ address: '', quota: '' });
  const [notice, setNotice] = useState<string | null>(null);
  const addressBox = useRef<HTMLDivElement>(null);

  const saved = (text: string) => {
    setNotice(text);
    accounts.reload();
  };

  return (
    <div class="admin-page quotas">
      <div class="page-head">
        <h1>Quotas</h1>
        <p class="muted">Who uses the storage, and how much each account and new user may have.</p>
      </div>
      {notice && <Notice>{notice}</Notice>}
      <UnitChart api={api} />
      <section class="panel" aria-labelledby="accounts-title">
        <h2 id="accounts-title">Accounts by storage used</h2>
        {accounts.error && (
          <p class="error" role="alert">
            {accounts.error}
          </p>
        )}
        {accounts.data ? (
          <AccountTable
            accounts={accounts.data}
            onChoose={(a) => {
              setForm({ address: a.address, quota: toMegabytes(a.quotaBytes) });
              addressBox.current?.querySelector('input')?.focus();
            }}
          />
        ) : (
          !accounts.error && <p class="muted">Loading…</p>
        )}
      </section>
      <section class="panel quota-forms" aria-labelledby="set-quotas-title">
        <h2 id="set-quotas-title">Set quotas</h2>
        <div class="two-columns">
          <AccountQuotaForm api={api} form={form} setForm={setForm} onSaved={saved} input={addressBox} />
          <DomainQuotaForm api={api} onSaved={saved} />
        </div>
      </section>
    </div>
  );
}
