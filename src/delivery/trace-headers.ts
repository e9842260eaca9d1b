/** RFC 5322 date-time, e.g. `Mon, 23 Nov 2026 12:41:18 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

export interface ReceivedInfo {
  helo: string;
  remoteAddress: string;
  remoteHostname?: string;
  byHost: string;
  /** RFC 3848 protocol keyword: ESMTP, ESMTPS, ESMTPA, ESMTPSA, LMTP, ... */
  protocol: string;
  id: string;
  recipient?: string;
  date?: Date;
}

/** The trace header every MTA adds (RFC 5321 §4.4), folded to stay under 78 columns. */
export function receivedHeader(info: ReceivedInfo): string {
  const from = `from ${info.helo || 'unknown'} (${info.remoteHostname ? `${info.remoteHostname} ` : ''}[${info.remoteAddress}])`;
  const forPart = info.recipient ? `\r\n\tfor <${info.recipient}>` : '';
  return `Received: ${from}\r\n\tby ${info.byHost} (Petrel) with ${info.protocol} id ${info.id}${forPart};\r\n\t${rfc5322Date(info.date ?? new Date())}\r\n`;
}

/** RFC 3848: the with-protocol keyword for a session's TLS and authentication state. */
export function protocolKeyword(base: 'SMTP' | 'LMTP', secure: boolean, authenticated: boolean): string {
  if (base === 'LMTP') return secure ? 'LMTPS' : 'LMTP';
  return `ESMTP${secure ? 'S' : ''}${authenticated ? 'A' : ''}`;
}

/**
 * RFC 8601 §5: an Authentication-Results header that already carries our authserv-id was not
 * written by us and would let a sender forge a "pass", so it is removed before we add ours.
 * Only the top-level header block is looked at; the body is never touched.
 */
export function removeForgedAuthResults(raw: Buffer, authservId: string): Buffer {
  const headerEnd = findHeaderEnd(raw);
  const lines = raw.subarray(0, headerEnd).toString('latin1').split(/(?<=\n)/);
  const fields: string[] = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  const id = authservId.toLowerCase();
  const kept = fields.filter((field) => {
    const match = /^authentication-results[ \t]*:\s*([^;\s]+)/i.exec(field);
    return !match || match[1].toLowerCase() !== id;
  });
  if (kept.length === fields.length) return raw;
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(headerEnd)]);
}

function findHeaderEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return raw.length;
  if (crlf === -1) return lf + 1;
  if (lf === -1) return crlf + 2;
  return Math.min(crlf + 2, lf + 1);
}
