import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** Real folders only: \\All and \\Flagged describe virtual mailboxes, which we do not have. */
const SPECIAL_USES = new Set(['\\Archive', '\\Drafts', '\\Important', '\\Junk', '\\Sent', '\\Trash']);

/**
 * CREATE with RFC 6154 USE; superior names are created too. Inside a shared mailbox it needs the
 * k right on the parent (RFC 4314 §4) and the new mailbox is shared as its parent is.
 */
export const create: Handler<CommandOf<'CREATE'>> = async (session, command) => {
  if (command.specialUse.length > 1) return { status: 'NO', code: 'USEATTR', text: 'One special-use attribute per mailbox' };
  const use = command.specialUse[0];
  const canonical = use ? [...SPECIAL_USES].find((u) => u.toLowerCase() === use.toLowerCase()) : undefined;
  if (use && !canonical) return { status: 'NO', code: 'USEATTR', text: `Unsupported special-use attribute ${use}` };
  if (command.mailbox.toUpperCase() === 'INBOX') return { status: 'NO', code: 'ALREADYEXISTS', text: 'INBOX always exists' };
  const { mail } = session.services;
  const target = await mail.access.creationTarget(session.accountId, command.mailbox);
  if (target.parent && canonical) return { status: 'NO', code: 'USEATTR', text: 'Special uses are for your own mailboxes' };
  const created = await mail.createMailbox(target.accountId, target.folder, canonical ?? null);
  if (target.parent) await mail.access.inheritAcl(target.parent.mailbox.id, [created.id]);
  return { status: 'OK', text: 'CREATE completed' };
};
