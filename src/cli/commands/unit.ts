import { Command } from 'commander';

import { addUnit, assignUnit, listUnits, moveUnit, removeUnit, renameUnit, unitMembers, type OrgUnitNode } from '../../admin/units.ts';
import { printJson, printTable, withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';

type TenantOption = CommonOptions & { tenant?: string };

function withTenant(command: Command): Command {
  return withCommonOptions(command).option('--tenant <name>', 'the organisation (default: the default tenant)').option('--json', 'JSON output');
}

/** The tree as indented lines: `Engineering (3)` then `  Backend (2)`. */
function printTree(nodes: OrgUnitNode[], depth = 0): void {
  for (const node of nodes) {
    process.stdout.write(`${'  '.repeat(depth)}${node.name} (${node.members})\n`);
    printTree(node.children, depth + 1);
  }
}

export function unitCommand(): Command {
  const unit = new Command('unit').description('org units: the tree of departments users, shared mailboxes and groups belong to');
  withTenant(unit.command('add <path>').description('add a unit by its path, e.g. Engineering/Backend (missing parents are made too)')).action((path: string, options: TenantOption) =>
    withAdmin(options, async (ctx) => {
      const added = await addUnit(ctx, { tenant: options.tenant, path });
      if (options.json) return printJson(added);
      process.stdout.write(`added org unit ${added.path}\n`);
    }),
  );
  withTenant(unit.command('list').description('show the unit tree with each unit\'s direct member count')).action((options: TenantOption) =>
    withAdmin(options, async (ctx) => {
      const tree = await listUnits(ctx, { tenant: options.tenant });
      if (options.json) return printJson(tree);
      printTree(tree);
    }),
  );
  withTenant(unit.command('move <path> <new-parent>').description('move a unit with all its sub-units under another unit ("/" for the top)')).action(
    (path: string, parent: string, options: TenantOption) =>
      withAdmin(options, async (ctx) => {
        const moved = await moveUnit(ctx, { tenant: options.tenant, path, parent });
        if (options.json) return printJson(moved);
        process.stdout.write(`moved org unit to ${moved.path}\n`);
      }),
  );
  withTenant(unit.command('rename <path> <new-name>').description('rename a unit (its sub-units follow)')).action((path: string, name: string, options: TenantOption) =>
    withAdmin(options, async (ctx) => {
      const renamed = await renameUnit(ctx, { tenant: options.tenant, path, name });
      if (options.json) return printJson(renamed);
      process.stdout.write(`renamed org unit to ${renamed.path}\n`);
    }),
  );
  withTenant(unit.command('remove <path>').description('remove an empty unit'))
    .option('--rehome <path>', 'remove it with its sub-units, moving their members (and group memberships) to this unit ("/" for none)')
    .action((path: string, options: TenantOption & { rehome?: string }) =>
      withAdmin(options, async (ctx) => {
        const result = await removeUnit(ctx, { tenant: options.tenant, path, rehomeTo: options.rehome });
        if (options.json) return printJson(result);
        process.stdout.write(`removed org unit ${result.removed} (${result.removedUnits} unit(s), ${result.rehomedPrincipals} member(s) re-homed)\n`);
      }),
    );
  withCommonOptions(unit.command('assign <address> <path>').description('put a user, shared mailbox, group or resource into a unit ("/" for none)'))
    .option('--json', 'JSON output')
    .action((address: string, path: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const result = await assignUnit(ctx, { principal: address, path });
        if (options.json) return printJson(result);
        process.stdout.write(result.unit ? `${result.address} is in ${result.unit}\n` : `${result.address} is in no org unit\n`);
      }),
    );
  withTenant(unit.command('members <path>').description('the principals in a unit and its sub-units'))
    .option('--direct', 'only the unit itself, not its sub-units')
    .action((path: string, options: TenantOption & { direct?: boolean }) =>
      withAdmin(options, async (ctx) => {
        const members = await unitMembers(ctx, { tenant: options.tenant, path, includeSubunits: !options.direct });
        if (options.json) return printJson(members);
        printTable(['ADDRESS', 'KIND', 'NAME', 'UNIT'], members.map((m) => [m.address, m.kind, m.displayName || '-', m.unit]));
      }),
    );
  return unit;
}
