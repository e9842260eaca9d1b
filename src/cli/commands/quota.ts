import { Command } from 'commander';

import { accountUsage, setAccountQuota, setDomainDefaultQuota, tenantUsage, unitUsage } from '../../admin/quotas.ts';
import { parseSize } from '../../config/config.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { formatBytes, printJson, printTable, withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';

/** `2G`, `500M`, a number of bytes, or `0` / `unlimited` for no limit. */
function quotaSize(text: string): number {
  return text.trim().toLowerCase() === 'unlimited' ? 0 : parseSize(text);
}

function limitText(bytes: number): string {
  return bytes > 0 ? formatBytes(bytes) : 'unlimited';
}

export function quotaCommand(): Command {
  const quota = new Command('quota').description('quotas and storage usage per account, org unit and tenant');
  withCommonOptions(quota.command('show [address]').description('usage of an account, of an org unit (--unit) or of a tenant (--tenant)'))
    .option('--unit <path>', 'an org unit: the sum over it and its sub-units')
    .option('--tenant <name>', 'a tenant (with --unit: the unit\'s tenant)')
    .option('--json', 'JSON output')
    .action((address: string | undefined, options: CommonOptions & { unit?: string; tenant?: string }) =>
      withAdmin(options, async (ctx) => {
        if (address !== undefined) {
          if (options.unit !== undefined) throw new DirectoryError('invalid', 'give an address or --unit, not both', 'unit');
          const usage = await accountUsage(ctx, { principal: address });
          if (options.json) return printJson(usage);
          return printTable(['ADDRESS', 'USED', 'QUOTA'], [[usage.address, formatBytes(usage.usedBytes), limitText(usage.quotaBytes)]]);
        }
        if (options.unit !== undefined) {
          const usage = await unitUsage(ctx, { tenant: options.tenant, path: options.unit });
          if (options.json) return printJson(usage);
          return printTable(
            ['UNIT', 'PRINCIPALS', 'USED'],
            [[usage.path, usage.principals, formatBytes(usage.usedBytes)], ...usage.children.map((c) => [`  ${c.path}`, c.principals, formatBytes(c.usedBytes)])],
          );
        }
        if (options.tenant === undefined) throw new DirectoryError('invalid', 'name an address, --unit PATH or --tenant NAME', 'address');
        const usage = await tenantUsage(ctx, { tenant: options.tenant });
        if (options.json) return printJson(usage);
        printTable(['TENANT', 'PRINCIPALS', 'USED', 'LIMIT'], [[options.tenant, usage.principals, formatBytes(usage.usedBytes), limitText(usage.maxStorageBytes)]]);
      }),
    );
  withCommonOptions(quota.command('set <address> <size>').description('set an account\'s quota, e.g. 2G (0 or "unlimited": none)'))
    .option('--json', 'JSON output')
    .action((address: string, size: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const usage = await setAccountQuota(ctx, { principal: address, quotaBytes: quotaSize(size) });
        if (options.json) return printJson(usage);
        process.stdout.write(`quota of ${usage.address} set to ${limitText(usage.quotaBytes)}\n`);
      }),
    );
  withCommonOptions(quota.command('domain-default <domain> <size>').description('the quota new users of a domain get when none is given (0 or "unlimited": none)'))
    .option('--json', 'JSON output')
    .action((domain: string, size: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const result = await setDomainDefaultQuota(ctx, { domain, quotaBytes: quotaSize(size) });
        if (options.json) return printJson(result);
        process.stdout.write(`new users of ${result.domain} get a quota of ${limitText(result.defaultQuotaBytes)}\n`);
      }),
    );
  return quota;
}
