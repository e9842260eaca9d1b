import { Command } from 'commander';

import { grantAdmin, listAdmins, parseAdminRole, revokeAdmin } from '../../admin/admins.ts';
import { collect, type CommonOptions, printJson, printTable, withAdmin, withCommonOptions } from '../context.ts';


export function adminCommand(): Command {
  const admin = new Command('admin').description('administrators: super-admins, tenant admins and domain admins');
  withCommonOptions(admin.command('grant <user> <role>').description('make a user super-admin, tenant-admin (of its own tenant) or domain-admin (of --domain)'))
    .option('--domain <domain>', 'a domain a domain admin administers (repeatable; added to those it has)', collect, [])
    .option('--json', 'JSON output')
    .action((user: string, role: string, options: CommonOptions & { domain: string[] }) =>
      withAdmin(options, async (ctx) => {
        const granted = await grantAdmin(ctx, { user, role: parseAdminRole(role), domains: options.domain });
        if (options.json) return printJson(granted);
        process.stdout.write(`${granted.login} is now ${granted.role}${granted.domains.length ? ` of ${granted.domains.join(', ')}` : ` (tenant ${granted.tenant})`}\n`);
      }),
    );
  withCommonOptions(admin.command('revoke <user>').description('take an administrator role back (with --domain: only those domains of a domain admin)'))
    .option('--domain <domain>', 'a domain to take away (repeatable)', collect, [])
    .option('--json', 'JSON output')
    .action((user: string, options: CommonOptions & { domain: string[] }) =>
      withAdmin(options, async (ctx) => {
        const revoked = await revokeAdmin(ctx, { user, domains: options.domain.length > 0 ? options.domain : undefined });
        if (options.json) return printJson(revoked);
        process.stdout.write(`${revoked.login} is now ${revoked.role}\n`);
      }),
    );
  withCommonOptions(admin.command('list').description('list administrators'))
    .option('--tenant <name>', 'only this tenant\'s')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { tenant?: string }) =>
      withAdmin(options, async (ctx) => {
        const admins = await listAdmins(ctx, { tenant: options.tenant });
        if (options.json) return printJson(admins);
        printTable(['LOGIN', 'ROLE', 'TENANT', 'DOMAINS'], admins.map((a) => [a.login, a.role, a.tenant, a.domains.join(', ') || '-']));
      }),
    );
  return admin;
}
