import type { EntryData } from '../mail/mail-store.ts';
import type { BodyPart, Envelope } from '../mail/mime/index.ts';
import { emailObjectId, threadObjectId } from '../mail/object-ids.ts';
import { bodyStructureValue, envelopeValue } from './proto/body-structure.ts';
import { formatDateTime } from './proto/dates.ts';
import type { ImapValue } from './proto/serializer.ts';
import type { FetchAttribute, Partial } from './proto/types.ts';
import { binaryBytes, sectionBytes, sectionName } from './sections.ts';

/** What producing one message's FETCH items needs besides the entry row. */
export interface FetchContext {
  raw: Buffer | null;
  condstore: boolean;
}

function literal(bytes: Buffer, partial: Partial | undefined): ImapValue {
  const slice = partial ? bytes.subarray(Math.min(partial.offset, bytes.length), Math.min(partial.offset + partial.length, bytes.length)) : bytes;
  return { literal: slice };
}

function partialSuffix(partial: Partial | undefined): string {
  return partial ? `<${partial.offset}>` : '';
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
export function fetchItems(entry: EntryData, attributes: FetchAttribute[], ctx: FetchContext): ImapValue[] {
  const items: ImapValue[] = [];
  let structure: BodyPart | null = null;
  const root = (): BodyPart => (structure ??= JSON.parse(entry.bodyStructure) as BodyPart);
  const raw = (): Buffer => {
    if (!ctx.raw) throw new Error('message bytes were not loaded');
    return ctx.raw;
  };
  const ordered = [...attributes.filter((a) => a.type === 'UID'), ...attributes.filter((a) => a.type !== 'UID')];
  let modseqSent = false;
  for (const attribute of ordered) {
    switch (attribute.type) {
      case 'UID':
        items.push('UID', entry.uid);
        break;
      case 'FLAGS':
        items.push('FLAGS', entry.flags.map((f) => ({ raw: f })));
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
        items.push('BODYSTRUCTURE', bodyStructureValue(root(), true));
        break;
      case 'BODY':
        items.push('BODY', bodyStructureValue(root(), false));
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
        items.push('RFC822', { literal: raw() });
        break;
      case 'RFC822.HEADER':
        items.push('RFC822.HEADER', { literal: raw().subarray(0, entry.headerSize) });
        break;
      case 'RFC822.TEXT':
        items.push('RFC822.TEXT', { literal: raw().subarray(entry.headerSize) });
        break;
      case 'BODY[]':
        items.push({ raw: `BODY[${sectionName(attribute.section)}]${partialSuffix(attribute.partial)}` }, literal(sectionBytes(raw(), root(), attribute.section), attribute.partial));
        break;
      case 'BINARY': {
        const bytes = binaryBytes(raw(), root(), attribute.part);
        const value = literal(bytes, attribute.partial) as { literal: Buffer };
        items.push({ raw: `BINARY[${attribute.part.join('.')}]${partialSuffix(attribute.partial)}` }, { literal: value.literal, binary: value.literal.includes(0) });
        break;
      }
      case 'BINARY.SIZE':
        items.push({ raw: `BINARY.SIZE[${attribute.part.join('.')}]` }, binaryBytes(raw(), root(), attribute.part).length);
        break;
    }
  }
  if (ctx.condstore && !modseqSent) items.push('MODSEQ', [entry.modseq]);
  return items;
}
