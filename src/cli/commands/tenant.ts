import { Command } from 'commander';

import { createTenant, getTenant, listTenants, removeTenant, updateTenant, type TenantInfo, type TenantInput } from '../../admin/tenants.ts';
import { parseSize } from '../../config/config.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { formatBytes, printJson, printTable, withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';

interface LimitOptions extends CommonOptions {
  displayName?: string;
  maxUsers?: string;
  maxDomains?: string;
  maxStorage?: string;
}

function count(value: string, field: string): number {
  if (!/^\d+$/.test(value)) throw new DirectoryError('invalid', `--${field}: not a whole number: ${value} (0 = unlimited)`, field);
  return Number(value);
}

function withLimitOptions(command: Command): Command {
  return withCommonOptions(command)
    .option('--display-name <name>', 'the organisation\'s full name')
    .option('--max-users <n>', 'most users it may have (0 = unlimited)')
    .option('--max-domains <n>', 'most domains, alias domains included (0 = unlimited)')
    .option('--max-storage <size>', 'most mail storage, e.g. 50G (0 = unlimited)')
    .option('--json', 'JSON output');
}

function limits(options: LimitOptions): TenantInput {
  return {
    displayName: options.displayName,
    maxUsers: options.maxUsers === undefined ? undefined : count(options.maxUsers, 'max-users'),
    maxDomains: options.maxDomains === undefined ? undefined : count(options.maxDomains, 'max-domains'),
    maxStorage: options.maxStorage === undefined ? undefined : parseSize(options.maxStorage),
  };
}

const limit = (n: number, format: (n: number) => string = String) => (n === 0 ? 'unlimited' : format(n));

function printTenant(t: TenantInfo): void {
  process.stdout.write(
    [
      `tenant:   ${t.name}${t.displayName ? ` (${t.displayName})` : ''}`,
      `users:    ${t.usage.users} of ${limit(t.limits.maxUsers)}`,
      `domains:  ${t.usage.domains} of ${limit(t.limits.maxDomains)}`,
      `storage:  ${formatBytes(t.usage.storageBytes)} of ${limit(t.limits.maxStorage, formatBytes)}`,
      '',
    ].join('\n'),
  );
}

export function tenantCommand(): Command {
  const tenant = new Command('tenant').description('organisations hosted on this server, each with its plan limits');
  withLimitOptions(tenant.command('add <name>').description('add a tenant')).action((name: string, options: LimitOptions) =>
    withAdmin(options, async (ctx) => {
      const added = await createTenant(ctx, { name, ...limits(options) });
      if (options.json) return printJson(added);
      process.stdout.write(`added tenant ${added.name}\n`);
    }),
  );
  withCommonOptions(tenant.command('list').description('list tenants with their usage and limits'))
    .option('--json', 'JSON output')
    .action((options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const tenants = await listTenants(ctx);
        if (options.json) return printJson(tenants);
        printTable(
          ['TENANT', 'NAME', 'USERS', 'DOMAINS', 'STORAGE'],
          tenants.map((t) => [t.name, t.displayName || '-', `${t.usage.users}/${limit(t.limits.maxUsers)}`, `${t.usage.domains}/${limit(t.limits.maxDomains)}`, `${formatBytes(t.usage.storageBytes)}/${limit(t.limits.maxStorage, formatBytes)}`]),
        );
      }),
    );
  withCommonOptions(tenant.command('show <name>').description('a tenant\'s limits and usage'))
    .option('--json', 'JSON output')
    .action((name: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const found = await getTenant(ctx, { tenant: name });
        if (options.json) return printJson(found);
        printTenant(found);
      }),
    );
  withLimitOptions(tenant.command('set <name>').description('change a tenant\'s name or limits (a lower limit removes nothing; it refuses new users or domains)')).action((name: string, options: LimitOptions) =>
    withAdmin(options, async (ctx) => {
      const updated = await updateTenant(ctx, { tenant: name, ...limits(options) });
      if (options.json) return printJson(updated);
      printTenant(updated);
    }),
  );
  withCommonOptions(tenant.command('remove <name>').description('remove a tenant'))
    .option('--force', 'also remove its domains, users, groups and all their mail')
    .action((name: string, options: CommonOptions & { force?: boolean }) =>
      withAdmin(options, async (ctx) => {
        await removeTenant(ctx, { tenant: name, force: options.force });
        process.stdout.write(`removed tenant ${name}\n`);
      }),
    );
  return tenant;
}
