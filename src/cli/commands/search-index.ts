import { Command } from 'commander';

import { rebuildSearchIndex } from '../../mail/search-index-rebuild.ts';
import { searchIndexCaughtUp, searchIndexStatus, type SearchIndexStatus } from '../../mail/search-index-status.ts';
import { formatBytes, printJson, withCommonOptions, withStore, type CommonOptions } from '../context.ts';
import { ProgressBar } from '../progress.ts';

const IN_DELIVERY = 'maintained inside each delivery (PostgreSQL): nothing is ever pending';

const indexedCount = (status: SearchIndexStatus): number => status.messages - status.notIndexed;

function printFields(fields: [string, string | number][]): void {
  const width = Math.max(...fields.map(([name]) => name.length));
  for (const [name, value] of fields) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
}

function printStatus(status: SearchIndexStatus): void {
  if (!status.deferred) {
    printFields([
      ['dialect', status.dialect],
      ['messages stored', status.messages],
      ['index', IN_DELIVERY],
    ]);
    return;
  }
  printFields([
    ['dialect', status.dialect],
    ['messages stored', status.messages],
    ['indexed through', `message id ${status.indexedThrough}`],
    ['not indexed yet', status.notIndexed],
    ['removals queued', status.removalsQueued],
    ['index file', `${status.indexFileBytes} bytes (${formatBytes(status.indexFileBytes ?? 0)})`],
  ]);
}

export function searchIndexCommand(): Command {
  const command = new Command('search-index').description('the substring search index: how far behind it is, and building it again');
  withCommonOptions(command.command('status').description('messages stored, how many are not indexed yet, expunges not yet applied, the index file\'s size'))
    .option('--json', 'JSON output')
    .action((options: CommonOptions) =>
      withStore(options, async (store) => {
        const status = await searchIndexStatus(store);
        if (options.json) return printJson(status);
        printStatus(status);
      }),
    );
  withCommonOptions(
    command
      .command('rebuild')
      .description(
        'SQLite: empty search.sqlite and index every stored message again, here, with a progress bar. ' +
          'Safe while `petrel serve` runs on the same data: an indexing batch commits only where the watermark still is, so no message is indexed twice; ' +
          'search stays correct meanwhile by reading the messages not indexed yet.',
      ),
  ).action((options: CommonOptions) =>
    withStore(options, async (store) => {
      const started = Date.now();
      const bar = new ProgressBar('messages');
      const status = await rebuildSearchIndex(store, {
        progress: (s) => bar.update(indexedCount(s), s.messages),
        log: (line) => bar.log(line),
      });
      if (!status) {
        process.stdout.write(`search index ${IN_DELIVERY}; nothing to rebuild\n`);
        return;
      }
      bar.finish(indexedCount(status), status.messages);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (searchIndexCaughtUp(status)) {
        process.stdout.write(`search index rebuilt: ${status.messages} messages in ${seconds} s, ${formatBytes(status.indexFileBytes ?? 0)}\n`);
        return;
      }
      // Mail delivered meanwhile is the running server's to index; a failure was logged above.
      process.stdout.write(
        `search index rebuilt through message id ${status.indexedThrough} in ${seconds} s; ${status.notIndexed} messages not indexed yet, ${status.removalsQueued} removals queued\n`,
      );
    }),
  );
  return command;
}
