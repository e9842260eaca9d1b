import type { Kysely } from 'kysely';

import type { Database, Principal } from '../store/schema.ts';
import type { Actor, Scope } from './context.ts';

/**
 * The actor a signed-in principal (session or API token) acts as. The role is the one stored on
 * the principal: a super-admin sees every tenant, a tenant admin its own organisation, a domain
 * admin the domains listed for it in `admin_domains`, anyone else only themselves.
 */
export async function actorForPrincipal(db: Kysely<Database>, principal: Principal, scopes: ReadonlySet<Scope> | null, name?: string): Promise<Actor> {
  const actorName = name ?? principal.login ?? `#${principal.id}`;
  const base = { name: actorName, principalId: principal.id, scopes };
  switch (principal.role) {
    case 'super-admin':
      return { ...base, role: 'super-admin', tenantId: null, domainIds: [] };
    case 'tenant-admin':
      return { ...base, role: 'tenant-admin', tenantId: principal.tenant_id, domainIds: [] };
    case 'domain-admin': {
      const rows = await db.selectFrom('admin_domains').select('domain_id').where('principal_id', '=', principal.id).orderBy('domain_id').execute();
      return { ...base, role: 'domain-admin', tenantId: principal.tenant_id, domainIds: rows.map((r) => Number(r.domain_id)) };
    }
    default:
      return { ...base, role: 'user', tenantId: principal.tenant_id, domainIds: [] };
  }
}
