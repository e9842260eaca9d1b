// Building JMAP Email objects (RFC 8621 §4.1) from the stored message and, where needed, its parsed bytes.
import type { EmailRecord } from '../../mail/email-views.ts';
import { FLAG_ANSWERED, FLAG_DRAFT, FLAG_FLAGGED, FLAG_SEEN } from '../../mail/flags.ts';
import {
  decodeHeaderValue,
  decodePartBody,
  decodeText,
  findDisplayParts,
  parseAddressList,
  parseDate,
  parseMessageIds,
  partFilename,
  walkParts,
  type Address,
  type AddressGroup,
  type BodyPart,
  type HeaderField,
  type ParsedMessage,
} from '../../mail/mime/index.ts';
import { headerText, readHeaderBlock } from '../../mail/mime/header-parser.ts';
import { emailObjectId, mailboxObjectId, threadObjectId } from '../../mail/object-ids.ts';
import { blobIdOf } from '../blob-ids.ts';

export const EMAIL_PROPERTIES = [
  'id', 'blobId', 'threadId', 'mailboxIds', 'keywords', 'size', 'receivedAt',
  'messageId', 'inReplyTo', 'references', 'sender', 'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'sentAt',
  'hasAttachment', 'preview', 'bodyStructure', 'bodyValues', 'textBody', 'htmlBody', 'attachments', 'headers',
] as const;

/** RFC 8621 §4.2 default properties of Email/get. */
export const DEFAULT_EMAIL_PROPERTIES = [
  'id', 'blobId', 'threadId', 'mailboxIds', 'keywords', 'size', 'receivedAt', 'messageId', 'inReplyTo', 'references',
  'sender', 'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'sentAt', 'hasAttachment', 'preview', 'bodyValues', 'textBody', 'htmlBody', 'attachments',
];

export const BODY_PART_PROPERTIES = ['partId', 'blobId', 'size', 'headers', 'name', 'type', 'charset', 'disposition', 'cid', 'language', 'location', 'subParts'] as const;
export const DEFAULT_BODY_PART_PROPERTIES = ['partId', 'blobId', 'size', 'name', 'type', 'charset', 'disposition', 'cid', 'language', 'location'];

/** Properties answered from the messages row and entries alone, without reading the message. */
const CHEAP = new Set(['id', 'blobId', 'threadId', 'mailboxIds', 'keywords', 'size', 'receivedAt', 'messageId', 'inReplyTo', 'from', 'to', 'cc', 'bcc', 'subject', 'sentAt', 'hasAttachment', 'preview']);

const SYSTEM_KEYWORDS: [number, string][] = [
  [FLAG_SEEN, '$seen'],
  [FLAG_FLAGGED, '$flagged'],
  [FLAG_ANSWERED, '$answered'],
  [FLAG_DRAFT, '$draft'],
];

/** RFC 8621 §4.1.1: system flags under their $names (\Deleted has none), keywords in lower case. */
export function keywordsOf(flags: number, keywords: readonly string[]): Record<string, true> {
  const result: Record<string, true> = {};
  for (const [bit, name] of SYSTEM_KEYWORDS) if (flags & bit) result[name] = true;
  for (const k of keywords) result[k.toLowerCase()] = true;
  return result;
}

const HEADER_PROPERTY = /^header:([!-9;-~]+)(?::as(Raw|Text|Addresses|GroupedAddresses|MessageIds|Date|URLs))?(:all)?$/;

export function isHeaderProperty(name: string): boolean {
  return HEADER_PROPERTY.test(name);
}

export function needsMessage(properties: readonly string[]): boolean {
  return properties.some((p) => !CHEAP.has(p));
}

function jmapAddress(a: Address): { name: string | null; email: string } {
  return { name: a.name === '' ? null : a.name, email: a.address };
}

function addresses(list: (Address | AddressGroup)[]): { name: string | null; email: string }[] {
  return list.flatMap((item) => ('group' in item ? item.members.map(jmapAddress) : [jmapAddress(item)]));
}

function groupedAddresses(list: (Address | AddressGroup)[]): { name: string | null; addresses: { name: string | null; email: string }[] }[] {
  const groups: { name: string | null; addresses: { name: string | null; email: string }[] }[] = [];
  for (const item of list) {
    if ('group' in item) groups.push({ name: item.group, addresses: item.members.map(jmapAddress) });
    else if (groups.length > 0 && groups[groups.length - 1].name === null) groups[groups.length - 1].addresses.push(jmapAddress(item));
    else groups.push({ name: null, addresses: [jmapAddress(item)] });
  }
  return groups;
}

/** RFC 8621 §4.1.2: one header field's value in one of the parsed forms. */
function headerForm(value: string, form: string): unknown {
  switch (form) {
    case 'Raw':
      return value;
    case 'Text':
      return decodeHeaderValue(value).replace(/\s+/g, ' ').trim();
    case 'Addresses':
      return addresses(parseAddressList(value));
    case 'GroupedAddresses':
      return groupedAddresses(parseAddressList(value));
    case 'MessageIds': {
      const ids = parseMessageIds(value);
      return ids.length > 0 ? ids : null;
    }
    case 'Date': {
      const date = parseDate(value);
      return date ? date.toISOString().replace('.000Z', 'Z') : null;
    }
    case 'URLs': {
      const urls = [...value.matchAll(/<([^>]*)>/g)].map((m) => m[1].replace(/\s+/g, ''));
      return urls.length > 0 ? urls : null;
    }
  }
  return null;
}

/** A `header:Name:asForm:all` property over a list of fields: the last one, or all in order (null/[] when absent). */
export function headerProperty(fields: readonly HeaderField[], property: string): unknown {
  const match = HEADER_PROPERTY.exec(property)!;
  const name = match[1].toLowerCase();
  const form = match[2] ?? 'Raw';
  const values = fields.filter((f) => f.name.toLowerCase() === name).map((f) => headerForm(f.value, form));
  if (match[3]) return values;
  return values.length > 0 ? values[values.length - 1] : null;
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function partHeaders(raw: Buffer, part: BodyPart): HeaderField[] {
  return readHeaderBlock(raw.subarray(0, part.bodyStart), part.headerStart, () => false).fields.map((f) => ({ name: f.name, value: headerText(f) }));
}

export interface BodyOptions {
  bodyProperties: string[];
  fetchTextBodyValues: boolean;
  fetchHTMLBodyValues: boolean;
  fetchAllBodyValues: boolean;
  maxBodyValueBytes: number;
}

/** RFC 8621 §4.1.4 EmailBodyPart; `path` is the IMAP part number, our partId ('' for a multipart root). */
function bodyPart(raw: Buffer, hash: string, part: BodyPart, path: string, properties: readonly string[]): Record<string, unknown> {
  const isMultipart = part.type === 'multipart';
  const all: Record<string, () => unknown> = {
    partId: () => (isMultipart ? null : path),
    blobId: () => (isMultipart ? null : blobIdOf(hash, path)),
    size: () => (isMultipart ? 0 : decodePartBody(raw, part).byteLength),
    headers: () => partHeaders(raw, part),
    name: () => partFilename(part),
    type: () => `${part.type}/${part.subtype}`,
    charset: () => part.params.charset ?? (part.type === 'text' ? 'us-ascii' : null),
    disposition: () => part.disposition?.type ?? null,
    cid: () => (part.id ? part.id.replace(/^\s*<|>\s*$/g, '') : null),
    language: () => part.language,
    location: () => part.location,
    subParts: () => (isMultipart ? part.parts.map((child, i) => bodyPart(raw, hash, child, path === '' ? String(i + 1) : `${path}.${i + 1}`, properties)) : null),
  };
  return Object.fromEntries(properties.filter((p) => p in all && (p !== 'subParts' || isMultipart)).map((p) => [p, all[p]()]));
}

/** The value of a text part, cut at maxBodyValueBytes on a character boundary (RFC 8621 §4.1.4 EmailBodyValue). */
function bodyValue(raw: Buffer, part: BodyPart, maxBytes: number): { value: string; isEncodingProblem: boolean; isTruncated: boolean } {
  const text = decodeText(raw, part);
  if (maxBytes <= 0 || Buffer.byteLength(text) <= maxBytes) return { value: text, isEncodingProblem: false, isTruncated: false };
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  if (cut.endsWith('\ufffd')) cut = cut.slice(0, -1);
  return { value: cut, isEncodingProblem: false, isTruncated: true };
}

/** One Email with exactly the asked properties. `parsed` and `raw` are given when `needsMessage` said so. */
export function emailObject(record: EmailRecord, properties: readonly string[], message: { raw: Buffer; parsed: ParsedMessage } | null, body: BodyOptions): Record<string, unknown> {
  const env = record.rawEnvelope;
  const fields = message?.parsed.headers ?? [];
  const fromHeaders = (name: string, form: string) => headerProperty(fields, `header:${name}:as${form}`);
  const envelopeAddresses = (list: Address[]) => (list.length > 0 ? list.map((a) => ({ name: a.name === '' ? null : decodeHeaderValue(a.name), email: a.address })) : null);
  const display = message ? findDisplayParts(message.parsed.body) : null;
  const partList = (refs: { part: BodyPart; path: string }[]) => refs.map((r) => bodyPart(message!.raw, record.blobHash, r.part, r.path, body.bodyProperties));
  const value = (property: string): unknown => {
    switch (property) {
      case 'id':
        return emailObjectId(record.id);
      case 'blobId':
        return blobIdOf(record.blobHash);
      case 'threadId':
        return threadObjectId(record.threadId);
      case 'mailboxIds':
        return Object.fromEntries(record.mailboxIds.map((id) => [mailboxObjectId(id), true]));
      case 'keywords':
        return keywordsOf(record.flags, record.keywords);
      case 'size':
        return record.size;
      case 'receivedAt':
        return utcDate(record.receivedAt);
      case 'sentAt':
        return record.sentAt === null ? null : utcDate(record.sentAt);
      case 'hasAttachment':
        return record.hasAttachment;
      case 'preview':
        return record.preview;
      case 'subject':
        return message ? fromHeaders('Subject', 'Text') : record.subject === '' && env.subject === null ? null : record.subject;
      case 'messageId':
        return message ? fromHeaders('Message-ID', 'MessageIds') : record.messageId ? [record.messageId] : null;
      case 'inReplyTo':
        return message ? fromHeaders('In-Reply-To', 'MessageIds') : env.inReplyTo ? parseMessageIds(env.inReplyTo) : null;
      case 'references':
        return fromHeaders('References', 'MessageIds');
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc':
        return message ? fromHeaders(property, 'Addresses') : envelopeAddresses(env[property]);
      case 'sender':
        return fromHeaders('Sender', 'Addresses');
      case 'replyTo':
        return fromHeaders('Reply-To', 'Addresses');
      case 'headers':
        return fields.map((f) => ({ name: f.name, value: f.value }));
      case 'bodyStructure':
        return bodyPart(message!.raw, record.blobHash, message!.parsed.body, message!.parsed.body.type === 'multipart' ? '' : '1', [...body.bodyProperties, 'subParts']);
      case 'textBody':
        return partList(display!.textBody);
      case 'htmlBody':
        return partList(display!.htmlBody);
      case 'attachments':
        return partList(display!.attachments);
      case 'bodyValues': {
        const wanted = new Map<string, BodyPart>();
        if (body.fetchTextBodyValues) for (const r of display!.textBody) wanted.set(r.path, r.part);
        if (body.fetchHTMLBodyValues) for (const r of display!.htmlBody) wanted.set(r.path, r.part);
        if (body.fetchAllBodyValues) walkParts(message!.parsed.body, (part, path) => part.type === 'text' && wanted.set(path, part));
        const values: Record<string, unknown> = {};
        for (const [path, part] of wanted) if (part.type === 'text') values[path] = bodyValue(message!.raw, part, body.maxBodyValueBytes);
        return values;
      }
    }
    return headerProperty(fields, property);
  };
  return Object.fromEntries(properties.map((p) => [p, value(p)]));
}
