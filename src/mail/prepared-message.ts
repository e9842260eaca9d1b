import { sha256Hex } from '../store/blob-store.ts';
import { parseMessage, type ParsedMessage } from './mime/index.ts';

/** A message parsed and hashed once, however many mailboxes it is delivered to. */
export interface PreparedMessage {
  raw: Buffer;
  hash: string;
  parsed: ParsedMessage;
}

export function prepareMessage(raw: Buffer): PreparedMessage {
  return { raw, hash: sha256Hex(raw), parsed: parseMessage(raw) };
}
