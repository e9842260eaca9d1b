import type { Kysely } from 'kysely';

import { cliActor, recordAudit } from '../directory/audit.ts';
import { DirectoryError } from '../directory/errors.ts';
import type { Database } from '../store/schema.ts';

/**
 * The administration service: every admin action of the CLI, the admin HTTP API and (later) the
 * admin console is one function of `src/admin/` taking an AdminContext. The function checks that
 * the actor may do it, calls `directory/`, and writes the audit record, so each edge only parses
 * its input and prints or serialises the result.
 */

/** What an actor may administer. `user` is self-service only (own credentials, the GAL). */
export type AdminRole = 'super-admin' | 'tenant-admin' | 'domain-admin' | 'user';

/**
 * Scopes an API token may be limited to. A token never has more power than its owner's role;
 * a scope only narrows it. Sessions (password + second factor) and the CLI have every scope.
 */
export const SCOPES = ['directory:read', 'directory:write', 'audit:read', 'tenants:write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Actor {
  /** As written to the audit log: a login, `cli:<os user>`, or `token:<id>:<owner login>`. */
  name: string;
  /** The principal acting, when there is one (none for the CLI). */
  principalId: number | null;
  role: AdminRole;
  /** The actor's organisation; null only for a super-admin, who sees every tenant. */
  tenantId: number | null;
  /** For a domain admin: the domains it administers (aliases of them included by the checks). */
  domainIds: readonly number[];
  /** Null means every scope the role allows. */
  scopes: ReadonlySet<Scope> | null;
}

export interface AdminContext {
  db: Kysely<Database>;
  actor: Actor;
  /** Where the request came from, for the audit log. */
  remoteAddress: string | null;
  /** `cli` or `api` (later `console`), for the audit log. */
  via: string;
}

/** The CLI runs on the server as its operating-system user, who can already read the database: a super-admin. */
export function cliContext(db: Kysely<Database>): AdminContext {
  return { db, actor: { name: cliActor(), principalId: null, role: 'super-admin', tenantId: null, domainIds: [], scopes: null }, remoteAddress: null, via: 'cli' };
}

export function isSuperAdmin(ctx: AdminContext): boolean {
  return ctx.actor.role === 'super-admin';
}

export function requireScope(ctx: AdminContext, scope: Scope): void {
  if (ctx.actor.scopes && !ctx.actor.scopes.has(scope)) throw new DirectoryError('forbidden', `this token lacks the ${scope} scope`);
}

export function requireSuperAdmin(ctx: AdminContext): void {
  if (!isSuperAdmin(ctx)) throw new DirectoryError('forbidden', 'only a super-admin may do this');
}

/**
 * The tenant whose objects a list or a create is about: a super-admin names one (or null for all,
 * where the caller allows it), everyone else always gets their own, whatever they asked for.
 */
export function tenantScope(ctx: AdminContext, requested: number | null): number | null {
  return isSuperAdmin(ctx) ? requested : ctx.actor.tenantId;
}

/**
 * An object of another tenant does not exist for this actor: `not_found`, the same answer as for
 * an id that was never used, so ids cannot be probed across organisations.
 */
export function requireSameTenant(ctx: AdminContext, tenantId: number, what: string, field?: string): void {
  if (isSuperAdmin(ctx)) return;
  if (ctx.actor.tenantId !== tenantId) throw new DirectoryError('not_found', `no such ${what}`, field);
}

/** Tenant-wide administration (org units, tenant settings, admins): tenant admins and up. */
export function requireTenantAdmin(ctx: AdminContext, tenantId: number, what: string, field?: string): void {
  requireSameTenant(ctx, tenantId, what, field);
  if (ctx.actor.role === 'domain-admin' || ctx.actor.role === 'user') throw new DirectoryError('forbidden', `only a tenant admin may change the ${what}`, field);
}

/**
 * Administration of one domain's objects. `domain` is the domain the object lives at; an alias
 * domain is administered by whoever administers the domain it is an alias of.
 */
export function requireDomainAdmin(ctx: AdminContext, domain: { id: number; tenant_id: number; alias_of_domain_id: number | null }, what: string, field?: string): void {
  requireSameTenant(ctx, domain.tenant_id, what, field);
  const { role, domainIds } = ctx.actor;
  if (role === 'super-admin' || role === 'tenant-admin') return;
  if (role === 'domain-admin' && (domainIds.includes(domain.id) || (domain.alias_of_domain_id !== null && domainIds.includes(domain.alias_of_domain_id)))) return;
  if (role === 'domain-admin') throw new DirectoryError('not_found', `no such ${what}`, field);
  throw new DirectoryError('forbidden', `only an administrator may change the ${what}`, field);
}

/** Records what the actor did; called by every admin function after its change succeeded. */
export function audit(ctx: AdminContext, action: string, target: string, details: Record<string, unknown> = {}, tenantId: number | null = ctx.actor.tenantId): Promise<void> {
  return recordAudit(ctx.db, { tenantId, actor: ctx.actor.name, action, target, protocol: ctx.via, remoteAddress: ctx.remoteAddress, details });
}
