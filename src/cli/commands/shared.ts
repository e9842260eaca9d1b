import { Command } from 'commander';

import { cliContext } from '../../admin/context.ts';
import { parseSize } from '../../config/config.ts';
import { addShared, addSharedMember, getShared, grantFolder, listShared, removeShared, removeSharedMember, setSendRight, type SharedMailboxSummary, type SharedMember } from '../../admin/shared.ts';
import { collect, type CommonOptions, formatBytes, printJson, printTable, withCommonOptions, withStore } from '../context.ts';


interface MemberFlags {
  rights?: string;
  sendAs?: boolean;
  sendOnBehalf?: boolean;
}

function sendRights(member: SharedMember): string {
  return [member.sendAs ? 'send-as' : '', member.sendOnBehalf ? 'send-on-behalf' : ''].filter(Boolean).join(', ') || '-';
}

function printShared(shared: SharedMailboxSummary): void {
  process.stdout.write(`${shared.address}${shared.displayName ? ` (${shared.displayName})` : ''}: ${formatBytes(shared.usedBytes)} used of ${shared.quotaBytes ? formatBytes(shared.quotaBytes) : 'unlimited'}\n`);
  if (shared.members.length === 0) return void process.stdout.write('no members\n');
  printTable(['MEMBER', 'RIGHTS', 'SEND'], shared.members.map((m) => [m.address, m.rights || '-', sendRights(m)]));
}

export function sharedCommand(): Command {
  const shared = new Command('shared').description('shared mailboxes (support@, info@) worked by a team, and folder sharing');
  withCommonOptions(shared.command('add <address>').description('add a shared mailbox'))
    .option('--name <display name>', 'display name')
    .option('--quota <size>', 'storage quota, e.g. 2G (default: the domain\'s default quota)')
    .option('--member <address>', 'a user who works it (repeatable)', collect, [])
    .option('--rights <letters>', 'RFC 4314 rights of the members (default lrswipkxte)')
    .option('--send-as', 'members may send as the shared address')
    .option('--send-on-behalf', 'members may send on behalf of the shared address')
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions & MemberFlags & { name?: string; quota?: string; member: string[] }) =>
      withStore(options, async (store) => {
        const created = await addShared(cliContext(store.db), {
          address,
          displayName: options.name,
          quotaBytes: options.quota === undefined ? undefined : parseSize(options.quota),
          members: options.member,
          rights: options.rights,
          sendAs: options.sendAs,
          sendOnBehalf: options.sendOnBehalf,
        });
        if (options.json) return printJson(created);
        process.stdout.write(`added shared mailbox ${created.address} (${created.members.length} members)\n`);
      }),
    );
  withCommonOptions(shared.command('member-add <address> <member>').description('give a user access to a shared mailbox (again: change their rights)'))
    .option('--rights <letters>', 'RFC 4314 rights on every folder (default lrswipkxte)')
    .option('--send-as', 'may send as the shared address')
    .option('--send-on-behalf', 'may send on behalf of the shared address')
    .option('--json', 'JSON output')
    .action((address: string, member: string, options: CommonOptions & MemberFlags) =>
      withStore(options, async (store) => {
        const added = await addSharedMember(cliContext(store.db), { address, member, rights: options.rights, sendAs: options.sendAs, sendOnBehalf: options.sendOnBehalf });
        if (options.json) return printJson(added);
        process.stdout.write(`${added.address} has ${added.rights} on ${address} (send: ${sendRights(added)})\n`);
      }),
    );
  withCommonOptions(shared.command('member-remove <address> <member>').description('take a user\'s access to a shared mailbox away')).action((address: string, member: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      await removeSharedMember(cliContext(store.db), { address, member });
      process.stdout.write(`removed ${member} from ${address}\n`);
    }),
  );
  withCommonOptions(shared.command('send-grant <address> <grantee>').description('let a user send as, or on behalf of, an address (a shared mailbox or a user)'))
    .option('--on-behalf', 'send on behalf (Sender: the grantee) instead of as the address')
    .option('--revoke', 'withdraw the right instead')
    .action((address: string, grantee: string, options: CommonOptions & { onBehalf?: boolean; revoke?: boolean }) =>
      withStore(options, async (store) => {
        const kind = options.onBehalf ? 'send-on-behalf' : 'send-as';
        await setSendRight(cliContext(store.db), { address, grantee, kind, granted: !options.revoke });
        process.stdout.write(`${options.revoke ? 'withdrew' : 'granted'} ${kind} on ${address} ${options.revoke ? 'from' : 'to'} ${grantee}\n`);
      }),
    );
  withCommonOptions(shared.command('folder-grant <owner> <folder> <grantee> <rights>').description('share one folder of a user with a colleague ("" withdraws it), as IMAP SETACL does')).action(
    (owner: string, folder: string, grantee: string, rights: string, options: CommonOptions) =>
      withStore(options, async (store) => {
        const result = await grantFolder(cliContext(store.db), { owner, folder, grantee, rights });
        process.stdout.write(result.rights ? `${result.grantee} has ${result.rights} on ${result.owner}'s ${result.folder}\n` : `${result.grantee} no longer has access to ${result.owner}'s ${result.folder}\n`);
      }),
  );
  withCommonOptions(shared.command('list').description('list shared mailboxes'))
    .option('--domain <domain>', 'only those at this domain')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { domain?: string }) =>
      withStore(options, async (store) => {
        const all = await listShared(cliContext(store.db), { domain: options.domain });
        if (options.json) return printJson(all);
        printTable(
          ['SHARED MAILBOX', 'NAME', 'USED', 'MEMBERS'],
          all.map((s) => [s.address, s.displayName || '-', formatBytes(s.usedBytes), s.members.map((m) => `${m.address} (${m.rights || '-'})`).join(', ') || '-']),
        );
      }),
    );
  withCommonOptions(shared.command('show <address>').description('a shared mailbox, its members and their rights'))
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions) =>
      withStore(options, async (store) => {
        const found = await getShared(cliContext(store.db), { address });
        if (options.json) return printJson(found);
        printShared(found);
      }),
    );
  withCommonOptions(shared.command('remove <address>').description('remove a shared mailbox with all its mail')).action((address: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      await removeShared(cliContext(store.db), { address });
      process.stdout.write(`removed shared mailbox ${address}\n`);
    }),
  );
  return shared;
}
