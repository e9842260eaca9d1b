// Plain text taken out of a message once at delivery: the preview (RFC 8970 PREVIEW, JMAP
// Email.preview) and the text handed to the full-text index.
import type { BodyPart } from './types.ts';
import type { DisplayParts, PartRef } from './display-parts.ts';
import { walkParts } from './part-path.ts';
import { decodeTextPrefix } from './body-decoding.ts';
import { htmlToText } from './html-to-text.ts';

/** RFC 8970 §3 and RFC 8621 §4.1.4 both cap a preview at 256 characters. */
const PREVIEW_LENGTH = 256;
/** The search index gets at most this many characters of a message's text. */
const SEARCH_TEXT_LIMIT = 1 << 20;
/** No text part is decoded beyond this many encoded bytes; the index cap is reached before. */
const MAX_SOURCE_BYTES = 4 << 20;

export interface ExtractedText {
  preview: string;
  searchText: string;
}

/** `display` holds RFC 8621's body lists: the parts a reader is shown as the message. */
export function extractText(raw: Buffer, body: BodyPart, display: DisplayParts): ExtractedText {
  const decoded = new Map<BodyPart, string>();
  const textOf = (part: BodyPart): string => {
    let text = decoded.get(part);
    if (text === undefined) {
      const source = decodeTextPrefix(raw, part, MAX_SOURCE_BYTES);
      text = collapseWhitespace(part.subtype === 'html' ? htmlToText(source) : source);
      decoded.set(part, text);
    }
    return text;
  };

  let searchText = '';
  walkParts(body, (part) => {
    if (searchText.length >= SEARCH_TEXT_LIMIT || !isIndexedText(part)) return;
    const text = textOf(part);
    if (text !== '') searchText += (searchText === '' ? '' : '\n') + text;
  });
  searchText = truncate(searchText, SEARCH_TEXT_LIMIT);

  // An empty text alternative beside a real HTML one is common enough to look at the HTML too.
  const preview = previewOf(display.textBody, textOf) || previewOf(display.htmlBody, textOf);
  return { preview, searchText };
}

function previewOf(parts: PartRef[], textOf: (part: BodyPart) => string): string {
  let preview = '';
  for (const { part } of parts) {
    if (preview.length >= PREVIEW_LENGTH) break;
    if (!isIndexedText(part)) continue;
    const text = textOf(part);
    if (text !== '') preview += (preview === '' ? '' : ' ') + text;
  }
  return truncate(preview, PREVIEW_LENGTH);
}

function isIndexedText(part: BodyPart): boolean {
  return part.type === 'text' && (part.subtype === 'plain' || part.subtype === 'html');
}

/**
 * Every white space run becomes one space. A lone space is already that, so the pattern leaves it
 * alone (it takes runs of two or more, or one other white space character): most runs in text are
 * lone spaces, and replacing each one with itself made this a large share of the parse. (\s holds
 * U+00A0; U+200B, zero width, is added.)
 */
function collapseWhitespace(text: string): string {
  return text.replace(/[\s\u200b]{2,}|[^\S ]|\u200b/g, ' ').trim();
}

/** At most `max` UTF-16 units, never splitting a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
