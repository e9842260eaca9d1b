// The MIME header fields of one part (RFC 2045 §5-8, RFC 2183, RFC 3066, RFC 2557) as the
// values BODYSTRUCTURE and JMAP EmailBodyPart report.
import type { BodyPart, Disposition } from './types.ts';
import { firstHeader, firstHeaderBytes, type RawHeaderField } from './header-parser.ts';
import { parseStructuredValue } from './content-params.ts';
import { unfold } from './encoded-words.ts';

export type PartFields = Pick<BodyPart, 'type' | 'subtype' | 'params' | 'rawParams' | 'id' | 'description' | 'encoding' | 'md5' | 'disposition' | 'language' | 'location'> & {
  /** The multipart boundary as bytes, when this is a multipart with one. */
  boundary: Buffer | null;
};

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * `defaultType` is text/plain, or message/rfc822 inside multipart/digest (RFC 2046 §5.1.5).
 * A missing or unparsable Content-Type gets the default (RFC 2045 §5.2).
 */
export function readPartFields(fields: RawHeaderField[], defaultType: string): PartFields {
  const contentType = firstHeaderBytes(fields, 'content-type');
  const parsed = contentType === null ? null : parseStructuredValue(contentType);
  let [type, subtype] = (parsed?.value ?? '').split('/', 2);
  if (!type || !subtype || !TOKEN.test(type) || !TOKEN.test(subtype)) [type, subtype] = defaultType.split('/');
  const params = parsed?.params ?? {};
  const rawParams = parsed?.imapParams ?? [];
  let boundary: Buffer | null = null;
  if (type === 'multipart' && parsed) {
    // Byte-exact from the raw header when given plainly; an RFC 2231 boundary is rare and ASCII.
    const raw = parsed.plainBytes.get('boundary');
    const bytes = raw !== undefined ? Buffer.from(raw, 'latin1') : params.boundary !== undefined ? Buffer.from(params.boundary, 'utf8') : null;
    if (bytes && bytes.length > 0) boundary = bytes;
  }
  const dispositionBytes = firstHeaderBytes(fields, 'content-disposition');
  let disposition: Disposition | null = null;
  if (dispositionBytes !== null) {
    const d = parseStructuredValue(dispositionBytes);
    disposition = { type: d.value, params: d.params, rawParams: d.imapParams };
  }
  return {
    type,
    subtype,
    params,
    rawParams,
    id: trimmed(firstHeader(fields, 'content-id')),
    description: trimmed(firstHeader(fields, 'content-description')),
    encoding: (trimmed(firstHeader(fields, 'content-transfer-encoding'))?.split(/[\s(;]/, 1)[0] ?? '').toLowerCase() || '7bit',
    md5: trimmed(firstHeader(fields, 'content-md5')),
    disposition,
    language: parseLanguages(firstHeader(fields, 'content-language')),
    // RFC 2557 §4.4.2: a folded Content-Location URI is read with its white space removed.
    location: nonEmpty(firstHeader(fields, 'content-location')?.replace(/\s+/g, '') ?? null),
    boundary,
  };
}

function trimmed(value: string | null): string | null {
  return value === null ? null : nonEmpty(unfold(value).trim());
}

function nonEmpty(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}

// RFC 3282: a comma-separated list of language tags, comments allowed.
function parseLanguages(value: string | null): string[] | null {
  if (value === null) return null;
  const tags = unfold(value)
    .replace(/\([^)]*\)/g, ' ')
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  return tags.length > 0 ? tags : null;
}
