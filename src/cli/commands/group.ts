import { Command } from 'commander';

import { addGroup, addGroupMember, getGroup, listGroupMembers, listGroups, removeGroup, removeGroupMember, setGroupSendPolicy } from '../../admin/groups.ts';
import { parseSendPolicy, type GroupSummary } from '../../directory/groups.ts';
import { collect, type CommonOptions, printJson, printTable, withAdmin, withCommonOptions } from '../context.ts';


function policyText(g: GroupSummary): string {
  return g.sendPolicy === 'listed' ? `listed: ${g.allowedSenders.join(', ') || '-'}` : g.sendPolicy;
}

export function groupCommand(): Command {
  const group = new Command('group').description('groups (distribution lists): one address that delivers to its members');
  withCommonOptions(group.command('add <address>').description('add a group'))
    .option('--name <display name>', 'display name')
    .option('--member <member>', 'a user or group address, or unit:PATH for everyone in an org unit (repeatable)', collect, [])
    .option('--send-policy <policy>', 'who may send to it: anyone, members, organisation or listed', 'anyone')
    .option('--allow <sender>', 'a sender allowed under --send-policy listed (repeatable)', collect, [])
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions & { name?: string; member: string[]; sendPolicy: string; allow: string[] }) =>
      withAdmin(options, async (ctx) => {
        const sendPolicy = parseSendPolicy(options.sendPolicy);
        const added = await addGroup(ctx, { address, displayName: options.name, members: options.member, sendPolicy, allowedSenders: options.allow });
        if (options.json) return printJson(added);
        process.stdout.write(`added group ${added.address} (${options.member.length} members, send policy ${sendPolicy})\n`);
      }),
    );
  withCommonOptions(group.command('show <address>').description('a group with its members, aliases and send policy'))
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const found = await getGroup(ctx, { group: address });
        if (options.json) return printJson(found);
        process.stdout.write(`group:       ${found.address}\nname:        ${found.displayName || '-'}\naliases:     ${found.aliases.join(', ') || '-'}\nsend policy: ${policyText(found)}\nmembers:     ${found.members.join(', ') || '-'}\n`);
      }),
    );
  withCommonOptions(group.command('members <address>').description('list a group\'s members'))
    .option('--expand', 'every person it delivers to, through nested groups')
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions & { expand?: boolean }) =>
      withAdmin(options, async (ctx) => {
        const members = await listGroupMembers(ctx, { group: address, expand: options.expand });
        if (options.json) return printJson(members);
        printTable(['MEMBER', 'KIND', 'NAME'], members.map((m) => [m.address, m.kind, m.displayName || '-']));
      }),
    );
  withCommonOptions(group.command('member-add <address> <member>').description('add a user, a group or unit:PATH to a group')).action((address: string, member: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      await addGroupMember(ctx, { group: address, member });
      process.stdout.write(`added ${member} to ${address}\n`);
    }),
  );
  withCommonOptions(group.command('member-remove <address> <member>').description('remove a member from a group')).action((address: string, member: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      await removeGroupMember(ctx, { group: address, member });
      process.stdout.write(`removed ${member} from ${address}\n`);
    }),
  );
  withCommonOptions(group.command('policy <address> <policy>').description('set who may send: anyone, members, organisation or listed'))
    .option('--allow <sender>', 'allowed senders for "listed" (repeatable; replaces the list)', collect, [])
    .action((address: string, policy: string, options: CommonOptions & { allow: string[] }) =>
      withAdmin(options, async (ctx) => {
        const sendPolicy = parseSendPolicy(policy);
        await setGroupSendPolicy(ctx, { group: address, sendPolicy, allowedSenders: options.allow.length > 0 ? options.allow : undefined });
        process.stdout.write(`send policy of ${address} set to ${sendPolicy}\n`);
      }),
    );
  withCommonOptions(group.command('list').description('list groups'))
    .option('--domain <domain>', 'only this domain')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { domain?: string }) =>
      withAdmin(options, async (ctx) => {
        const groups = await listGroups(ctx, { domain: options.domain });
        if (options.json) return printJson(groups);
        printTable(['GROUP', 'NAME', 'SEND POLICY', 'MEMBERS', 'ALIASES'], groups.map((g) => [g.address, g.displayName || '-', policyText(g), g.members.length, g.aliases.join(', ') || '-']));
      }),
    );
  withCommonOptions(group.command('remove <address>').description('remove a group (its members stay)')).action((address: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      await removeGroup(ctx, { group: address });
      process.stdout.write(`removed group ${address}\n`);
    }),
  );
  return group;
}
