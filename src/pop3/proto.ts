/**
 * The POP3 wire (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH, RFC 3206 response codes):
 * command lines in, reply bytes out. No sockets, no store, no clock.
 */

/** RFC 2449 §4: a command line is at most 255 octets, but RFC 5034 AUTH responses may be longer; 8 KiB holds both with room. */
export const MAX_LINE_LENGTH = 8192;

export type Pop3Command =
  | { name: 'CAPA' | 'STAT' | 'NOOP' | 'RSET' | 'QUIT' }
  | { name: 'STLS' }
  | { name: 'USER' | 'PASS'; argument: string }
  /** `mechanism` null asks for the list of mechanisms; `initialResponse` is RFC 5034's optional initial response. */
  | { name: 'AUTH'; mechanism: string | null; initialResponse: string | null }
  | { name: 'LIST' | 'UIDL'; message: number | null }
  | { name: 'RETR' | 'DELE'; message: number }
  | { name: 'TOP'; message: number; lines: number };

export type ParsedLine = { ok: true; command: Pop3Command } | { ok: false; error: string };

/** The RFC 3206 codes we send in `-ERR [CODE]`; IN-USE is never needed since sessions may overlap. */
export type ResponseCode = 'AUTH' | 'SYS/TEMP' | 'SYS/PERM';

const NUMBER = /^[1-9][0-9]{0,9}$/;
const LINE_COUNT = /^(0|[1-9][0-9]{0,9})$/;

function fail(error: string): ParsedLine {
  return { ok: false, error };
}

function messageNumber(token: string | undefined): number | null {
  if (token === undefined || !NUMBER.test(token)) return null;
  const value = Number(token);
  return value <= 0xffffffff ? value : null;
}

/**
 * One command line, without its CRLF. Keywords are case-insensitive (RFC 1939 §3). PASS takes
 * the rest of the line as the password, since passwords may hold spaces (RFC 1939 §7 notes it).
 */
export function parseCommand(line: string): ParsedLine {
  if (/[\0-\x08\x0a-\x1f\x7f]/.test(line)) return fail('control characters in command');
  const space = line.indexOf(' ');
  const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
  const rest = space < 0 ? '' : line.slice(space + 1);
  const args = rest === '' ? [] : rest.split(' ');
  const arity = (min: number, max: number) => args.length >= min && args.length <= max && args.every((a) => a !== '');

  switch (keyword) {
    case 'CAPA':
    case 'STLS':
    case 'STAT':
    case 'NOOP':
    case 'RSET':
    case 'QUIT':
      return arity(0, 0) ? { ok: true, command: { name: keyword } } : fail(`${keyword} takes no arguments`);
    case 'USER':
      return arity(1, 1) ? { ok: true, command: { name: 'USER', argument: args[0] } } : fail('USER needs one argument');
    case 'PASS':
      return rest !== '' ? { ok: true, command: { name: 'PASS', argument: rest } } : fail('PASS needs an argument');
    case 'AUTH':
      if (!arity(0, 2)) return fail('AUTH takes a mechanism and an optional initial response');
      return { ok: true, command: { name: 'AUTH', mechanism: args[0]?.toUpperCase() ?? null, initialResponse: args[1] ?? null } };
    case 'LIST':
    case 'UIDL': {
      if (!arity(0, 1)) return fail(`${keyword} takes an optional message number`);
      if (args.length === 0) return { ok: true, command: { name: keyword, message: null } };
      const message = messageNumber(args[0]);
      return message === null ? fail('invalid message number') : { ok: true, command: { name: keyword, message } };
    }
    case 'RETR':
    case 'DELE': {
      const message = arity(1, 1) ? messageNumber(args[0]) : null;
      return message === null ? fail(`${keyword} needs a message number`) : { ok: true, command: { name: keyword, message } };
    }
    case 'TOP': {
      const message = arity(2, 2) ? messageNumber(args[0]) : null;
      if (message === null || !LINE_COUNT.test(args[1])) return fail('TOP needs a message number and a line count');
      return { ok: true, command: { name: 'TOP', message, lines: Number(args[1]) } };
    }
    default:
      return fail('unknown command');
  }
}

export function ok(text = ''): string {
  return text ? `+OK ${text}\r\n` : '+OK\r\n';
}

export function err(text: string, code?: ResponseCode): string {
  return code ? `-ERR [${code}] ${text}\r\n` : `-ERR ${text}\r\n`;
}

/** A multi-line reply whose lines are ours (CAPA, LIST, UIDL), so none needs more than the dot-stuffing of RFC 1939 §3. */
export function multiline(first: string, lines: string[]): string {
  return `+OK ${first}\r\n${lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n')}${lines.length ? '\r\n' : ''}.\r\n`;
}

/** RFC 5034 §4: the server challenge; PLAIN has an empty one. */
export const CONTINUATION = '+ \r\n';

export interface CapabilityOptions {
  /** Plain port before TLS: offer STLS (RFC 2595 §4). */
  stls: boolean;
  /** USER and SASL may be used on this connection (TLS, loopback, or the admin allowed cleartext). */
  login: boolean;
  /** Still in the AUTHORIZATION state; login capabilities mean nothing after it. */
  authorization: boolean;
}

/** RFC 2449 §6. */
export function capabilities(options: CapabilityOptions): string[] {
  const lines = ['TOP'];
  if (options.authorization && options.login) lines.push('USER', 'SASL PLAIN');
  lines.push('RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING');
  // EXPIRE NEVER promises that the server never deletes mail the client left (RFC 2449 §6.7).
  lines.push('EXPIRE NEVER', 'UIDL');
  if (options.authorization && options.stls) lines.push('STLS');
  lines.push('IMPLEMENTATION Petrel');
  return lines;
}

/**
 * RFC 1939 §7's unique-id: 1 to 70 printable characters, the same for a message across sessions.
 * UIDVALIDITY and UID together name one entry forever; fixed-width hex keeps Outlook happy
 * (REFERENCES.md, "Outlook POP3").
 */
export function uniqueId(uidValidity: number, uid: number): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(uid)}${hex(uidValidity)}`;
}

export interface PlainCredentials {
  authzid: string;
  authcid: string;
  password: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** RFC 4616: base64 of `authzid NUL authcid NUL passwd`; null when it is not that. RFC 5034 §4 sends `=` for an empty response. */
export function decodePlain(response: string): PlainCredentials | null {
  if (response === '=' || !BASE64.test(response)) return null;
  const parts = Buffer.from(response, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3 || parts[1] === '' || parts[2] === '') return null;
  return { authzid: parts[0], authcid: parts[1], password: parts[2] };
}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const STUFF = Buffer.from('.');
const TERMINATOR = Buffer.from('.\r\n');
const CHUNK_SIZE = 64 * 1024;

/**
 * A message as the body of a multi-line reply (RFC 1939 §3): every line ends in CRLF (bare LF
 * becomes CRLF; a last line without one gets one), a line starting with `.` gets another, and
 * `.` CRLF ends it. With `bodyLines` it is TOP's cut: the header, the blank line, then that many
 * body lines (RFC 1939 §7). Yields chunks of about 64 KiB so a big message is written with
 * backpressure rather than copied whole.
 */
export function* stuffMessage(raw: Buffer, bodyLines?: number): Generator<Buffer> {
  let parts: Buffer[] = [];
  let pending = 0;
  const push = (part: Buffer) => {
    parts.push(part);
    pending += part.length;
  };
  let inHeader = true;
  let bodySent = 0;
  let start = 0;
  while (start < raw.length) {
    if (!inHeader && bodyLines !== undefined && bodySent >= bodyLines) break;
    const lf = raw.indexOf(LF, start);
    const next = lf < 0 ? raw.length : lf + 1;
    const end = lf < 0 ? raw.length : lf > start && raw[lf - 1] === CR ? lf - 1 : lf;
    if (raw[start] === DOT) push(STUFF);
    push(raw.subarray(start, end));
    push(CRLF);
    if (inHeader) inHeader = end > start;
    else bodySent++;
    start = next;
    if (pending >= CHUNK_SIZE) {
      yield Buffer.concat(parts, pending);
      parts = [];
      pending = 0;
    }
  }
  push(TERMINATOR);
  yield Buffer.concat(parts, pending);
}
