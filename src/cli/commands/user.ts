import { Command } from 'commander';
import { createInterface } from 'node:readline/promises';

import { addAlias, listAliases, removeAlias } from '../../admin/aliases.ts';
import { setCatchAll } from '../../admin/domains.ts';
import { addUser, getUser, listUsers, MAX_PAGE, removeUser, setUserPassword, setUserQuota, unlockUser, updateUser, type UserSummary } from '../../admin/users.ts';
import { parseSize } from '../../config/config.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { formatBytes, printJson, printTable, withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';

/** A password from the flag, or from standard input (one line) so it stays out of shell history. */
async function readPassword(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new DirectoryError('invalid', 'no password given (use --password or pipe it on standard input)', 'password');
}

function pageSize(text: string): number {
  if (!/^\d+$/.test(text)) throw new DirectoryError('invalid', `--limit: not a number: ${text}`, 'limit');
  return Number(text);
}

interface ListOptions extends CommonOptions {
  domain?: string;
  tenant?: string;
  search?: string;
  limit?: string;
  after?: string;
}

export function userCommand(): Command {
  const user = new Command('user').description('mail users');
  withCommonOptions(user.command('add <address>').description('add a user with a mailbox'))
    .option('--password <password>', 'password (default: read from standard input)')
    .option('--name <display name>', 'display name')
    .option('--quota <size>', 'mailbox quota, e.g. 2G (default: the domain\'s default quota, see petrel quota domain-default)')
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions & { password?: string; name?: string; quota?: string }) =>
      withAdmin(options, async (ctx) => {
        const quotaBytes = options.quota ? parseSize(options.quota) : undefined;
        const password = await readPassword(options.password);
        const added = await addUser(ctx, { address, password, displayName: options.name, quotaBytes });
        if (options.json) return printJson(added);
        process.stdout.write(`added user ${added.address}\n`);
      }),
    );
  withCommonOptions(user.command('list').description('list users, ordered by address'))
    .option('--domain <domain>', 'only this domain')
    .option('--tenant <name>', 'only this tenant')
    .option('--search <text>', 'only users whose address or name contains this')
    .option('--limit <n>', 'one page of at most this many; the next page starts after the address printed on standard error')
    .option('--after <address>', 'start after this address (from a previous page)')
    .option('--json', 'JSON output')
    .action((options: ListOptions) =>
      withAdmin(options, async (ctx) => {
        const query = { domain: options.domain, tenant: options.tenant, query: options.search };
        let users: UserSummary[] = [];
        let next: string | null = null;
        if (options.limit !== undefined) {
          ({ items: users, next } = await listUsers(ctx, { ...query, limit: pageSize(options.limit), after: options.after }));
        } else {
          // Everything, read a page at a time.
          let after = options.after;
          do {
            const page = await listUsers(ctx, { ...query, limit: MAX_PAGE, after });
            users = users.concat(page.items);
            after = page.next ?? undefined;
          } while (after !== undefined);
        }
        if (options.json) printJson(users);
        else {
          printTable(
            ['ADDRESS', 'NAME', 'USED', 'QUOTA', 'ALIASES'],
            users.map((u) => [u.address, u.displayName || '-', formatBytes(u.usedBytes), u.quotaBytes ? formatBytes(u.quotaBytes) : 'unlimited', u.aliases.join(', ') || '-']),
          );
        }
        if (next !== null) process.stderr.write(`more: --after ${next}\n`);
      }),
    );
  withCommonOptions(user.command('show <address>').description('a user with its tenant, role and lockout state'))
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const found = await getUser(ctx, { user: address });
        if (options.json) return printJson(found);
        process.stdout.write(
          [
            `address:  ${found.address}`,
            `name:     ${found.displayName || '-'}`,
            `tenant:   ${found.tenant}`,
            `role:     ${found.role}`,
            `aliases:  ${found.aliases.join(', ') || '-'}`,
            `used:     ${formatBytes(found.usedBytes)} of ${found.quotaBytes ? formatBytes(found.quotaBytes) : 'unlimited'}`,
            `disabled: ${found.disabled ? 'yes' : 'no'}`,
            `locked:   ${found.lockedUntil === null ? 'no' : `until ${new Date(found.lockedUntil).toISOString()}`}`,
            '',
          ].join('\n'),
        );
      }),
    );
  withCommonOptions(user.command('set <address>').description('change a user\'s display name, quota or whether it may log in and receive mail'))
    .option('--name <display name>', 'display name')
    .option('--quota <size>', 'mailbox quota, e.g. 2G (0 = unlimited)')
    .option('--disable', 'refuse its logins and its mail')
    .option('--enable', 'undo --disable')
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions & { name?: string; quota?: string; disable?: boolean; enable?: boolean }) =>
      withAdmin(options, async (ctx) => {
        if (options.disable && options.enable) throw new DirectoryError('invalid', '--disable and --enable exclude each other', 'disabled');
        const disabled = options.disable ? true : options.enable ? false : undefined;
        const updated = await updateUser(ctx, { user: address, displayName: options.name, quotaBytes: options.quota === undefined ? undefined : parseSize(options.quota), disabled });
        if (options.json) return printJson(updated);
        process.stdout.write(`updated user ${updated.address}\n`);
      }),
    );
  withCommonOptions(user.command('passwd <address>').description('set a user\'s password'))
    .option('--password <password>', 'new password (default: read from standard input)')
    .action((address: string, options: CommonOptions & { password?: string }) =>
      withAdmin(options, async (ctx) => {
        await setUserPassword(ctx, { user: address, password: await readPassword(options.password) });
        process.stdout.write(`password changed for ${address}\n`);
      }),
    );
  withCommonOptions(user.command('quota <address> <size>').description('set a user\'s quota (0 = unlimited)')).action((address: string, size: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      await setUserQuota(ctx, { user: address, quotaBytes: parseSize(size) });
      process.stdout.write(`quota of ${address} set to ${size}\n`);
    }),
  );
  withCommonOptions(user.command('remove <address>').description('remove a user and all their mail')).action((address: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      await removeUser(ctx, { user: address });
      process.stdout.write(`removed user ${address}\n`);
    }),
  );
  withCommonOptions(user.command('unlock <address>').description('clear a user\'s failed-login lockout and count')).action((address: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      const { wasLocked } = await unlockUser(ctx, { user: address });
      process.stdout.write(wasLocked ? `unlocked ${address}\n` : `${address} was not locked\n`);
    }),
  );
  return user;
}

export function aliasCommand(): Command {
  const alias = new Command('alias').description('extra addresses that deliver to a user');
  withCommonOptions(alias.command('add <alias> <target>').description('make <alias> deliver to user <target>; "@domain" as alias sets the catch-all')).action(
    (aliasAddress: string, target: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        if (aliasAddress.startsWith('@')) {
          const domain = await setCatchAll(ctx, { domain: aliasAddress.slice(1), target });
          process.stdout.write(`mail to unknown addresses at ${domain.name} now goes to ${domain.catchAll}\n`);
          return;
        }
        await addAlias(ctx, { alias: aliasAddress, target });
        process.stdout.write(`added alias ${aliasAddress} -> ${target}\n`);
      }),
  );
  withCommonOptions(alias.command('list').description('list aliases'))
    .option('--domain <domain>', 'only this domain')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { domain?: string }) =>
      withAdmin(options, async (ctx) => {
        const aliases = await listAliases(ctx, { domain: options.domain });
        if (options.json) return printJson(aliases);
        printTable(['ALIAS', 'TARGET'], aliases.map((a) => [a.alias, a.target]));
      }),
    );
  withCommonOptions(alias.command('remove <alias>').description('remove an alias; "@domain" removes the catch-all')).action((aliasAddress: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      if (aliasAddress.startsWith('@')) await setCatchAll(ctx, { domain: aliasAddress.slice(1), target: null });
      else await removeAlias(ctx, { alias: aliasAddress });
      process.stdout.write(`removed alias ${aliasAddress}\n`);
    }),
  );
  return alias;
}
