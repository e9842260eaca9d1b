// One parse per message at delivery: structure, envelope and the derived values the mail core
// stores (threading ids, sort keys, preview, search text, attachment flag).
import type { ParsedMessage } from './types.ts';
import { parseStructure, toHeaderFields } from './structure.ts';
import { buildEnvelopes } from './envelope.ts';
import { firstHeader } from './header-parser.ts';
import { decodeHeaderValue } from './encoded-words.ts';
import { parseMessageId, parseMessageIds } from './message-ids.ts';
import { parseDate } from './date-parser.ts';
import { baseSubject } from './base-subject.ts';
import { findDisplayParts } from './display-parts.ts';
import { extractText } from './text-extract.ts';
import { describeAttachments, hasAttachment } from './attachments.ts';

/** Parse a whole message. Never throws on malformed input; see structure.ts for the limits. */
export function parseMessage(raw: Buffer): ParsedMessage {
  const { body, fields } = parseStructure(raw);
  const subjectValue = firstHeader(fields, 'subject');
  const subject = subjectValue === null ? '' : decodeHeaderValue(subjectValue);
  const display = findDisplayParts(body);
  const { preview, searchText } = extractText(raw, body, display);
  return {
    headers: toHeaderFields(fields),
    headerSize: body.bodyStart,
    ...buildEnvelopes(fields),
    body,
    subject,
    baseSubject: baseSubject(subject),
    messageId: parseMessageId(firstHeader(fields, 'message-id')),
    inReplyTo: parseMessageIds(firstHeader(fields, 'in-reply-to')),
    references: parseMessageIds(firstHeader(fields, 'references')),
    date: parseDate(firstHeader(fields, 'date')),
    preview,
    searchText,
    hasAttachment: hasAttachment(body),
    attachments: describeAttachments(display.attachments),
  };
}
