import { Command } from 'commander';

import {
  activateDkimKey,
  addDomain,
  addDomainAlias,
  domainDnsRecords,
  getDomain,
  listDkimKeys,
  listDomains,
  removeDomain,
  removeDomainAlias,
  retireDkimKey,
  rotateDkimKey,
} from '../../admin/domains.ts';
import { createRoleMailboxes } from '../../admin/shared.ts';
import { createResolver } from '../../delivery/dns-resolver.ts';
import type { DkimKeyInfo } from '../../directory/dkim-keys.ts';
import { checkDnsRecords, formatDnsCheck } from '../../directory/dns-check.ts';
import { formatZoneLine } from '../../directory/dns-records.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { collect, type CommonOptions, printJson, printTable, withAdmin, withCommonOptions } from '../context.ts';

/** `48h`, `2d`, `30m` or `0`: how long a new DKIM key is published before it signs. */
function parseGrace(text: string): number {
  const match = /^\s*(\d+)\s*([mhd]?)\s*$/.exec(text);
  if (!match) throw new DirectoryError('invalid', `--activate-after: not a duration: ${text} (use e.g. 48h, 2d or 0)`, 'activateAfter');
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, '': 3_600_000 }[match[2] as 'm' | 'h' | 'd' | ''];
  return Number(match[1]) * unit;
}

function printKeys(keys: DkimKeyInfo[]): void {
  const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
  printTable(['SELECTOR', 'STATE', 'CREATED', 'SIGNS FROM', 'UNPUBLISH AT'], keys.map((k) => [k.selector, k.state, when(k.createdAt), when(k.activateAt), when(k.retireAt)]));
}

export function domainCommand(): Command {
  const domain = new Command('domain').description('mail domains this server receives for');
  withCommonOptions(domain.command('add <domain>').description('add a domain and generate its DKIM key'))
    .option('--tenant <name>', 'organisation that owns it (default: the default one)')
    .option('--role-mailbox <local part>', 'also create this shared role mailbox, e.g. info or support (repeatable)', collect, [])
    .option('--role-member <address>', 'a member of every role mailbox created (repeatable)', collect, [])
    .option('--json', 'JSON output')
    .action((name: string, options: CommonOptions & { tenant?: string; roleMailbox: string[]; roleMember: string[] }) =>
      withAdmin(options, async (ctx, config) => {
        const added = await addDomain(ctx, { name, tenant: options.tenant });
        const roleMailboxes = await createRoleMailboxes(ctx, added.name, options.roleMailbox, options.roleMember);
        if (options.json) return printJson({ ...added, roleMailboxes: roleMailboxes.map((r) => r.address) });
        for (const role of roleMailboxes) process.stdout.write(`added shared mailbox ${role.address}\n`);
        process.stdout.write(`added domain ${added.name}; publish its DNS records (petrel dns ${added.name}):\n`);
        for (const record of await domainDnsRecords(ctx, { domain: added.name, server: config })) process.stdout.write(`${formatZoneLine(record)}\n`);
      }),
    );
  withCommonOptions(domain.command('list').description('list domains'))
    .option('--tenant <name>', 'only this tenant\'s')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { tenant?: string }) =>
      withAdmin(options, async (ctx) => {
        const domains = await listDomains(ctx, { tenant: options.tenant });
        if (options.json) return printJson(domains);
        printTable(['DOMAIN', 'TENANT', 'ADDRESSES', 'CATCH-ALL', 'ALIAS-OF'], domains.map((d) => [d.name, d.tenant, d.addresses, d.catchAll ?? '-', d.aliasOf ?? '-']));
      }),
    );
  withCommonOptions(domain.command('show <domain>').description('a domain with its DKIM keys'))
    .option('--json', 'JSON output')
    .action((name: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const found = await getDomain(ctx, { domain: name });
        if (options.json) return printJson(found);
        process.stdout.write(`domain:    ${found.name}\ntenant:    ${found.tenant}\naddresses: ${found.addresses}\ncatch-all: ${found.catchAll ?? '-'}\nalias of:  ${found.aliasOf ?? '-'}\n`);
        if (found.dkimKeys.length > 0) printKeys(found.dkimKeys);
      }),
    );
  withCommonOptions(domain.command('remove <domain>').description('remove a domain'))
    .option('--force', 'also remove its users, aliases and their mail')
    .action((name: string, options: CommonOptions & { force?: boolean }) =>
      withAdmin(options, async (ctx) => {
        const { removed } = await removeDomain(ctx, { domain: name, force: options.force });
        process.stdout.write(`removed domain ${removed}\n`);
      }),
    );
  withCommonOptions(domain.command('alias-add <alias> <target>').description('receive mail for every address of TARGET also at ALIAS'))
    .option('--json', 'JSON output')
    .action((alias: string, target: string, options: CommonOptions) =>
      withAdmin(options, async (ctx, config) => {
        const added = await addDomainAlias(ctx, { alias, target });
        if (options.json) return printJson(added);
        process.stdout.write(`added alias domain ${added.name} of ${target}; publish its DNS records (petrel dns ${added.name}):\n`);
        for (const record of await domainDnsRecords(ctx, { domain: added.name, server: config })) process.stdout.write(`${formatZoneLine(record)}\n`);
      }),
    );
  withCommonOptions(domain.command('alias-remove <alias>').description('stop receiving mail at an alias domain')).action((alias: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      const { removed } = await removeDomainAlias(ctx, { alias });
      process.stdout.write(`removed alias domain ${removed}\n`);
    }),
  );
  withCommonOptions(domain.command('dkim-list <domain>').description('the domain\'s DKIM keys: the signing one and any of a rotation in progress'))
    .option('--json', 'JSON output')
    .action((name: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const keys = await listDkimKeys(ctx, { domain: name });
        if (options.json) return printJson(keys);
        printKeys(keys);
      }),
    );
  withCommonOptions(domain.command('dkim-rotate <domain>').description('make a new DKIM key: published now, signing after --activate-after (default 48h) or dkim-activate'))
    .option('--activate-after <duration>', 'how long to publish it before it signs, e.g. 48h, 2d (0: at once)')
    .option('--manual', 'sign with it only when `petrel domain dkim-activate` says so')
    .option('--json', 'JSON output')
    .action((name: string, options: CommonOptions & { activateAfter?: string; manual?: boolean }) =>
      withAdmin(options, async (ctx, config) => {
        if (options.manual && options.activateAfter !== undefined) throw new DirectoryError('invalid', '--manual and --activate-after exclude each other', 'activateAfter');
        const activateAfterMs = options.manual ? null : options.activateAfter === undefined ? undefined : parseGrace(options.activateAfter);
        const key = await rotateDkimKey(ctx, { domain: name, activateAfterMs });
        if (options.json) return printJson(key);
        const record = (await domainDnsRecords(ctx, { domain: name, server: config })).find((r) => r.name.startsWith(`${key.selector}._domainkey.`));
        process.stdout.write(`new DKIM key ${key.selector}; publish it now:\n${record ? formatZoneLine(record) : ''}\n`);
        process.stdout.write(key.activateAt === null ? `it signs once you run: petrel domain dkim-activate ${name} ${key.selector}\n` : `it signs from ${new Date(key.activateAt).toISOString()} (or at once with: petrel domain dkim-activate ${name} ${key.selector})\n`);
      }),
    );
  withCommonOptions(domain.command('dkim-activate <domain> <selector>').description('sign with this DKIM key from now on; the previous key stays published for 7 days'))
    .option('--json', 'JSON output')
    .action((name: string, selector: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const keys = await activateDkimKey(ctx, { domain: name, selector });
        if (options.json) return printJson(keys);
        process.stdout.write(`${name} now signs with ${selector}\n`);
      }),
    );
  withCommonOptions(domain.command('dkim-retire <domain> <selector>').description('unpublish a DKIM key that no longer signs, without waiting'))
    .option('--json', 'JSON output')
    .action((name: string, selector: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const keys = await retireDkimKey(ctx, { domain: name, selector });
        if (options.json) return printJson(keys);
        process.stdout.write(`retired DKIM key ${selector} of ${name}; remove ${selector}._domainkey.${name} from DNS\n`);
      }),
    );
  withCommonOptions(domain.command('check <domain>').description('query DNS and say which of the records `petrel dns` lists are missing or wrong'))
    .option('--json', 'JSON output')
    .option('--hostname <name>', 'this server\'s public host name (default: from the configuration)')
    .action((name: string, options: CommonOptions & { hostname?: string }) =>
      withAdmin(options, async (ctx, config) => {
        if (options.hostname) config.hostname = options.hostname;
        const records = await domainDnsRecords(ctx, { domain: name, server: config });
        // The server's own resolver, so [dns.overrides] and `system = false` apply here too.
        const resolver = createResolver({ overrides: config.dns.overrides, system: config.dns.system });
        const report = await checkDnsRecords(resolver, name, config.hostname, records);
        if (options.json) printJson(report);
        else process.stdout.write(formatDnsCheck(report));
        // Scripts and monitoring read the status: 0 only when every required record is right.
        if (!report.ok) process.exitCode = 1;
      }),
    );
  return domain;
}

export function dnsCommand(): Command {
  return withCommonOptions(new Command('dns').argument('<domain>').description('DNS records to publish for a domain (MX, SPF, every published DKIM key, DMARC, autoconfig, SRV)'))
    .option('--json', 'JSON output')
    .option('--hostname <name>', 'this server\'s public host name (default: from the configuration)')
    .action((name: string, options: CommonOptions & { hostname?: string }) =>
      withAdmin(options, async (ctx, config) => {
        if (options.hostname) config.hostname = options.hostname;
        const records = await domainDnsRecords(ctx, { domain: name, server: config });
        if (options.json) return printJson(records);
        for (const record of records) process.stdout.write(`; ${record.purpose}\n${formatZoneLine(record)}\n`);
      }),
    );
}
