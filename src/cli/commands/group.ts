import { Command } from 'commander';

import { recordCliAction } from '../../directory/audit.ts';
import { addGroup, addMember, listGroups, listMembers, parseSendPolicy, removeGroup, removeMember, setSendPolicy } from '../../directory/groups.ts';
import { printJson, printTable, withCommonOptions, withStore, type CommonOptions } from '../context.ts';

/** Commander calls this for each repetition of a flag, so `--member a --member b` builds a list. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function groupCommand(): Command {
  const group = new Command('group').description('groups (distribution lists): one address that delivers to its members');
  withCommonOptions(group.command('add <address>').description('add a group'))
    .option('--name <display name>', 'display name')
    .option('--member <address>', 'a user or group to include (repeatable)', collect, [])
    .option('--send-policy <policy>', 'who may send to it: anyone, members, organisation or listed', 'anyone')
    .option('--allow <sender>', 'a sender allowed under --send-policy listed (repeatable)', collect, [])
    .action((address: string, options: CommonOptions & { name?: string; member: string[]; sendPolicy: string; allow: string[] }) =>
      withStore(options, async (store) => {
        const sendPolicy = parseSendPolicy(options.sendPolicy);
        await addGroup(store.db, { address, displayName: options.name, members: options.member, sendPolicy, allowedSenders: options.allow });
        await recordCliAction(store.db, 'group.add', address, { members: options.member, sendPolicy, allowedSenders: options.allow });
        process.stdout.write(`added group ${address} (${options.member.length} members, send policy ${sendPolicy})\n`);
      }),
    );
  withCommonOptions(group.command('members <address>').description('list a group\'s members'))
    .option('--expand', 'every person it delivers to, through nested groups')
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions & { expand?: boolean }) =>
      withStore(options, async (store) => {
        const members = await listMembers(store.db, address, { expand: options.expand });
        if (options.json) return printJson(members);
        printTable(['MEMBER', 'KIND', 'NAME'], members.map((m) => [m.address, m.kind, m.displayName || '-']));
      }),
    );
  withCommonOptions(group.command('member-add <address> <member>').description('add a user or group to a group')).action((address: string, member: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      await addMember(store.db, address, member);
      await recordCliAction(store.db, 'group.member-add', address, { member });
      process.stdout.write(`added ${member} to ${address}\n`);
    }),
  );
  withCommonOptions(group.command('member-remove <address> <member>').description('remove a member from a group')).action((address: string, member: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      await removeMember(store.db, address, member);
      await recordCliAction(store.db, 'group.member-remove', address, { member });
      process.stdout.write(`removed ${member} from ${address}\n`);
    }),
  );
  withCommonOptions(group.command('policy <address> <policy>').description('set who may send: anyone, members, organisation or listed'))
    .option('--allow <sender>', 'allowed senders for "listed" (repeatable; replaces the list)', collect, [])
    .action((address: string, policy: string, options: CommonOptions & { allow: string[] }) =>
      withStore(options, async (store) => {
        const sendPolicy = parseSendPolicy(policy);
        await setSendPolicy(store.db, address, sendPolicy, options.allow.length > 0 ? options.allow : undefined);
        await recordCliAction(store.db, 'group.policy', address, { sendPolicy, allowedSenders: options.allow });
        process.stdout.write(`send policy of ${address} set to ${sendPolicy}\n`);
      }),
    );
  withCommonOptions(group.command('list').description('list groups'))
    .option('--json', 'JSON output')
    .action((options: CommonOptions) =>
      withStore(options, async (store) => {
        const groups = await listGroups(store.db);
        if (options.json) return printJson(groups);
        printTable(
          ['GROUP', 'NAME', 'SEND POLICY', 'MEMBERS', 'ALIASES'],
          groups.map((g) => [g.address, g.displayName || '-', g.sendPolicy === 'listed' ? `listed: ${g.allowedSenders.join(', ') || '-'}` : g.sendPolicy, g.members.length, g.aliases.join(', ') || '-']),
        );
      }),
    );
  withCommonOptions(group.command('remove <address>').description('remove a group (its members stay)')).action((address: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      await removeGroup(store.db, address);
      await recordCliAction(store.db, 'group.remove', address);
      process.stdout.write(`removed group ${address}\n`);
    }),
  );
  return group;
}
