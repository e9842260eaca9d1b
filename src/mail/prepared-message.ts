import { sha256Hex } from '../store/blob-store.ts';
import type { SearchText } from '../store/fulltext.ts';
import { parseMessage, type ParsedMessage } from './mime/index.ts';
import { messageSearchText } from './search.ts';

/** A message parsed and hashed once, however many mailboxes it is delivered to. */
export interface PreparedMessage {
  raw: Buffer;
  hash: string;
  parsed: ParsedMessage;
  /** What the substring index holds of it; built with the parse, so on an inspection thread for inbound mail. */
  searchText: SearchText;
}

export function prepareMessage(raw: Buffer): PreparedMessage {
  const parsed = parseMessage(raw);
  return { raw, hash: sha256Hex(raw), parsed, searchText: messageSearchText(parsed.headers, parsed.searchText) };
}
