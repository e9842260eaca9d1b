// The console's pages, who may see each, and the address (#/users) of each: a hash route keeps
// every page a plain static file and works behind any proxy path.
import { useEffect, useState } from 'preact/hooks';

import type { Whoami } from './api.ts';

export type PageId = 'dashboard' | 'tenants' | 'domains' | 'users' | 'groups' | 'shared' | 'org' | 'signature' | 'quotas' | 'audit' | 'security';

type Role = Whoami['role'];

interface NavItem {
  id: PageId;
  label: string;
  roles: readonly Role[];
}

const ADMINS: readonly Role[] = ['super-admin', 'tenant-admin', 'domain-admin'];
const TENANT_ADMINS: readonly Role[] = ['super-admin', 'tenant-admin'];

/**
 * In the order of the menu; the API refuses what a role may not do, the menu only hides it. The
 * traffic figures and the audit log are the whole organisation's, so a domain admin (who lands on
 * the first page left, Domains) has neither.
 */
export const NAV: readonly NavItem[] = [
  { id: 'dashboard', label: 'Dashboard', roles: TENANT_ADMINS },
  { id: 'tenants', label: 'Tenants', roles: ['super-admin'] },
  { id: 'domains', label: 'Domains', roles: ADMINS },
  { id: 'users', label: 'Users', roles: ADMINS },
  { id: 'groups', label: 'Groups', roles: ADMINS },
  { id: 'shared', label: 'Shared mailboxes', roles: ADMINS },
  { id: 'org', label: 'Org tree', roles: TENANT_ADMINS },
  { id: 'signature', label: 'Signature', roles: TENANT_ADMINS },
  { id: 'quotas', label: 'Quotas', roles: ADMINS },
  { id: 'audit', label: 'Audit log', roles: TENANT_ADMINS },
  { id: 'security', label: 'Security', roles: ADMINS },
];

export function navFor(role: Role): NavItem[] {
  return NAV.filter((item) => item.roles.includes(role));
}

/** Where the browser is: the page and what follows it (#/domains/example.com/dns → domains, [example.com, dns]). */
export interface Route {
  page: PageId;
  rest: string[];
}

function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const page = NAV.find((item) => item.id === parts[0])?.id ?? 'dashboard';
  return { page, rest: parts.slice(1) };
}

export function href(page: PageId, ...rest: string[]): string {
  return `#/${[page, ...rest.map(encodeURIComponent)].join('/')}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parse(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
