import type { EntryData } from '../mail/mail-store.ts';
import type { BodyPart, Envelope } from '../mail/mime/index.ts';
import { emailObjectId, threadObjectId } from '../mail/object-ids.ts';
import { bodyStructureValue, envelopeValue } from './proto/body-structure.ts';
import { formatDateTime } from './proto/dates.ts';
import { fetchItemName, flagList, type ImapValue } from './proto/serializer.ts';
import type { FetchAttribute, Partial } from './proto/types.ts';
import { binaryBytes, sectionBytes } from './sections.ts';

/** What producing one message's FETCH items needs besides the entry row. */
export interface FetchContext {
  raw: Buffer | null;
  condstore: boolean;
}

function literal(bytes: Buffer, partial: Partial | undefined): ImapValue {
  const slice = partial ? bytes.subarray(Math.min(partial.offset, bytes.length), Math.min(partial.offset + partial.length, bytes.length)) : bytes;
  return { literal: slice };
}


/** Attributes that need the message's bytes from the blob store. */
export function needsRaw(attribute: FetchAttribute): boolean {
  return ['BODY[]', 'BINARY', 'BINARY.SIZE', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT'].includes(attribute.type);
}

/** Attributes that need the parsed envelope, body structure or preview columns. */
export function needsMeta(attribute: FetchAttribute): boolean {
  return ['ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'BODY[]', 'BINARY', 'BINARY.SIZE', 'PREVIEW', 'RFC822.TEXT'].includes(attribute.type);
}

/** Attributes that set \Seen when fetched from a read-write mailbox (RFC 9051 §6.4.5). */
export function marksSeen(attribute: FetchAttribute): boolean {
  return ((attribute.type === 'BODY[]' || attribute.type === 'BINARY') && !attribute.peek) || attribute.type === 'RFC822' || attribute.type === 'RFC822.TEXT';
}

/** One message's FETCH data items, in the order asked, UID first. */
/** The parsed body structure and the message bytes, each produced at most once per message. */
class MessageParts {
  private structure: BodyPart | null = null;

  constructor(
    private readonly entry: EntryData,
    private readonly bytes: Buffer | null,
  ) {}

  root(): BodyPart {
    this.structure ??= JSON.parse(this.entry.bodyStructure) as BodyPart;
    return this.structure;
  }

  raw(): Buffer {
    if (!this.bytes) throw new Error('message bytes were not loaded');
    return this.bytes;
  }
}

/** UID first, as clients that read the UID before anything else expect; the rest in the order asked. */
function uidFirst(attributes: FetchAttribute[]): FetchAttribute[] {
  const uid = attributes.findIndex((a) => a.type === 'UID');
  return uid <= 0 ? attributes : [attributes[uid], ...attributes.slice(0, uid), ...attributes.slice(uid + 1)];
}

export function fetchItems(entry: EntryData, attributes: FetchAttribute[], ctx: FetchContext): ImapValue[] {
  const items: ImapValue[] = [];
  const parts = new MessageParts(entry, ctx.raw);
  let modseqSent = false;
  for (const attribute of uidFirst(attributes)) {
    switch (attribute.type) {
      case 'UID':
        items.push('UID', entry.uid);
        break;
      case 'FLAGS':
        items.push('FLAGS', flagList(entry.flags));
        break;
      case 'INTERNALDATE':
        items.push('INTERNALDATE', { quoted: formatDateTime(entry.receivedAt) });
        break;
      case 'SAVEDATE':
        items.push('SAVEDATE', { quoted: formatDateTime(entry.savedAt ?? entry.receivedAt) });
        break;
      case 'RFC822.SIZE':
        items.push('RFC822.SIZE', entry.size);
        break;
      case 'ENVELOPE':
        items.push('ENVELOPE', envelopeValue(JSON.parse(entry.envelope) as Envelope));
        break;
      case 'BODYSTRUCTURE':
        items.push('BODYSTRUCTURE', bodyStructureValue(parts.root(), true));
        break;
      case 'BODY':
        items.push('BODY', bodyStructureValue(parts.root(), false));
        break;
      case 'MODSEQ':
        items.push('MODSEQ', [entry.modseq]);
        modseqSent = true;
        break;
      case 'EMAILID':
        items.push('EMAILID', [{ raw: emailObjectId(entry.messageId) }]);
        break;
      case 'THREADID':
        items.push('THREADID', [{ raw: threadObjectId(entry.threadId) }]);
        break;
      case 'PREVIEW':
        items.push('PREVIEW', { string: entry.preview });
        break;
      case 'RFC822':
        items.push('RFC822', { literal: parts.raw() });
        break;
      case 'RFC822.HEADER':
        items.push('RFC822.HEADER', { literal: parts.raw().subarray(0, entry.headerSize) });
        break;
      case 'RFC822.TEXT':
        items.push('RFC822.TEXT', { literal: parts.raw().subarray(entry.headerSize) });
        break;
      case 'BODY[]':
        items.push({ raw: fetchItemName(attribute) }, literal(sectionBytes(parts.raw(), parts.root(), attribute.section), attribute.partial));
        break;
      case 'BINARY': {
        const bytes = binaryBytes(parts.raw(), parts.root(), attribute.part);
        const value = literal(bytes, attribute.partial) as { literal: Buffer };
        items.push({ raw: fetchItemName(attribute) }, { literal: value.literal, binary: value.literal.includes(0) });
        break;
      }
      case 'BINARY.SIZE':
        items.push({ raw: fetchItemName(attribute) }, binaryBytes(parts.raw(), parts.root(), attribute.part).length);
        break;
    }
  }
  if (ctx.condstore && !modseqSent) items.push('MODSEQ', [entry.modseq]);
  return items;
}
