import { useState } from 'preact/hooks';

import type { PageProps } from '../api.ts';
import { useLoad } from '../components/useLoad.ts';
import './pages.css';

interface AuditRecord {
  id: number;
  at: string;
  tenantId: number | null;
  actor: string;
  action: string;
  target: string | null;
  remoteAddress: string | null;
  protocol: string | null;
  details: Record<string, unknown>;
}

interface AuditPage {
  items: AuditRecord[];
  next: string | null;
}

interface Filters {
  actor: string;
  action: string;
  since: string;
  until: string;
}

const PAGE_SIZE = 50;
const DAY_MS = 86_400_000;
const EMPTY: Filters = { actor: '', action: '', since: '', until: '' };

/** The API's query for the filters: `until` is exclusive, so a "To" date includes its whole day. */
function query(filters: Filters, cursor: string | null): Record<string, string | number | undefined> {
  const untilDay = filters.until ? String(Date.parse(`${filters.until}T00:00:00Z`) + DAY_MS) : undefined;
  return {
    limit: PAGE_SIZE,
    actor: filters.actor.trim() || undefined,
    action: filters.action.trim() || undefined,
    since: filters.since || undefined,
    until: cursor ?? untilDay,
  };
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function detailText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function FilterForm({ initial, onApply }: { initial: Filters; onApply: (f: Filters) => void }) {
  const [form, setForm] = useState(initial);
  const field = (name: keyof Filters, label: string, type: 'text' | 'date', hint?: string) => (
    <div class="field">
      <label for={`audit-${name}`}>{label}</label>
      {type === 'date' ? (
        <input id={`audit-${name}`} name={name} type="date" value={form[name]} onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })} />
      ) : (
        <input id={`audit-${name}`} name={name} type="text" value={form[name]} onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })} aria-describedby={hint ? `audit-${name}-hint` : undefined} />
      )}
      {hint && (
        <p id={`audit-${name}-hint`} class="hint">
          {hint}
        </p>
      )}
    </div>
  );
  return (
    <form
      class="panel audit-filters"
      aria-label="Filter the audit log"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(form);
      }}
    >
      {field('actor', 'Actor', 'text', 'A login, e.g. admin@example.com')}
      {field('action', 'Action', 'text', 'e.g. user.add, login.failure')}
      {field('since', 'From', 'date')}
      {field('until', 'To', 'date')}
      <div class="actions">
        <button type="submit" class="primary">
          Apply filters
        </button>
        <button
          type="button"
          class="ghost"
          onClick={() => {
            setForm(EMPTY);
            onApply(EMPTY);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

export function AuditPage({ api }: PageProps) {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // The cursors of the pages before this one, so "Newer" can go back; null is the newest page.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(() => api.get<AuditPage>('/audit', query(filters, cursor)), [filters, cursor]);
  const records = page.data?.items ?? [];

  return (
    <div class="admin-page audit">
      <div class="page-head">
        <h1>Audit log</h1>
        <p class="muted">Every administrative change and every sign-in, newest first.</p>
      </div>
      <FilterForm
        initial={filters}
        onApply={(f) => {
          setFilters(f);
          setCursors([null]);
        }}
      />
      {page.error && (
        <p class="error" role="alert">
          {page.error}
        </p>
      )}
      <section class="panel" aria-labelledby="audit-records-title">
        <div class="section-head">
          <h2 id="audit-records-title">Records</h2>
          <p class="muted" role="status">
            {page.data ? `Page ${cursors.length}: ${records.length} ${records.length === 1 ? 'record' : 'records'}` : 'Loading…'}
          </p>
        </div>
        {page.data && records.length === 0 ? (
          <p class="muted">No records match these filters.</p>
        ) : (
          <div class="table-scroll">
            <table class="data-table audit-table">
              <caption class="visually-hidden">Audit records, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">From</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {records.map((r) => (
                  <tr key={r.id}>
                    <td class="nowrap" data-label="Time">
                      <time dateTime={r.at}>{when(r.at)}</time>
                    </td>
                    <td data-label="Actor">{r.actor}</td>
                    <td data-label="Action">
                      <code class={`action ${r.action.endsWith('failure') ? 'action-bad' : ''}`}>{r.action}</code>
                    </td>
                    <td data-label="Target">{r.target ?? ''}</td>
                    <td class="muted" data-label="From">
                      {[r.remoteAddress, r.protocol].filter(Boolean).join(' · ')}
                    </td>
                    <td class="details" data-label="Details">
                      {detailText(r.details)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav class="pager" aria-label="Audit log pages">
          <button type="button" class="ghost" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer
          </button>
          <button type="button" class="ghost" disabled={!page.data?.next} onClick={() => page.data?.next && setCursors([...cursors, page.data.next])}>
            Older
          </button>
        </nav>
      </section>
    </div>
  );
}
