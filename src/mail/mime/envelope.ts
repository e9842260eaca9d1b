// IMAP ENVELOPE (RFC 9051 §7.5.2) from a header block, decoded for display and raw for the wire.
import type { Address, AddressGroup, Envelope, EnvelopeAddressField } from './types.ts';
import { firstHeader, type RawHeaderField } from './header-parser.ts';
import { decodeHeaderValue, unfold } from './encoded-words.ts';
import { flattenAddresses, parseAddressList } from './address-parser.ts';

export function buildEnvelopes(fields: RawHeaderField[]): { envelope: Envelope; rawEnvelope: Envelope } {
  return { envelope: buildEnvelope(fields, true), rawEnvelope: buildEnvelope(fields, false) };
}

type AddressList = (Address | AddressGroup)[];

// RFC 5322 allows each of these fields once; with duplicates the first one counts. (Module
// functions, not closures: tsx names every closure it creates, at a cost per message.)
function fieldText(fields: RawHeaderField[], key: string, decode: boolean): string | null {
  const value = firstHeader(fields, key);
  if (value === null) return null;
  return decode ? decodeHeaderValue(value) : unfold(value).trim();
}

function fieldAddresses(fields: RawHeaderField[], key: string, decode: boolean): AddressList {
  const value = firstHeader(fields, key);
  return value === null ? [] : parseAddressList(value, decode);
}

function buildEnvelope(fields: RawHeaderField[], decode: boolean): Envelope {
  const from = fieldAddresses(fields, 'from', decode);
  const sender = fieldAddresses(fields, 'sender', decode);
  const replyTo = fieldAddresses(fields, 'reply-to', decode);
  const lists: Record<EnvelopeAddressField, AddressList> = {
    from,
    // RFC 9051 §7.5.2: an absent or empty Sender or Reply-To is given the value of From. A field
    // holding only an empty group is not empty: it says something, and Dovecot sends it as written.
    sender: sender.length > 0 ? sender : from,
    replyTo: replyTo.length > 0 ? replyTo : from,
    to: fieldAddresses(fields, 'to', decode),
    cc: fieldAddresses(fields, 'cc', decode),
    bcc: fieldAddresses(fields, 'bcc', decode),
  };
  const envelope: Envelope = {
    date: fieldText(fields, 'date', decode),
    subject: fieldText(fields, 'subject', decode),
    from: flattenAddresses(lists.from),
    sender: flattenAddresses(lists.sender),
    replyTo: flattenAddresses(lists.replyTo),
    to: flattenAddresses(lists.to),
    cc: flattenAddresses(lists.cc),
    bcc: flattenAddresses(lists.bcc),
    inReplyTo: rawText(fields, 'in-reply-to'),
    messageId: rawText(fields, 'message-id'),
  };
  const groups = groupedFields(lists);
  if (groups) envelope.groups = groups;
  return envelope;
}

// Only the fields that hold a group are kept a second time, so the stored JSON of ordinary mail
// does not grow.
function groupedFields(lists: Record<EnvelopeAddressField, AddressList>): Envelope['groups'] {
  let groups: Envelope['groups'];
  for (const field of Object.keys(lists) as EnvelopeAddressField[]) {
    if (!lists[field].some((item) => 'group' in item)) continue;
    groups ??= {};
    groups[field] = lists[field];
  }
  return groups;
}

// Message ids are not text for display; both envelopes carry them as written.
function rawText(fields: RawHeaderField[], key: string): string | null {
  const value = firstHeader(fields, key);
  return value === null ? null : unfold(value).trim();
}
