/**
 * Deterministic test mail: the same seed gives byte-identical messages on every run and for both
 * servers, so Petrel and the reference ingest exactly the same bytes.
 */

export type MessageKind = 'text' | 'attachment' | 'large';

export interface BenchMessage {
  from: string;
  to: string;
  kind: MessageKind;
  /** Size of the message itself (before dot-stuffing), as a server would store it. */
  size: number;
  /**
   * The DATA payload, dot-stuffed and ending in CRLF "." CRLF, ready for the socket. Several buffers
   * so that attachments can be slices of one shared pool instead of megabytes per message.
   */
  chunks: Buffer[];
}

export interface MessageSpec {
  count: number;
  users: number;
  /** Every message this size, or null for the realistic mix. */
  size: number | null;
  seed: number;
}

/** mulberry32: tiny, fast, good enough to pick words and sizes; not for anything secret. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the of and to in is for on that with as this be are from at by we will it our your you not have an ' +
  'meeting project budget review quarter report customer invoice contract schedule update team please ' +
  'attached draft deadline proposal figures approval release support ticket order delivery shipment ' +
  'thanks regards next week monday tuesday friday office travel hotel agenda minutes action items owner ' +
  'follow up question answer issue change request migration server network storage backup policy ' +
  'training workshop partner vendor pricing discount renewal license account payment received overdue ' +
  'summary details context background decision risk plan milestone estimate forecast revenue costs'
).split(' ');
const FIRST_NAMES = ['Anna', 'Ben', 'Chloe', 'David', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kara', 'Liam', 'Mei', 'Noah', 'Olga', 'Priya'];
const LAST_NAMES = ['Schmidt', 'Okafor', 'Nguyen', 'Garcia', 'Rossi', 'Kowalski', 'Tanaka', 'Dubois', 'Silva', 'Johansson', 'Murphy', 'Haddad'];
const SENDER_DOMAIN_COUNT = 40;
/** The domains mail comes from (envelope and From:), so a target can publish DNS records for them. */
export const SENDER_DOMAINS = Array.from({ length: SENDER_DOMAIN_COUNT }, (_, i) => `sender${i + 1}.test`);
const LINE_WIDTH = 72;
const CRLF = '\r\n';
/** Bytes per base64 line on the wire: 76 characters (57 input bytes, RFC 2045 §6.8) plus CRLF. */
const BASE64_LINE = 78;

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function between(rng: () => number, low: number, high: number): number {
  return Math.round(low + rng() * (high - low));
}

/** One line of exactly `length` characters made of words (the last one cut or padded to fit). */
function textLine(rng: () => number, length: number): string {
  let line = '';
  while (line.length < length) line += (line ? ' ' : '') + pick(rng, WORDS);
  return line.slice(0, length);
}

/**
 * Plain text of exactly `bytes` bytes (CRLF line ends), in paragraphs. Now and then a line starts
 * with "." (".NET", "...") so that dot-stuffing is exercised on both servers.
 */
function textBody(rng: () => number, bytes: number): string {
  const lines: string[] = [];
  let remaining = bytes;
  while (remaining > LINE_WIDTH + 2 + 2) {
    let line: string;
    if (rng() < 0.1) line = '';
    else if (rng() < 0.004) line = rng() < 0.5 ? '... as discussed, see below' : '.NET upgrade notes follow';
    else line = textLine(rng, between(rng, 40, LINE_WIDTH));
    lines.push(line);
    remaining -= line.length + 2;
  }
  // The last line takes whatever is left so that the total is exact (an empty line is just CRLF).
  lines.push(textLine(rng, remaining - 2));
  return lines.join(CRLF) + CRLF;
}

/** RFC 5322 date; fixed clock so the bytes do not depend on when the benchmark runs. */
function mailDate(index: number): string {
  const when = new Date(Date.UTC(2026, 0, 5, 9, 0, 0) + index * 7000);
  return when.toUTCString().replace('GMT', '+0000');
}

interface Envelope {
  from: string;
  to: string;
  fromHeader: string;
  senderDomain: string;
}

function envelope(rng: () => number, index: number, users: number): Envelope {
  const first = pick(rng, FIRST_NAMES);
  const last = pick(rng, LAST_NAMES);
  const senderDomain = pick(rng, SENDER_DOMAINS);
  const from = `${first.toLowerCase()}.${last.toLowerCase()}@${senderDomain}`;
  const to = `user${1 + Math.floor(rng() * users)}@bench.test`;
  return { from, to, fromHeader: `"${first} ${last}" <${from}>`, senderDomain };
}

/** The headers an MX sees on ordinary inbound mail (a Received line from the sending MTA included). */
function headers(rng: () => number, index: number, seed: number, env: Envelope, contentHeaders: string[]): string {
  const subject = textLine(rng, between(rng, 20, 60));
  const date = mailDate(index);
  return [
    `Received: from mail.${env.senderDomain} (mail.${env.senderDomain} [192.0.2.${1 + (index % 250)}])`,
    `\tby mx.${env.senderDomain} with ESMTPS id b${seed}x${index}; ${date}`,
    `From: ${env.fromHeader}`,
    `To: <${env.to}>`,
    `Subject: ${subject}`,
    `Date: ${date}`,
    `Message-ID: <bench.${seed}.${index}@${env.senderDomain}>`,
    'MIME-Version: 1.0',
    ...contentHeaders,
    '',
    '',
  ].join(CRLF);
}

function dotStuff(text: string): string {
  return text.replace(/^\./gm, '..');
}

const TERMINATOR = Buffer.from('.' + CRLF);

/**
 * Base64 lines of random bytes that every attachment is cut from, so a run of large messages costs
 * the client one pool instead of megabytes each. Random data, so no server can compress it away.
 */
function base64Pool(seed: number, bytes: number): Buffer {
  const rng = prng(seed ^ 0x5eed);
  const raw = Buffer.alloc(bytes);
  // From the seeded PRNG, not crypto, so the pool is the same on every run.
  for (let i = 0; i < raw.length; i += 4) raw.writeUInt32LE(Math.floor(rng() * 4294967296), i);
  const encoded = raw.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i + 76 <= encoded.length; i += 76) lines.push(encoded.slice(i, i + 76));
  return Buffer.from(lines.join(CRLF) + CRLF);
}

/** `length` bytes of whole base64 lines from the pool, starting at a random line, wrapping around. */
function poolSlice(pool: Buffer, rng: () => number, length: number): Buffer[] {
  const lineCount = pool.length / BASE64_LINE;
  let offset = Math.floor(rng() * lineCount) * BASE64_LINE;
  const parts: Buffer[] = [];
  let left = length;
  while (left > 0) {
    const take = Math.min(left, pool.length - offset);
    parts.push(pool.subarray(offset, offset + take));
    left -= take;
    offset = 0;
  }
  return parts;
}

function textMessage(rng: () => number, index: number, seed: number, env: Envelope, size: number): BenchMessage {
  const head = headers(rng, index, seed, env, ['Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: 7bit']);
  const body = textBody(rng, Math.max(2, size - Buffer.byteLength(head)));
  const message = head + body;
  return { from: env.from, to: env.to, kind: 'text', size: Buffer.byteLength(message), chunks: [Buffer.from(dotStuff(message)), TERMINATOR] };
}

/**
 * multipart/mixed: a short text part and a base64 "PDF". The first attachment line is this
 * message's own random bytes, so no two messages share content even though the rest is pooled.
 */
function attachmentMessage(rng: () => number, index: number, seed: number, env: Envelope, size: number, pool: Buffer, kind: MessageKind): BenchMessage {
  const boundary = `=_bench_${seed}_${index}`;
  const head = headers(rng, index, seed, env, [`Content-Type: multipart/mixed; boundary="${boundary}"`]);
  const text = textBody(rng, between(rng, 800, 3000));
  const name = `report-${index}.pdf`;
  const before = dotStuff(
    head +
      `This is a multi-part message in MIME format.${CRLF}${CRLF}--${boundary}${CRLF}` +
      `Content-Type: text/plain; charset=us-ascii${CRLF}Content-Transfer-Encoding: 7bit${CRLF}${CRLF}` +
      text +
      `${CRLF}--${boundary}${CRLF}` +
      `Content-Type: application/pdf; name="${name}"${CRLF}Content-Disposition: attachment; filename="${name}"${CRLF}` +
      `Content-Transfer-Encoding: base64${CRLF}${CRLF}`,
  );
  const unique = Buffer.alloc(57);
  for (let i = 0; i < unique.length; i++) unique[i] = Math.floor(rng() * 256);
  const firstLine = Buffer.from(unique.toString('base64') + CRLF);
  const after = Buffer.from(`--${boundary}--${CRLF}`);
  const fixed = Buffer.byteLength(before) + firstLine.length + after.length;
  const attachmentBytes = Math.max(0, Math.floor((size - fixed) / BASE64_LINE)) * BASE64_LINE;
  const chunks = [Buffer.from(before), firstLine, ...poolSlice(pool, rng, attachmentBytes), after];
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  return { from: env.from, to: env.to, kind, size: total, chunks: [...chunks, TERMINATOR] };
}

const KiB = 1024;

/** The realistic mix: 85% text of 3-7 KB (about 5 KB on average), 13% 20-100 KB with an attachment, 2% 500 KB-1.5 MB. */
function realisticSize(rng: () => number): { kind: MessageKind; size: number } {
  const roll = rng();
  if (roll < 0.85) return { kind: 'text', size: between(rng, 3 * KiB, 5 * KiB) + between(rng, 0, 2 * KiB) };
  if (roll < 0.98) return { kind: 'attachment', size: between(rng, 20 * KiB, 100 * KiB) };
  return { kind: 'large', size: between(rng, 500 * KiB, 1536 * KiB) };
}

/** Builds every message up front, so generating them costs nothing while the clock runs. */
export function generateMessages(spec: MessageSpec): BenchMessage[] {
  const needsPool = spec.size === null || spec.size > 16 * KiB;
  // 2 MiB of random data encodes to about 2.7 MB of base64 lines, more than the largest attachment.
  const pool = needsPool ? base64Pool(spec.seed, 2 * 1024 * KiB) : Buffer.alloc(0);
  const messages: BenchMessage[] = [];
  for (let index = 0; index < spec.count; index++) {
    // One stream per message: message i is the same whatever the count, so runs of different length agree.
    const rng = prng(Math.imul(spec.seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
    const env = envelope(rng, index, spec.users);
    const { kind, size } = spec.size === null ? realisticSize(rng) : { kind: (spec.size > 16 * KiB ? 'attachment' : 'text') as MessageKind, size: spec.size };
    messages.push(kind === 'text' ? textMessage(rng, index, spec.seed, env, size) : attachmentMessage(rng, index, spec.seed, env, size, pool, kind));
  }
  return messages;
}

/** How many messages of each kind and how many bytes in all, for the summary line of the output. */
export function describeMessages(messages: BenchMessage[]): { totalBytes: number; byKind: Record<MessageKind, number> } {
  const byKind: Record<MessageKind, number> = { text: 0, attachment: 0, large: 0 };
  let totalBytes = 0;
  for (const message of messages) {
    byKind[message.kind]++;
    totalBytes += message.size;
  }
  return { totalBytes, byKind };
}
