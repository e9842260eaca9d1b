import { Command } from 'commander';
import { createInterface } from 'node:readline/promises';

import { parseSize } from '../../config/config.ts';
import { addAlias, listAliases, removeAlias } from '../../directory/aliases.ts';
import { unlockAccount } from '../../directory/account-lockout.ts';
import { recordCliAction } from '../../directory/audit.ts';
import { setCatchAll } from '../../directory/domains.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { addUser, findUser, listUsers, removeUser, setPassword, setQuota } from '../../directory/users.ts';
import { formatBytes, printJson, printTable, withCommonOptions, withStore, type CommonOptions } from '../context.ts';

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

export function userCommand(): Command {
  const user = new Command('user').description('mail users');
  withCommonOptions(user.command('add <address>').description('add a user with a mailbox'))
    .option('--password <password>', 'password (default: read from standard input)')
    .option('--name <display name>', 'display name')
    .option('--quota <size>', 'mailbox quota, e.g. 2G (default: unlimited)')
    .action((address: string, options: CommonOptions & { password?: string; name?: string; quota?: string }) =>
      withStore(options, async (store) => {
        const quotaBytes = options.quota ? parseSize(options.quota) : 0;
        const password = await readPassword(options.password);
        const added = await addUser(store.db, { address, password, displayName: options.name, quotaBytes });
        await recordCliAction(store.db, 'user.add', added.login ?? address, { displayName: options.name ?? null, quotaBytes }, added.tenant_id);
        process.stdout.write(`added user ${added.login}\n`);
      }),
    );
  withCommonOptions(user.command('list').description('list users'))
    .option('--domain <domain>', 'only this domain')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { domain?: string }) =>
      withStore(options, async (store) => {
        const users = await listUsers(store.db, { domain: options.domain });
        if (options.json) return printJson(users);
        printTable(
          ['ADDRESS', 'NAME', 'USED', 'QUOTA', 'ALIASES'],
          users.map((u) => [u.address, u.displayName || '-', formatBytes(u.usedBytes), u.quotaBytes ? formatBytes(u.quotaBytes) : 'unlimited', u.aliases.join(', ') || '-']),
        );
      }),
    );
  withCommonOptions(user.command('passwd <address>').description('set a user\'s password'))
    .option('--password <password>', 'new password (default: read from standard input)')
    .action((address: string, options: CommonOptions & { password?: string }) =>
      withStore(options, async (store) => {
        await setPassword(store.db, address, await readPassword(options.password));
        await recordCliAction(store.db, 'user.passwd', address);
        process.stdout.write(`password changed for ${address}\n`);
      }),
    );
  withCommonOptions(user.command('quota <address> <size>').description('set a user\'s quota (0 = unlimited)')).action((address: string, size: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      await setQuota(store.db, address, parseSize(size));
      await recordCliAction(store.db, 'user.quota', address, { quotaBytes: parseSize(size) });
      process.stdout.write(`quota of ${address} set to ${size}\n`);
    }),
  );
  withCommonOptions(user.command('remove <address>').description('remove a user and all their mail')).action((address: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      await removeUser(store.db, address);
      await recordCliAction(store.db, 'user.remove', address);
      process.stdout.write(`removed user ${address}\n`);
    }),
  );
  withCommonOptions(user.command('unlock <address>').description('clear a user\'s failed-login lockout and count')).action((address: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      const found = await findUser(store.db, address);
      const wasLocked = await unlockAccount(store.db, found.id);
      await recordCliAction(store.db, 'user.unlock', found.login ?? address, { cleared: wasLocked }, found.tenant_id);
      process.stdout.write(wasLocked ? `unlocked ${address}\n` : `${address} was not locked\n`);
    }),
  );
  return user;
}

export function aliasCommand(): Command {
  const alias = new Command('alias').description('extra addresses that deliver to a user');
  withCommonOptions(alias.command('add <alias> <target>').description('make <alias> deliver to user <target>; "@domain" as alias sets the catch-all')).action(
    (aliasAddress: string, target: string, options: CommonOptions) =>
      withStore(options, async (store) => {
        if (aliasAddress.startsWith('@')) {
          const user = await findUser(store.db, target);
          await setCatchAll(store.db, aliasAddress.slice(1), user.id);
          await recordCliAction(store.db, 'domain.catchall', aliasAddress.slice(1), { target: user.login });
          process.stdout.write(`mail to unknown addresses at ${aliasAddress.slice(1)} now goes to ${user.login}\n`);
          return;
        }
        await addAlias(store.db, aliasAddress, target);
        await recordCliAction(store.db, 'alias.add', aliasAddress, { target });
        process.stdout.write(`added alias ${aliasAddress} -> ${target}\n`);
      }),
  );
  withCommonOptions(alias.command('list').description('list aliases'))
    .option('--domain <domain>', 'only this domain')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { domain?: string }) =>
      withStore(options, async (store) => {
        const aliases = await listAliases(store.db, { domain: options.domain });
        if (options.json) return printJson(aliases);
        printTable(['ALIAS', 'TARGET'], aliases.map((a) => [a.alias, a.target]));
      }),
    );
  withCommonOptions(alias.command('remove <alias>').description('remove an alias; "@domain" removes the catch-all')).action((aliasAddress: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      if (aliasAddress.startsWith('@')) {
        await setCatchAll(store.db, aliasAddress.slice(1), null);
        await recordCliAction(store.db, 'domain.catchall', aliasAddress.slice(1), { target: null });
      } else {
        await removeAlias(store.db, aliasAddress);
        await recordCliAction(store.db, 'alias.remove', aliasAddress);
      }
      process.stdout.write(`removed alias ${aliasAddress}\n`);
    }),
  );
  return alias;
}
