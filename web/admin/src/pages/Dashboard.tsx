import { useEffect, useState } from 'preact/hooks';

import type { PageProps } from '../api.ts';
import { BarChart } from '../charts/BarChart.tsx';
import { Gauge } from '../charts/Gauge.tsx';
import { TrafficChart, type TrafficPoint } from '../charts/TrafficChart.tsx';
import { bytes } from '../charts/format.ts';
import { useLoad } from '../components/useLoad.ts';
import './pages.css';

interface Overview {
  tenantId: number | null;
  queue: { active: number; deferred: number; failed: number };
  storage: { usedBytes: number; quotaBytes: number };
  users: number;
  domains: number;
  messagesToday: { received: number; sent: number };
}

interface Traffic {
  hours: { hour: string; received: number; sent: number }[];
}

const WINDOWS = [
  { hours: 24, label: 'Last 24 hours' },
  { hours: 168, label: 'Last 7 days' },
] as const;

/** The figures move while the admin watches: reloaded every minute. */
const REFRESH_MS = 60_000;

function Tile({ label, value, detail }: { label: string; value: string | number; detail?: string }) {
  return (
    <div class="stat-tile">
      <dt>{label}</dt>
      <dd>
        <span class="stat-value">{value}</span>
        {detail ? <span class="stat-detail">{detail}</span> : null}
      </dd>
    </div>
  );
}

export function DashboardPage({ api }: PageProps) {
  const [hours, setHours] = useState<24 | 168>(24);
  const overview = useLoad(() => api.get<Overview>('/stats/overview'), []);
  const traffic = useLoad(async (): Promise<TrafficPoint[]> => {
    const answer = await api.get<Traffic>('/stats/traffic', { hours });
    return answer.hours.map((h) => ({ hour: Date.parse(h.hour), received: h.received, sent: h.sent }));
  }, [hours]);

  useEffect(() => {
    const timer = setInterval(() => {
      overview.reload();
      traffic.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [overview.reload, traffic.reload]);

  const o = overview.data;
  const queued = o ? o.queue.active + o.queue.deferred + o.queue.failed : 0;
  const period = WINDOWS.find((w) => w.hours === hours)!;
  return (
    <div class="admin-page dashboard">
      <div class="page-head">
        <h1>Dashboard</h1>
        <p class="muted">{o?.tenantId === null ? 'The whole installation' : 'Your organisation'} at a glance.</p>
      </div>
      {overview.error && (
        <p class="error" role="alert">
          {overview.error}
        </p>
      )}
      {o && (
        <section aria-labelledby="glance-title">
          <h2 id="glance-title" class="visually-hidden">
            Numbers at a glance
          </h2>
          <dl class="stat-tiles">
            <Tile label="Received today" value={o.messagesToday.received} detail="from outside" />
            <Tile label="Sent today" value={o.messagesToday.sent} detail="by your users" />
            <Tile label="Outbound queue" value={queued} detail={`${o.queue.deferred} deferred, ${o.queue.failed} failed`} />
            <Tile label="Users" value={o.users} />
            <Tile label="Domains" value={o.domains} />
            <Tile label="Storage used" value={bytes(o.storage.usedBytes)} detail={o.storage.quotaBytes ? `of ${bytes(o.storage.quotaBytes)}` : 'no limit'} />
          </dl>
        </section>
      )}
      <section class="panel" aria-labelledby="traffic-title">
        <div class="section-head">
          <h2 id="traffic-title">Messages per hour</h2>
          <div class="segmented" role="group" aria-label="Period">
            {WINDOWS.map((w) => (
              <button key={w.hours} type="button" aria-pressed={w.hours === hours} onClick={() => setHours(w.hours)}>
                {w.label}
              </button>
            ))}
          </div>
        </div>
        {traffic.error && traffic.error !== overview.error && (
          <p class="error" role="alert">
            {traffic.error}
          </p>
        )}
        {traffic.data ? <TrafficChart points={traffic.data} caption={`Messages, ${period.label.toLowerCase()}`} /> : !traffic.error && <p class="muted">Loading…</p>}
      </section>
      {o && (
        <div class="dashboard-pair">
          <section class="panel" aria-labelledby="queue-title">
            <h2 id="queue-title">Outbound queue</h2>
            <BarChart
              title="Recipients in the outbound queue"
              format={(n) => String(n)}
              bars={[
                { key: 'active', label: 'Waiting', value: o.queue.active, detail: 'first attempt' },
                { key: 'deferred', label: 'Deferred', value: o.queue.deferred, detail: 'retrying' },
                { key: 'failed', label: 'Failed', value: o.queue.failed, detail: 'bounced' },
              ]}
            />
            {queued === 0 && <p class="muted">The queue is empty: everything was delivered.</p>}
          </section>
          <section class="panel" aria-labelledby="storage-title">
            <h2 id="storage-title">Storage</h2>
            <Gauge label={o.tenantId === null ? 'All organisations' : 'Your organisation'} used={o.storage.usedBytes} limit={o.storage.quotaBytes} format={bytes} />
          </section>
        </div>
      )}
    </div>
  );
}
