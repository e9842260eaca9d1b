// The MIME parser: pure functions from message bytes to structure and text (no I/O, no clock).
export type {
  Address,
  AddressGroup,
  AttachmentInfo,
  BodyPart,
  Disposition,
  Envelope,
  HeaderField,
  ParsedEnvelopeAndBody,
  ParsedMessage,
} from './types.ts';
export { parseMessage } from './parse-message.ts';
export { decodePartBody, decodeText } from './body-decoding.ts';
export { partByPath, walkParts, type PartVisitor } from './part-path.ts';
export { parseAddressList, flattenAddresses } from './address-parser.ts';
export { decodeHeaderValue } from './encoded-words.ts';
export { findDisplayParts, partFilename, type DisplayParts, type PartRef } from './display-parts.ts';
export { baseSubject } from './base-subject.ts';
export { parseDate } from './date-parser.ts';
export { parseMessageIds } from './message-ids.ts';
export { MAX_DEPTH, MAX_PARTS } from './structure.ts';
