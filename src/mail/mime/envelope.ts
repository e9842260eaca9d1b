// IMAP ENVELOPE (RFC 9051 §7.5.2) from a header block, decoded for display and raw for the wire.
import type { Address, Envelope } from './types.ts';
import { firstHeader, type RawHeaderField } from './header-parser.ts';
import { decodeHeaderValue, unfold } from './encoded-words.ts';
import { flattenAddresses, parseAddressList } from './address-parser.ts';

export function buildEnvelopes(fields: RawHeaderField[]): { envelope: Envelope; rawEnvelope: Envelope } {
  return { envelope: buildEnvelope(fields, true), rawEnvelope: buildEnvelope(fields, false) };
}

function buildEnvelope(fields: RawHeaderField[], decode: boolean): Envelope {
  // RFC 5322 allows each of these fields once; with duplicates the first one counts.
  const text = (key: string): string | null => {
    const value = firstHeader(fields, key);
    if (value === null) return null;
    return decode ? decodeHeaderValue(value) : unfold(value).trim();
  };
  const addresses = (key: string): Address[] => {
    const value = firstHeader(fields, key);
    return value === null ? [] : flattenAddresses(parseAddressList(value, decode));
  };
  const from = addresses('from');
  const sender = addresses('sender');
  const replyTo = addresses('reply-to');
  return {
    date: text('date'),
    subject: text('subject'),
    from,
    // RFC 9051 §7.5.2: an absent or empty Sender or Reply-To is given the value of From.
    sender: sender.length > 0 ? sender : from,
    replyTo: replyTo.length > 0 ? replyTo : from,
    to: addresses('to'),
    cc: addresses('cc'),
    bcc: addresses('bcc'),
    inReplyTo: rawText(fields, 'in-reply-to'),
    messageId: rawText(fields, 'message-id'),
  };
}

// Message ids are not text for display; both envelopes carry them as written.
function rawText(fields: RawHeaderField[], key: string): string | null {
  const value = firstHeader(fields, key);
  return value === null ? null : unfold(value).trim();
}
