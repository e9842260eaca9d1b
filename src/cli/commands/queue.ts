import { Command } from 'commander';

import { listQueue, removeFromQueue, retryNow } from '../../delivery/outbound-queue.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { formatBytes, printJson, printTable, withCommonOptions, withStore, type CommonOptions } from '../context.ts';

function queueId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0) throw new DirectoryError('invalid', `not a queue id: ${value}`, 'id');
  return id;
}

export function queueCommand(): Command {
  const queue = new Command('queue').description('the outbound mail queue');
  withCommonOptions(queue.command('list').description('messages waiting to be sent'))
    .option('--json', 'JSON output')
    .action((options: CommonOptions) =>
      withStore(options, async (store) => {
        const entries = await listQueue(store.db);
        if (options.json) return printJson(entries);
        if (entries.length === 0) return void process.stdout.write('the queue is empty\n');
        printTable(
          ['ID', 'FROM', 'TO', 'SIZE', 'STATUS', 'TRIES', 'NEXT', 'LAST ERROR'],
          entries.flatMap((e) =>
            e.recipients.map((r) => [e.id, e.sender || '<>', r.address, formatBytes(e.size), r.status, r.attempts, r.status === 'pending' ? new Date(r.nextAttemptAt).toISOString() : '-', r.lastError ?? '-']),
          ),
        );
      }),
    );
  withCommonOptions(queue.command('retry [id]').description('try now instead of waiting (one message, or all)')).action((id: string | undefined, options: CommonOptions) =>
    withStore(options, async (store) => {
      const count = await retryNow(store.db, id === undefined ? undefined : queueId(id));
      process.stdout.write(`${count} recipient(s) due now; a running server sends them at its next pass\n`);
    }),
  );
  withCommonOptions(queue.command('remove <id>').description('drop a message from the queue without a bounce')).action((id: string, options: CommonOptions) =>
    withStore(options, async (store) => {
      if (!(await removeFromQueue(store.db, queueId(id)))) throw new DirectoryError('not_found', `no queued message ${id}`, 'id');
      process.stdout.write(`removed queued message ${id}\n`);
    }),
  );
  return queue;
}
