import { Command } from 'commander';

import { findUser } from '../../directory/users.ts';
import { ChangeBus } from '../../events/change-bus.ts';
import { MailError } from '../../mail/errors.ts';
import { MailStore } from '../../mail/mail-store.ts';
import { formatBytes, printJson, printTable, withCommonOptions, withStore, type CommonOptions } from '../context.ts';

export function mailCommand(): Command {
  const mail = new Command('mail').description('look into mailboxes (for admins and scripts)');
  withCommonOptions(mail.command('list <address>').description('messages in a mailbox: uid, date, from, subject, flags, size'))
    .option('--mailbox <name>', 'mailbox name', 'INBOX')
    .option('--json', 'JSON output')
    .action((address: string, options: CommonOptions & { mailbox: string }) =>
      withStore(options, async (store) => {
        const user = await findUser(store.db, address);
        const entries = await new MailStore(store, new ChangeBus()).listEntries(user.id, options.mailbox);
        if (options.json) return printJson(entries);
        printTable(
          ['UID', 'DATE', 'FROM', 'SUBJECT', 'FLAGS', 'SIZE'],
          entries.map((e) => [e.uid, new Date(e.receivedAt).toISOString().slice(0, 16).replace('T', ' '), e.from.slice(0, 40), e.subject.slice(0, 60), e.flags.join(' ') || '-', formatBytes(e.size)]),
        );
      }),
    );
  withCommonOptions(mail.command('show <address> <uid>').description('print a message exactly as stored (RFC 5322 source)'))
    .option('--mailbox <name>', 'mailbox name', 'INBOX')
    .action((address: string, uid: string, options: CommonOptions & { mailbox: string }) =>
      withStore(options, async (store) => {
        const user = await findUser(store.db, address);
        const number = Number(uid);
        if (!Number.isInteger(number) || number <= 0) throw new MailError('invalid', `not a UID: ${uid}`);
        const message = await new MailStore(store, new ChangeBus()).messageAt(user.id, options.mailbox, number);
        process.stdout.write(await store.blobs.read(message.blob_hash));
      }),
    );
  return mail;
}
