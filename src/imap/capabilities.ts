/** What a session advertises; depends on whether it is logged in, on TLS, and allowed to log in. */
export interface CapabilityContext {
  authenticated: boolean;
  tls: boolean;
  /** False on cleartext from a non-loopback peer unless the admin allows it (LOGINDISABLED). */
  loginAllowed: boolean;
  /** Largest message APPEND accepts (RFC 7889). */
  appendLimit: number;
  compressed: boolean;
}

const ALWAYS = ['IMAP4rev1', 'IMAP4rev2', 'SASL-IR', 'LITERAL+', 'ID', 'ENABLE', 'IDLE'];

/** Advertised after login: RFC 9051's list plus every extension the session implements. */
const AFTER_LOGIN = [
  'NAMESPACE',
  'UIDPLUS',
  'MOVE',
  'UNSELECT',
  'CHILDREN',
  'SPECIAL-USE',
  'CREATE-SPECIAL-USE',
  'LIST-EXTENDED',
  'LIST-STATUS',
  'STATUS=SIZE',
  'CONDSTORE',
  'QRESYNC',
  'ESEARCH',
  'SEARCHRES',
  'WITHIN',
  'SORT',
  'SORT=DISPLAY',
  'ESORT',
  'THREAD=REFERENCES',
  'THREAD=ORDEREDSUBJECT',
  'BINARY',
  'MULTIAPPEND',
  'QUOTA',
  'QUOTA=RES-STORAGE',
  'ACL',
  'RIGHTS=texk',
  'OBJECTID',
  'PREVIEW',
  'UTF8=ACCEPT',
  'XLIST',
];

export function capabilities(ctx: CapabilityContext): string[] {
  const list = [...ALWAYS];
  if (!ctx.authenticated) {
    if (!ctx.tls) list.push('STARTTLS');
    if (ctx.loginAllowed) list.push('AUTH=PLAIN', 'AUTH=LOGIN');
    else list.push('LOGINDISABLED');
    return list;
  }
  list.push(...AFTER_LOGIN, `APPENDLIMIT=${ctx.appendLimit}`);
  if (!ctx.compressed) list.push('COMPRESS=DEFLATE');
  return list;
}

/** ENABLE-able extensions (RFC 5161): what ENABLE accepts and reports back. */
export const ENABLEABLE = new Set(['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT', 'IMAP4REV2']);
