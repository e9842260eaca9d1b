import { Command } from 'commander';

import { createResolver } from '../../delivery/dns-resolver.ts';
import { checkDnsRecords, formatDnsCheck } from '../../directory/dns-check.ts';
import { dnsRecordsFor, formatZoneLine } from '../../directory/dns-records.ts';
import { recordCliAction } from '../../directory/audit.ts';
import { addDomain, addDomainAlias, listDomains, removeDomain, removeDomainAlias } from '../../directory/domains.ts';
import { printJson, printTable, withCommonOptions, withStore, type CommonOptions } from '../context.ts';

export function domainCommand(): Command {
  const domain = new Command('domain').description('mail domains this server receives for');
  withCommonOptions(domain.command('add <domain>').description('add a domain and generate its DKIM key'))
    .option('--tenant <name>', 'organisation that owns it (default: the default one)')
    .action((name: string, options: CommonOptions & { tenant?: string }) =>
      withStore(options, async (store, config) => {
        const added = await addDomain(store.db, name, { tenant: options.tenant });
        await recordCliAction(store.db, 'domain.add', added.name, options.tenant ? { tenant: options.tenant } : {}, added.tenant_id);
        process.stdout.write(`added domain ${added.name}; publish its DNS records (petrel dns ${added.name}):\n`);
        for (const record of await dnsRecordsFor(store.db, added.name, config)) process.stdout.write(`${formatZoneLine(record)}\n`);
      }),
    );
  withCommonOptions(domain.command('list').description('list domains'))
    .option('--json', 'JSON output')
    .action((options: CommonOptions) =>
      withStore(options, async (store) => {
        const domains = await listDomains(store.db);
        if (options.json) return printJson(domains);
        printTable(['DOMAIN', 'TENANT', 'ADDRESSES', 'CATCH-ALL', 'ALIAS-OF'], domains.map((d) => [d.name, d.tenant, d.addresses, d.catchAll ?? '-', d.aliasOf ?? '-']));
      }),
    );
  withCommonOptions(domain.command('remove <domain>').description('remove a domain'))
    .option('--force', 'also remove its users, aliases and their mail')
    .action((name: string, options: CommonOptions & { force?: boolean }) =>
      withStore(options, async (store) => {
        await removeDomain(store.db, name, { force: options.force });
        await recordCliAction(store.db, 'domain.remove', name, { force: Boolean(options.force) });
        process.stdout.write(`removed domain ${name}\n`);
      }),
    );
  withCommonOptions(domain.command('alias-add <alias> <target>').description('receive mail for every address of TARGET also at ALIAS'))
    .action((alias: string, target: string, options: CommonOptions) =>
      withStore(options, async (store, config) => {
        const added = await addDomainAlias(store.db, alias, target);
        await recordCliAction(store.db, 'domain.alias-add', added.name, { target }, added.tenant_id);
        process.stdout.write(`added alias domain ${added.name} of ${target}; publish its DNS records (petrel dns ${added.name}):\n`);
        for (const record of await dnsRecordsFor(store.db, added.name, config)) process.stdout.write(`${formatZoneLine(record)}\n`);
      }),
    );
  withCommonOptions(domain.command('alias-remove <alias>').description('stop receiving mail at an alias domain'))
    .action((alias: string, options: CommonOptions) =>
      withStore(options, async (store) => {
        const removed = await removeDomainAlias(store.db, alias);
        await recordCliAction(store.db, 'domain.alias-remove', removed.name, {}, removed.tenant_id);
        process.stdout.write(`removed alias domain ${removed.name}\n`);
      }),
    );
  withCommonOptions(domain.command('check <domain>').description('query DNS and say which of the records `petrel dns` lists are missing or wrong'))
    .option('--json', 'JSON output')
    .option('--hostname <name>', 'this server\'s public host name (default: from the configuration)')
    .action((name: string, options: CommonOptions & { hostname?: string }) =>
      withStore(options, async (store, config) => {
        if (options.hostname) config.hostname = options.hostname;
        const records = await dnsRecordsFor(store.db, name, config);
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
  return withCommonOptions(new Command('dns').argument('<domain>').description('DNS records to publish for a domain (MX, SPF, DKIM, DMARC, autoconfig, SRV)'))
    .option('--json', 'JSON output')
    .option('--hostname <name>', 'this server\'s public host name (default: from the configuration)')
    .action((name: string, options: CommonOptions & { hostname?: string }) =>
      withStore(options, async (store, config) => {
        if (options.hostname) config.hostname = options.hostname;
        const records = await dnsRecordsFor(store.db, name, config);
        if (options.json) return printJson(records);
        for (const record of records) process.stdout.write(`; ${record.purpose}\n${formatZoneLine(record)}\n`);
      }),
    );
}
