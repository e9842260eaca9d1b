import { Command, Option } from 'commander';

import { searchGal, setGalAttributes } from '../../admin/gal.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { printJson, printTable, withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';

export function galCommand(): Command {
  const gal = new Command('gal').description('the global address list: every person, shared mailbox, group and resource of an organisation');
  withCommonOptions(gal.command('search [query]').description('list or search (name, address, title, department) the GAL, in name order, a page at a time'))
    .option('--tenant <name>', 'the organisation (default: the default tenant)')
    .option('--limit <n>', 'entries per page', '50')
    .option('--after <cursor>', 'continue after this cursor (printed as "next" by the previous page)')
    .option('--json', 'JSON output: { items, next }')
    .action((query: string | undefined, options: CommonOptions & { tenant?: string; limit: string; after?: string }) =>
      withAdmin(options, async (ctx) => {
        if (!/^\d+$/.test(options.limit)) throw new DirectoryError('invalid', `not a number: ${options.limit}`, 'limit');
        const page = await searchGal(ctx, { tenant: options.tenant, query, limit: Number(options.limit), after: options.after });
        if (options.json) return printJson(page);
        printTable(['NAME', 'ADDRESS', 'KIND', 'TITLE', 'DEPARTMENT', 'PHONE'], page.items.map((e) => [e.name || '-', e.address, e.kind, e.title || '-', e.department ?? '-', e.phone || '-']));
        if (page.next) process.stdout.write(`next: ${page.next}\n`);
      }),
    );
  withCommonOptions(gal.command('set <address>').description('set the title, phone or visibility of a GAL entry'))
    .option('--title <title>', 'job title ("" to clear)')
    .option('--phone <phone>', 'phone number ("" to clear)')
    .addOption(new Option('--hidden', 'leave it out of the GAL (it still receives mail)').conflicts('visible'))
    .addOption(new Option('--visible', 'show it in the GAL again'))
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions & { title?: string; phone?: string; hidden?: boolean; visible?: boolean }) =>
      withAdmin(options, async (ctx) => {
        const hidden = options.hidden ? true : options.visible ? false : undefined;
        const entry = await setGalAttributes(ctx, { principal: address, title: options.title, phone: options.phone, hidden });
        if (options.json) return printJson(entry);
        process.stdout.write(`${entry.address}: title "${entry.title}", phone "${entry.phone}", ${entry.hidden ? 'hidden from' : 'shown in'} the GAL\n`);
      }),
    );
  return gal;
}
