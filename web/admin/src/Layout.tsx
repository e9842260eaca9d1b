import { useEffect, useRef } from 'preact/hooks';

import type { AdminApi, Whoami } from './api.ts';
import { href, navFor, useRoute, type PageId } from './navigation.ts';
import { AuditPage } from './pages/Audit.tsx';
import { DashboardPage } from './pages/Dashboard.tsx';
import { DomainDnsPage } from './pages/DomainDns.tsx';
import { DomainsPage } from './pages/Domains.tsx';
import { GroupsPage } from './pages/Groups.tsx';
import { OrgTreePage } from './pages/OrgTree.tsx';
import { QuotasPage } from './pages/Quotas.tsx';
import { SecurityPage } from './pages/Security.tsx';
import { SharedPage } from './pages/Shared.tsx';
import { SignaturePage } from './pages/Signature.tsx';
import { TenantsPage } from './pages/Tenants.tsx';
import { UsersPage } from './pages/Users.tsx';

const ROLE_NAMES: Record<Whoami['role'], string> = { 'super-admin': 'Super-admin', 'tenant-admin': 'Organisation admin', 'domain-admin': 'Domain admin', user: 'User' };

function Page({ api, who, page, rest }: { api: AdminApi; who: Whoami; page: PageId; rest: string[] }) {
  switch (page) {
    case 'tenants':
      return <TenantsPage api={api} />;
    case 'domains':
      return rest[1] === 'dns' ? <DomainDnsPage api={api} domain={rest[0]} /> : <DomainsPage api={api} who={who} />;
    case 'users':
      return <UsersPage api={api} />;
    case 'groups':
      return <GroupsPage api={api} />;
    case 'shared':
      return <SharedPage api={api} />;
    case 'org':
      return <OrgTreePage api={api} who={who} />;
    case 'signature':
      return <SignaturePage api={api} />;
    case 'quotas':
      return <QuotasPage api={api} />;
    case 'audit':
      return <AuditPage api={api} />;
    case 'security':
      return <SecurityPage api={api} />;
    default:
      return <DashboardPage api={api} />;
  }
}

/** The console's frame: who is signed in, the menu their role allows, and the page chosen. */
export function Layout({ api, who, onSignOut }: { api: AdminApi; who: Whoami; onSignOut: () => void }) {
  const route = useRoute();
  const items = navFor(who.role);
  const allowed = items.some((item) => item.id === route.page);
  const page = allowed ? route.page : (items[0]?.id ?? null);
  const content = useRef<HTMLElement>(null);

  // After a move from the menu, the page's heading is where a screen reader and the keyboard continue.
  useEffect(() => {
    const heading = content.current?.querySelector('h1');
    if (heading && document.activeElement !== document.body) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }, [page, route.rest.join('/')]);

  return (
    <div class="console">
      {/* The hash is the router's, so the link moves focus itself instead of navigating to #content. */}
      <a
        class="skip-link"
        href="#content"
        onClick={(e) => {
          e.preventDefault();
          content.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand-mark small" aria-hidden="true">
          P
        </span>
        <span class="title">Petrel Admin</span>
        <span class="whoami">
          {who.actor} <span class="role">({ROLE_NAMES[who.role]})</span>
        </span>
        <button type="button" class="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav class="sidebar" aria-label="Administration">
        <ul>
          {items.map((item) => (
            <li key={item.id}>
              <a href={href(item.id)} aria-current={item.id === page ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="content" class="content" ref={content} tabIndex={-1}>
        {page ? (
          <Page api={api} who={who} page={page} rest={allowed ? route.rest : []} />
        ) : (
          <p role="alert">This account administers nothing. Sign in with an administrator's login.</p>
        )}
      </main>
    </div>
  );
}
