import { Command, Option } from 'commander';

import { exportAudit, listAudit, type AuditQuery } from '../../admin/audit.ts';
import { csvHeader, csvLine } from '../../directory/audit.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { printJson, printTable, withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';

interface FilterOptions extends CommonOptions {
  since?: string;
  until?: string;
  action?: string;
  actor?: string;
  limit?: string;
  tenant?: string;
}

function withFilterOptions(command: Command): Command {
  return withCommonOptions(command)
    .option('--since <time>', 'from this date or time on (e.g. 2026-11-01 or 2026-11-01T08:00:00Z; a bare date is UTC)')
    .option('--until <time>', 'before this date or time')
    .option('--action <action>', 'only this action (e.g. login.failure, user.add)')
    .option('--actor <actor>', 'only this actor (a login, or cli:<os user>)')
    .option('--tenant <name>', 'only this tenant\'s records')
    .option('--limit <n>', 'at most this many records');
}

function toQuery(options: FilterOptions): AuditQuery {
  if (options.limit !== undefined && !/^\d+$/.test(options.limit)) throw new DirectoryError('invalid', `--limit: not a number: ${options.limit}`, 'limit');
  return {
    since: options.since,
    until: options.until,
    action: options.action,
    actor: options.actor,
    tenant: options.tenant,
    limit: options.limit === undefined ? undefined : Number(options.limit),
  };
}

/** Waits for stdout to drain, so an export of millions of records stays within a page of memory. */
function write(text: string): Promise<void> | void {
  if (process.stdout.write(text)) return;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

export function auditCommand(): Command {
  const audit = new Command('audit').description('the audit log: admin actions and logins');
  withFilterOptions(audit.command('list').description('list audit records, newest first (default: the last 100)'))
    .option('--json', 'JSON output')
    .action((options: FilterOptions) =>
      withAdmin(options, async (ctx) => {
        const records = await listAudit(ctx, toQuery(options));
        if (options.json) return printJson(records);
        printTable(
          ['TIME', 'ACTOR', 'ACTION', 'TARGET', 'FROM', 'DETAILS'],
          records.map((r) => [r.at, r.actor, r.action, r.target ?? '-', [r.protocol, r.remoteAddress].filter(Boolean).join(' ') || '-', Object.keys(r.details).length ? JSON.stringify(r.details) : '-']),
        );
      }),
    );
  withFilterOptions(audit.command('export').description('write every matching record to standard output, newest first'))
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .action((options: FilterOptions & { format: 'jsonl' | 'csv' }) =>
      withAdmin(options, async (ctx) => {
        const records = await exportAudit(ctx, toQuery(options));
        if (options.format === 'csv') await write(csvHeader());
        for await (const record of records) {
          await write(options.format === 'csv' ? csvLine(record) : `${JSON.stringify(record)}\n`);
        }
      }),
    );
  return audit;
}
