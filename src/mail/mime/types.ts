// The shapes the MIME parser hands to the mail core, IMAP and JMAP. Everything here is plain data
// (no methods, no Buffers) so a ParsedMessage can be cached or serialised as JSON.

export interface Address {
  /** Display name, RFC 2047-decoded ('' when none). In a raw envelope: as written, quotes removed. */
  name: string;
  /** The addr-spec as written; case is preserved (local parts are case-sensitive, RFC 5321 §2.4). */
  address: string;
  /** Obsolete source route as written (`@relay.example`), only when the address had one. */
  route?: string;
}

/** RFC 5322 §3.4 group syntax, e.g. `undisclosed-recipients:;`. */
export interface AddressGroup {
  group: string;
  members: Address[];
}

export interface HeaderField {
  /** Field name as written (case preserved). */
  name: string;
  /**
   * Everything after the colon up to the field's final line break, folding line breaks kept.
   * 8-bit bytes are read as UTF-8 when they form valid UTF-8 (RFC 6532), otherwise as Latin-1.
   */
  value: string;
}

export interface Disposition {
  type: string;
  params: Record<string, string>;
  /** The parameters as IMAP lists them; see BodyPart.rawParams. */
  rawParams?: [string, string][];
}

export interface BodyPart {
  /** Byte offsets into the raw message: header block start, body start (after the blank line), end (exclusive). */
  headerStart: number;
  bodyStart: number;
  end: number;
  /**
   * Lower-cased media type. A 'multipart' part with no parts only comes from broken input (no
   * boundary parameter, no boundary line, or a parser limit); IMAP renders it the way Dovecot
   * does, as one empty text/plain child.
   */
  type: string;
  subtype: string;
  /** Content-Type parameters, names lower-cased, RFC 2231 continuations and charsets decoded. */
  params: Record<string, string>;
  /**
   * Content-Type parameters as IMAP's BODYSTRUCTURE lists them, the way Dovecot does: names as
   * written, in order, duplicates kept, quoting removed (every quoted-pair unescaped); RFC 2231
   * parameters come last, sorted by name, their sections joined but not decoded
   * (`["name*", "utf-8''%E2%82%AC.txt"]`), since IMAP clients decode them themselves.
   * Absent in structures stored before it existed: use `params` then.
   */
  rawParams?: [string, string][];
  /** Content-ID as written (with its angle brackets). */
  id: string | null;
  /** Content-Description unfolded but not RFC 2047-decoded: IMAP sends it as written. */
  description: string | null;
  /** Content-Transfer-Encoding, lower-cased, '7bit' when absent. */
  encoding: string;
  /** Body octets: end - bodyStart. */
  size: number;
  /** Line feeds in the body (how Dovecot counts BODYSTRUCTURE lines). */
  lines: number;
  md5: string | null;
  disposition: Disposition | null;
  language: string[] | null;
  location: string | null;
  parts: BodyPart[];
  /**
   * For message/rfc822 and message/global: the encapsulated message. Absent when that part is
   * base64 or quoted-printable encoded (forbidden by RFC 2046 §5.2.1; it is then an opaque leaf).
   */
  message?: ParsedEnvelopeAndBody;
}

/** The ENVELOPE fields that hold address lists. */
export type EnvelopeAddressField = 'from' | 'sender' | 'replyTo' | 'to' | 'cc' | 'bcc';

/**
 * IMAP ENVELOPE fields (RFC 9051 §7.5.2). The address lists have groups flattened into their
 * members, which is what search, JMAP and the delivery columns want; `groups` keeps the structure.
 */
export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[];
  sender: Address[];
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  bcc: Address[];
  inReplyTo: string | null;
  messageId: string | null;
  /**
   * The address fields that contain an RFC 5322 §3.4 group, as written: ENVELOPE sends a group as
   * a start marker, its members and an end marker (RFC 9051 §7.5.2), and SORT's first address
   * may be a group (RFC 5256 §3, RFC 5957 §3). Fields without groups are left out, and envelopes
   * stored before this existed have none, so readers fall back to the flattened list.
   */
  groups?: Partial<Record<EnvelopeAddressField, (Address | AddressGroup)[]>>;
}

/** What IMAP needs of a message/rfc822 part: its header, ENVELOPE and BODYSTRUCTURE. */
export interface ParsedEnvelopeAndBody {
  headers: HeaderField[];
  envelope: Envelope;
  /** The same fields unfolded but not RFC 2047-decoded, as IMAP sends them. */
  rawEnvelope: Envelope;
  /** Root part of the encapsulated message; its headerStart is the message/rfc822 part's bodyStart. */
  body: BodyPart;
}

export interface AttachmentInfo {
  /** IMAP part number, e.g. '2' or '3.1'. */
  partPath: string;
  filename: string | null;
  /** 'type/subtype', lower-cased. */
  type: string;
  /** Encoded size in octets, as stored. */
  size: number;
}

export interface ParsedMessage extends ParsedEnvelopeAndBody {
  /** Bytes of the top-level header including the blank line. */
  headerSize: number;
  /** Decoded Subject, '' when none. */
  subject: string;
  /** RFC 5256 §2.1 base subject; compare with i;unicode-casemap as that RFC says. */
  baseSubject: string;
  /** Message-ID without angle brackets. */
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  date: Date | null;
  /** Up to 256 characters of body text, whitespace collapsed (RFC 8970, RFC 8621 §4.1.4). */
  preview: string;
  /** Decoded text of text/plain and text/html parts, tags stripped, at most 1 MiB of characters. */
  searchText: string;
  hasAttachment: boolean;
  /** RFC 8621 §4.1.4 attachments: parts that are neither text nor HTML body. */
  attachments: AttachmentInfo[];
}
