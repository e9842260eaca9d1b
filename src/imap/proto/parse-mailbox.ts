// Mailbox commands with structured arguments: SELECT/EXAMINE parameters (RFC 7162), CREATE
// (RFC 6154 USE), LIST (RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154), STATUS and
// APPEND (RFC 3502 MULTIAPPEND, RFC 3516 BINARY, RFC 6855 UTF8).
import type { AppendMessage, Command, ListCommand, StatusItem } from './types.ts';
import { parseDateTime } from './dates.ts';
import type { Reader } from './tokenizer.ts';

const STATUS_ITEMS: readonly StatusItem[] = ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'RECENT', 'HIGHESTMODSEQ', 'APPENDLIMIT', 'MAILBOXID'];

const SPECIAL_USES = ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash', '\\Important'];

type Qresync = NonNullable<Extract<Command, { condstore: boolean }>['qresync']>;

const SELECTION_OPTIONS = ['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'];

export function parseSelect(r: Reader, name: 'SELECT' | 'EXAMINE'): Command {
  r.sp('mailbox name');
  const mailbox = r.mailbox();
  let condstore = false;
  let qresync: Qresync | undefined;
  if (r.more()) {
    r.list(
      () => {
        const param = r.atom('select parameter').toUpperCase();
        if (param === 'CONDSTORE') condstore = true;
        else if (param === 'QRESYNC') {
          r.sp('QRESYNC parameters');
          qresync = parseQresync(r);
        } else r.fail(`Unknown ${name} parameter ${param}`);
      },
      false,
      `${name} parameters`,
    );
  }
  r.expectEnd();
  return { name, mailbox, condstore, qresync };
}

// RFC 7162 §3.2.5: "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")".
function parseQresync(r: Reader): Qresync {
  r.expectChar(0x28, '"(" to start the QRESYNC parameters');
  const uidvalidity = r.number32('UIDVALIDITY');
  if (uidvalidity === 0) r.fail('Invalid UIDVALIDITY: must not be 0');
  r.sp('mod-sequence in QRESYNC');
  const modseq = r.modSequence();
  const result: Qresync = { uidvalidity, modseq };
  if (r.peek() === 0x20) {
    r.sp();
    if (r.peek() !== 0x28) {
      result.knownUids = r.sequenceSet();
      if (r.peek() === 0x20) r.sp();
    }
    if (r.peek() === 0x28) {
      r.pos++;
      const seqs = r.sequenceSet();
      r.sp('known UIDs in the sequence match data');
      const uids = r.sequenceSet();
      r.expectChar(0x29, '")" to end the sequence match data');
      result.seqMatch = { seqs, uids };
    }
  }
  r.expectChar(0x29, '")" to end the QRESYNC parameters');
  return result;
}

export function parseCreate(r: Reader): Command {
  r.sp('mailbox name');
  const mailbox = r.mailbox();
  const specialUse: string[] = [];
  if (r.more()) {
    r.list(
      () => {
        const param = r.atom('CREATE parameter').toUpperCase();
        if (param !== 'USE') r.fail(`Unknown CREATE parameter ${param}`);
        r.sp('special-use list');
        for (const flag of r.flagList()) {
          const known = SPECIAL_USES.find((s) => s.toLowerCase() === flag.toLowerCase());
          // RFC 6154 §3: an unknown special use is refused with NO [USEATTR], which is the session's call.
          specialUse.push(known ?? flag);
        }
      },
      false,
      'CREATE parameters',
    );
  }
  r.expectEnd();
  return { name: 'CREATE', mailbox, specialUse };
}

function statusItem(r: Reader): StatusItem {
  const item = r.atom('status item').toUpperCase() as StatusItem;
  if (!STATUS_ITEMS.includes(item)) r.fail(`Unknown status item ${item}`);
  return item;
}

export function parseStatus(r: Reader): Command {
  r.sp('mailbox name');
  const mailbox = r.mailbox();
  r.sp('status items');
  const items = r.list(() => statusItem(r), false, 'status item list');
  r.expectEnd();
  return { name: 'STATUS', mailbox, items };
}

export function parseList(r: Reader): ListCommand {
  const command: ListCommand = {
    name: 'LIST',
    reference: '',
    patterns: [],
    selection: [],
    returnSubscribed: false,
    returnChildren: false,
    returnSpecialUse: false,
    extended: false,
  };
  r.sp('reference name');
  if (r.peek() === 0x28) {
    command.extended = true;
    command.selection = r.list(
      () => {
        const option = r.atom('selection option').toUpperCase();
        if (!SELECTION_OPTIONS.includes(option)) r.fail(`Unknown LIST selection option ${option}`);
        return option;
      },
      true,
      'selection options',
    );
    // RFC 5258 §3: RECURSIVEMATCH only refines another option.
    if (command.selection.includes('RECURSIVEMATCH') && command.selection.every((o) => o === 'RECURSIVEMATCH' || o === 'REMOTE')) {
      r.fail('RECURSIVEMATCH needs another selection option such as SUBSCRIBED');
    }
    r.sp('reference name');
  }
  command.reference = r.reference();
  r.sp('mailbox pattern');
  if (r.peek() === 0x28) {
    command.extended = true;
    command.patterns = r.list(() => r.listMailbox(), false, 'pattern list');
  } else {
    command.patterns = [r.listMailbox()];
  }
  if (r.more()) {
    if (!r.peekWord('RETURN')) r.fail(`Expected RETURN before ${r.excerpt()}`);
    r.pos += 'RETURN'.length;
    r.sp('return options');
    command.extended = true;
    r.list(
      () => {
        const option = r.atom('return option').toUpperCase();
        if (option === 'SUBSCRIBED') command.returnSubscribed = true;
        else if (option === 'CHILDREN') command.returnChildren = true;
        else if (option === 'SPECIAL-USE') command.returnSpecialUse = true;
        else if (option === 'STATUS') {
          r.sp('status items');
          command.returnStatus = r.list(() => statusItem(r), false, 'status item list');
        } else r.fail(`Unknown LIST return option ${option}`);
      },
      true,
      'return options',
    );
  }
  r.expectEnd();
  return command;
}

export function parseAppend(r: Reader): Command {
  r.sp('mailbox name');
  const mailbox = r.mailbox();
  const messages: AppendMessage[] = [];
  // RFC 3502: one or more messages, each with its own flags and date.
  do {
    r.sp(messages.length === 0 ? 'message literal' : undefined);
    const message: AppendMessage = { flags: [], data: Buffer.alloc(0), binary: false };
    if (r.peek() === 0x28) {
      message.flags = r.flagList();
      r.sp('message literal');
    }
    if (r.peek() === 0x22) {
      const text = r.string('date-time');
      const date = parseDateTime(text);
      if (date === null) r.fail(`Invalid date-time "${text}" (expected e.g. "17-Jul-1996 02:44:25 -0700")`);
      message.date = date;
      r.sp('message literal');
    }
    // RFC 6855 §4: `UTF8 (literal8)` carries a message with UTF-8 headers.
    if (r.peekWord('UTF8')) {
      r.pos += 4;
      r.sp('UTF8 message literal');
      r.expectChar(0x28, '"(" after UTF8');
      Object.assign(message, r.appendData());
      r.expectChar(0x29, '")" after the UTF8 message literal');
    } else {
      Object.assign(message, r.appendData());
    }
    messages.push(message);
  } while (!r.atEnd());
  return { name: 'APPEND', mailbox, messages };
}
