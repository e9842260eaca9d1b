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
