import type { MailboxInfo } from '../../mail/mail-store.ts';
import { HIERARCHY_SEPARATOR, mailboxInfo } from '../../mail/mailboxes.ts';
import type { MailboxAccess } from '../../mail/shared-access.ts';
import { matchesListPattern } from '../proto/mailbox-name.ts';
import type { ImapValue } from '../proto/serializer.ts';
import type { CommandOf, ListCommand } from '../proto/types.ts';
import type { ImapSession } from '../session.ts';
import type { Handler } from './index.ts';
import { statusResponse } from './status.ts';

/** Old Outlook's XLIST (Gmail's pre-RFC 6154 extension) names for special uses. */
const XLIST_NAMES: Record<string, string> = { '\\All': '\\AllMail', '\\Junk': '\\Spam' };

interface Listed {
  name: string;
  mailbox: MailboxInfo | null;
  subscribed: boolean;
  hasChildren: boolean;
  /** A parent listed only because a child matched the selection (RFC 5258 RECURSIVEMATCH). */
  childInfo: boolean;
}

/**
 * Every name in the account's tree: mailboxes, their superiors that do not exist themselves, and
 * subscribed names whether or not a mailbox has them (RFC 9051 §6.3.7).
 */
function hierarchy(mailboxes: MailboxInfo[], subscriptions: Set<string>): Map<string, Listed> {
  const names = new Map<string, Listed>();
  const entry = (name: string): Listed => {
    let found = names.get(name);
    if (!found) {
      found = { name, mailbox: null, subscribed: subscriptions.has(name), hasChildren: false, childInfo: false };
      names.set(name, found);
    }
    return found;
  };
  for (const mailbox of mailboxes) entry(mailbox.name).mailbox = mailbox;
  for (const name of subscriptions) entry(name);
  for (const mailbox of mailboxes) {
    const parts = mailbox.name.split(HIERARCHY_SEPARATOR);
    for (let i = 1; i < parts.length; i++) entry(parts.slice(0, i).join(HIERARCHY_SEPARATOR)).hasChildren = true;
  }
  return names;
}

/**
 * The user's tree: their own mailboxes and, under `Shared/<owner>/`, every mailbox others let
 * them look up (RFC 4314 l right); `shared` maps those mailboxes' ids to their owner and rights.
 * A shared mailbox never carries its special use: a client would file its own drafts or sent
 * mail into the team's folder.
 */
async function visibleTree(session: ImapSession): Promise<{ tree: Map<string, Listed>; shared: Map<number, MailboxAccess> }> {
  const { mail } = session.services;
  const subscriptions = await mail.listSubscriptions(session.accountId);
  const accesses = await mail.access.sharedWith(session.accountId);
  const others = accesses.map((a) => ({ ...mailboxInfo(a.mailbox, subscriptions), name: a.name, specialUse: null, subscribed: subscriptions.has(a.name) }));
  const tree = hierarchy([...(await mail.listMailboxes(session.accountId)), ...others], subscriptions);
  return { tree, shared: new Map(accesses.map((a) => [Number(a.mailbox.id), a])) };
}

/** Names that are only subscriptions, without a mailbox or a mailbox below them: shown only when asking for subscriptions. */
function onlySubscribed(entry: Listed): boolean {
  return !entry.mailbox && !entry.hasChildren;
}

function matchesAny(name: string, reference: string, patterns: string[]): boolean {
  return patterns.some((pattern) => matchesListPattern(name, reference, pattern, HIERARCHY_SEPARATOR));
}

/** LIST (RFC 9051 §6.3.9) with LIST-EXTENDED, SPECIAL-USE, LIST-STATUS. */
export const list: Handler<ListCommand> = async (session, command) => {
  if (!command.extended && command.patterns.length === 1 && command.patterns[0] === '') {
    session.send(['LIST', [{ raw: '\\Noselect' }], { quoted: HIERARCHY_SEPARATOR }, { quoted: '' }]);
    return { status: 'OK', text: 'LIST completed' };
  }
  const { tree, shared } = await visibleTree(session);
  const subscribedOnly = command.selection.includes('SUBSCRIBED');
  const specialOnly = command.selection.includes('SPECIAL-USE');
  const recursive = command.selection.includes('RECURSIVEMATCH');
  const selected = (entry: Listed) => (!subscribedOnly || entry.subscribed) && (!specialOnly || !!entry.mailbox?.specialUse);
  const matches = (name: string) => matchesAny(name, command.reference, command.patterns);

  const results: Listed[] = [];
  for (const entry of [...tree.values()].sort((a, b) => compareNames(a.name, b.name))) {
    if (!matches(entry.name)) continue;
    if (selected(entry)) {
      if (onlySubscribed(entry) && !subscribedOnly) continue;
      // A name that exists only as a superior is listed for `%` (RFC 9051 §6.3.9), not for `*`.
      if (!entry.mailbox && !entry.subscribed && !(entry.hasChildren && command.patterns.some((p) => p.endsWith('%')))) continue;
      results.push(entry);
    } else if (recursive && hasSelectedDescendant(tree, entry.name, (child) => selected(child) && !matches(child.name))) {
      // RFC 5258 §3.5: CHILDINFO tells of selected descendants the pattern itself does not reach.
      results.push({ ...entry, childInfo: true });
    }
  }
  for (const entry of results) {
    const attributes: string[] = [];
    if (!entry.mailbox) attributes.push(command.extended ? '\\NonExistent' : '\\Noselect');
    // CHILDREN (RFC 3348) and SPECIAL-USE attributes are always sent: cheap here, and old clients rely on them without asking.
    attributes.push(entry.hasChildren ? '\\HasChildren' : '\\HasNoChildren');
    if ((command.returnSubscribed || subscribedOnly) && entry.subscribed && !entry.childInfo) attributes.push('\\Subscribed');
    if (entry.mailbox?.specialUse) attributes.push(entry.mailbox.specialUse);
    const line: ImapValue[] = ['LIST', attributes.map((a) => ({ raw: a })), { quoted: HIERARCHY_SEPARATOR }, session.mailboxName(entry.name)];
    if (entry.childInfo) line.push([{ quoted: 'CHILDINFO' }, [{ quoted: 'SUBSCRIBED' }]]);
    session.send(line);
    if (command.returnStatus && entry.mailbox) {
      // RFC 5819 §2: no STATUS for a mailbox the user may not read.
      const access = shared.get(entry.mailbox.id);
      if (!access) session.send(await statusResponse(session, session.accountId, entry.mailbox.id, entry.name, command.returnStatus));
      else if (access.rights.includes('r')) session.send(await statusResponse(session, access.accountId, entry.mailbox.id, entry.name, command.returnStatus));
    }
  }
  return { status: 'OK', text: 'LIST completed' };
};

function hasSelectedDescendant(tree: Map<string, Listed>, name: string, selected: (entry: Listed) => boolean): boolean {
  const prefix = name + HIERARCHY_SEPARATOR;
  for (const entry of tree.values()) if (entry.name.startsWith(prefix) && selected(entry)) return true;
  return false;
}

/** INBOX first, then the rest in code-point order: what clients show when they do not sort. */
function compareNames(a: string, b: string): number {
  if (a === 'INBOX') return -1;
  if (b === 'INBOX') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** LSUB (RFC 3501) and XLIST: older clients' ways to ask for subscriptions and special folders. */
export const lsub: Handler<CommandOf<'LSUB' | 'XLIST'>> = async (session, command) => {
  const { tree } = await visibleTree(session);
  for (const entry of [...tree.values()].sort((a, b) => compareNames(a.name, b.name))) {
    if (!matchesListPattern(entry.name, command.reference, command.pattern, HIERARCHY_SEPARATOR)) continue;
    const attributes: string[] = [];
    if (command.name === 'LSUB') {
      if (!entry.subscribed) {
        // RFC 3501 §6.3.9: a `%` match on an unsubscribed parent of subscribed children is shown \Noselect.
        if (!(command.pattern.endsWith('%') && hasSelectedDescendant(tree, entry.name, (e) => e.subscribed))) continue;
        attributes.push('\\Noselect');
      }
    } else {
      if (onlySubscribed(entry)) continue;
      if (!entry.mailbox) attributes.push('\\Noselect');
      attributes.push(entry.hasChildren ? '\\HasChildren' : '\\HasNoChildren');
      if (entry.name === 'INBOX') attributes.push('\\Inbox');
      const use = entry.mailbox?.specialUse;
      if (use) attributes.push(XLIST_NAMES[use] ?? use);
    }
    session.send([command.name, attributes.map((a) => ({ raw: a })), { quoted: HIERARCHY_SEPARATOR }, session.mailboxName(entry.name)]);
  }
  return { status: 'OK', text: `${command.name} completed` };
};
