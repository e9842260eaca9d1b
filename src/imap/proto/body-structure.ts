// ENVELOPE and BODY/BODYSTRUCTURE values (RFC 9051 §7.5.2 and the `body` grammar in §9).
import type { Address, AddressGroup, BodyPart, Envelope, EnvelopeAddressField } from '../../mail/mime/types.ts';
import type { ImapValue } from './serializer.ts';

function nstr(s: string | null): ImapValue {
  return s === null ? null : { string: s };
}

function addressValue(address: Address): ImapValue {
  const at = address.address.lastIndexOf('@');
  const mailbox = at >= 0 ? address.address.slice(0, at) : address.address;
  const host = at >= 0 ? address.address.slice(at + 1) : '';
  // A NIL host means group syntax (RFC 9051 §7.5.2), so a domainless address gets a placeholder
  // host as Dovecot does, rather than being misread as the start of a group.
  return [nstr(address.name || null), nstr(address.route ?? null), nstr(mailbox || 'MISSING_MAILBOX'), nstr(host || 'MISSING_DOMAIN')];
}

// RFC 9051 §7.5.2: a group is a start marker with the group name as mailbox and a NIL host,
// its members, then an end marker with NIL mailbox and host.
const GROUP_END: ImapValue = [null, null, null, null];

function addressItems(list: (Address | AddressGroup)[]): ImapValue[] {
  return list.flatMap((item): ImapValue[] =>
    'group' in item ? [[null, null, { string: item.group }, null], ...item.members.map(addressValue), GROUP_END] : [addressValue(item)],
  );
}

// RFC 9051 §9 `env-from = "(" 1*address ")" / nil`: addresses follow each other without spaces.
function addressList(list: (Address | AddressGroup)[]): ImapValue {
  return list.length === 0 ? null : [{ adjacent: addressItems(list) }];
}

/**
 * The ENVELOPE of a raw (not RFC 2047-decoded) envelope: IMAP clients decode encoded words themselves.
 * Fields with groups come from `groups`; envelopes stored before it existed render flattened.
 */
export function envelopeValue(env: Envelope): ImapValue {
  const field = (name: EnvelopeAddressField): ImapValue => addressList(env.groups?.[name] ?? env[name]);
  return [
    nstr(env.date),
    nstr(env.subject),
    field('from'),
    field('sender'),
    field('replyTo'),
    field('to'),
    field('cc'),
    field('bcc'),
    nstr(env.inReplyTo),
    nstr(env.messageId),
  ];
}

// The parameters as written (RFC 2231 ones undecoded, as Dovecot sends them); the decoded
// `params` only for structures stored before the parser kept them.
function paramList(params: Record<string, string>, rawParams: [string, string][] | undefined): ImapValue {
  const entries = rawParams ?? Object.entries(params);
  if (entries.length === 0) return null;
  return entries.flatMap(([name, value]): ImapValue[] => [{ string: name }, { string: value }]);
}

function dispositionValue(part: BodyPart): ImapValue {
  if (!part.disposition) return null;
  return [{ string: part.disposition.type }, paramList(part.disposition.params, part.disposition.rawParams)];
}

function languageValue(language: string[] | null): ImapValue {
  if (!language || language.length === 0) return null;
  return language.length === 1 ? { string: language[0] } : language.map((l): ImapValue => ({ string: l }));
}

// RFC 2045 §5.2: a text part without parameters is us-ascii, and clients rely on seeing it.
/** A text part without a charset is us-ascii (RFC 2045 §5.2); saying so spares clients the guess, as Dovecot does. */
function bodyParams(part: BodyPart): ImapValue {
  if (part.type !== 'text' || 'charset' in part.params) return paramList(part.params, part.rawParams);
  const raw = part.rawParams ?? Object.entries(part.params);
  return paramList({ charset: 'us-ascii', ...part.params }, [['charset', 'us-ascii'], ...raw]);
}

function bodyFields(part: BodyPart): ImapValue[] {
  return [bodyParams(part), nstr(part.id), nstr(part.description), { string: part.encoding }, part.size];
}

// Dovecot answers a multipart without any parts (only from broken input) with one empty
// text/plain child, because the grammar requires at least one body in a multipart.
const EMPTY_TEXT_PART: BodyPart = {
  headerStart: 0,
  bodyStart: 0,
  end: 0,
  type: 'text',
  subtype: 'plain',
  params: {},
  id: null,
  description: null,
  encoding: '7bit',
  size: 0,
  lines: 0,
  md5: null,
  disposition: null,
  language: null,
  location: null,
  parts: [],
};

const EMPTY_ENVELOPE: ImapValue = [null, null, null, null, null, null, null, null, null, null];

/** `BODY` (extended false) or `BODYSTRUCTURE` (extended true) of a part and its descendants. */
export function bodyStructureValue(part: BodyPart, extended: boolean): ImapValue {
  if (part.type === 'multipart') {
    const children = part.parts.length > 0 ? part.parts : [EMPTY_TEXT_PART];
    // RFC 9051 §9 `body-type-mpart = 1*body SP media-subtype`: no space between the children.
    const value: ImapValue[] = [{ adjacent: children.map((c) => bodyStructureValue(c, extended)) }, { string: part.subtype }];
    if (extended) value.push(paramList(part.params, part.rawParams), dispositionValue(part), languageValue(part.language), nstr(part.location));
    return value;
  }
  const value: ImapValue[] = [{ string: part.type }, { string: part.subtype }, ...bodyFields(part)];
  if (part.type === 'message' && (part.subtype === 'rfc822' || part.subtype === 'global')) {
    // The grammar requires an envelope and body after message/rfc822 even when the part is
    // encoded and so was not parsed: an empty envelope and empty text body, as Dovecot sends.
    const envelope = part.message ? envelopeValue(part.message.rawEnvelope) : EMPTY_ENVELOPE;
    const body = part.message ? bodyStructureValue(part.message.body, extended) : bodyStructureValue(EMPTY_TEXT_PART, extended);
    value.push(envelope, body, part.lines);
  } else if (part.type === 'text') {
    value.push(part.lines);
  }
  if (extended) value.push(nstr(part.md5), dispositionValue(part), languageValue(part.language), nstr(part.location));
  return value;
}
