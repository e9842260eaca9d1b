import { useState } from 'preact/hooks';

import type { AdminApi, Page } from '../api.ts';
import { seg } from '../api.ts';
import { DataTable } from '../components/data-table.tsx';
import { FormError, Notice, useAction } from '../components/forms.tsx';
import { useLoad } from '../components/useLoad.ts';
import { href } from '../navigation.ts';

interface RecordState {
  type: string;
  name: string;
  purpose: string;
  required: boolean;
  expected: string;
  found: string[];
  status: 'ok' | 'missing' | 'mismatch' | 'error';
  problem: string | null;
}

interface DkimKey {
  selector: string;
  algorithm: string;
  state: 'pending' | 'active' | 'retiring';
  createdAt: number;
  activateAt: number | null;
  retireAt: number | null;
}

const STATUS_TEXT: Record<RecordState['status'], string> = { ok: 'Live', missing: 'Missing', mismatch: 'Mismatch', error: 'Lookup failed' };
const STATE_TEXT: Record<DkimKey['state'], string> = { pending: 'Pending (published, not signing yet)', active: 'Active (signing)', retiring: 'Retiring' };

const when = (ms: number | null) => (ms === null ? '' : new Date(ms).toLocaleString());

function DnsRecords({ api, domain }: { api: AdminApi; domain: string }) {
  const status = useLoad(() => api.get<Page<RecordState>>(`/domains/${seg(domain)}/dns-status`), [domain]);
  const items = status.data?.items ?? [];
  const failing = items.filter((r) => r.required && r.status !== 'ok').length;
  return (
    <section aria-labelledby="dns-title" aria-busy={status.data === null && !status.error ? 'true' : undefined}>
      <div class="section-head">
        <h2 id="dns-title">DNS records</h2>
        <button type="button" class="ghost" onClick={status.reload}>
          Check again
        </button>
      </div>
      {status.error && <p role="alert" class="error">{status.error}</p>}
      {status.data === null && !status.error && <p class="muted">Looking the records up…</p>}
      {status.data && (
        <p role="status" class={failing ? 'summary bad' : 'summary good'}>
          {failing ? `${failing} required record${failing === 1 ? '' : 's'} not live yet.` : 'Every required record is live.'}
        </p>
      )}
      <ul class="dns-records" aria-label="Records to publish">
        {items.map((r) => (
          <li key={`${r.type} ${r.name} ${r.expected}`} class={`dns-record status-${r.status}${r.required ? '' : ' optional'}`} aria-label={`${r.type} ${r.name}`}>
            <div class="dns-head">
              <span class="badge" data-status={r.status}>
                {STATUS_TEXT[r.status]}
              </span>
              <span class="dns-type">{r.type}</span>
              <code class="dns-name">{r.name}</code>
              {!r.required && <span class="muted">optional</span>}
            </div>
            <p class="muted">{r.purpose}</p>
            <dl>
              <dt>Publish</dt>
              <dd>
                <code>{r.expected}</code>
              </dd>
              <dt>Found</dt>
              <dd>{r.found.length ? r.found.map((f) => <code key={f}>{f}</code>) : <span class="muted">nothing</span>}</dd>
            </dl>
            {r.problem && <p class="problem">{r.problem}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function DkimKeys({ api, domain }: { api: AdminApi; domain: string }) {
  const keys = useLoad(() => api.get<Page<DkimKey>>(`/domains/${seg(domain)}/dkim-keys`), [domain]);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  const base = `/domains/${seg(domain)}/dkim-keys`;

  async function act(label: string, work: () => Promise<unknown>) {
    if (await action.run(work)) {
      setNotice(label);
      keys.reload();
    }
  }

  return (
    <section aria-labelledby="dkim-title">
      <div class="section-head">
        <h2 id="dkim-title">DKIM keys</h2>
        <button type="button" class="ghost" disabled={action.busy} onClick={() => void act('A new key was published; activate it once its DNS record is live.', () => api.send('POST', `${base}/rotate`, undefined, { manual: true }))}>
          Rotate key
        </button>
      </div>
      {notice && <Notice>{notice}</Notice>}
      {keys.error && <p role="alert" class="error">{keys.error}</p>}
      <FormError error={action.error} />
      <DataTable caption={<>DKIM keys of {domain}</>} columns={['Selector', 'State', 'Created', 'Actions']}>
        {keys.data?.items.map((k) => (
          <tr key={k.selector}>
            <th scope="row">
              <code>{k.selector}</code> <span class="muted">{k.algorithm}</span>
            </th>
            <td>
              {STATE_TEXT[k.state]}
              {k.state === 'pending' && k.activateAt && <span class="muted"> — signs from {when(k.activateAt)}</span>}
              {k.retireAt && <span class="muted"> — removed {when(k.retireAt)}</span>}
            </td>
            <td>{when(k.createdAt)}</td>
            <td class="row-actions">
              {k.state === 'pending' && (
                <button type="button" class="ghost" disabled={action.busy} aria-label={`Activate ${k.selector}`} onClick={() => void act(`${k.selector} signs from now on.`, () => api.send('POST', `${base}/${seg(k.selector)}/activate`))}>
                  Activate
                </button>
              )}
              {k.state !== 'pending' && (
                <button type="button" class="ghost danger" disabled={action.busy} aria-label={`Retire ${k.selector}`} onClick={() => void act(`${k.selector} retired.`, () => api.send('POST', `${base}/${seg(k.selector)}/retire`))}>
                  Retire
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

export function DomainDnsPage({ api, domain }: { api: AdminApi; domain: string }) {
  return (
    <section aria-labelledby="domain-dns-title">
      <p class="crumbs">
        <a href={href('domains')}>Domains</a> / {domain}
      </p>
      <h1 id="domain-dns-title">DNS and DKIM of {domain}</h1>
      <DnsRecords api={api} domain={domain} />
      <DkimKeys api={api} domain={domain} />
    </section>
  );
}
