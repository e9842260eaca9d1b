/**
 * Messages for bench/imap, generated from a seed so that Petrel and Dovecot get byte-identical
 * mailboxes: message i depends only on (seed, i), so any message can be made again on demand
 * without keeping 100,000 of them in memory.
 */
import { prng } from './messages.ts';

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** Words of ordinary mail; SUBJECT searches in the load look for these. */
export const SUBJECT_WORDS = (
  'meeting project budget review quarter report customer invoice contract schedule update team ' +
  'draft deadline proposal figures approval release support ticket order delivery shipment agenda ' +
  'minutes migration server network storage backup policy training workshop partner vendor pricing'
).split(' ');
const BODY_WORDS = (
  'the of and to in is for on that with as this be are from at by we will it our your you not have an ' +
  'please attached thanks regards next week monday tuesday friday office travel hotel action items owner ' +
  'follow up question answer issue change request summary details context background decision risk plan'
).split(' ');
/** Senders of the load's mailbox; FROM searches look for these. */
export const SENDERS = Array.from({ length: 20 }, (_, i) => `sender${i + 1}@example.org`);
const TO = 'alice@example.test';
const CRLF = '\r\n';

function dateHeader(i: number): string {
  // A fixed start so the same seed gives the same bytes on every run; 7 minutes apart.
  return new Date(Date.UTC(2026, 0, 5, 8) + i * 7 * 60_000).toUTCString().replace('GMT', '+0000');
}

/** Lines of words up to 72 characters, until `bytes` bytes (CRLF included) are filled. */
function wrap(rng: () => number, words: readonly string[], bytes: number): string {
  const lines: string[] = [];
  let total = 0;
  let line = '';
  while (total + line.length + 2 < bytes) {
    const word = pick(rng, words);
    if (line.length + word.length + 1 > 72) {
      lines.push(line);
      total += line.length + 2;
      line = '';
    } else line += (line ? ' ' : '') + word;
  }
  if (line) lines.push(line);
  return lines.join(CRLF) + CRLF;
}

/**
 * A plain-text message of about `size` bytes for the mixed load (preload and APPEND): realistic
 * headers, a subject of two ordinary words, one of 20 senders. `stream` keeps the preloaded
 * messages (0) apart from the ones appended during the load (1, 2, ...: one per client).
 */
export function loadMessage(seed: number, stream: number, i: number, size: number): Buffer {
  const rng = prng(seed * 1_000_003 + stream * 7_919 + i);
  const sender = pick(rng, SENDERS);
  const subject = `${pick(rng, SUBJECT_WORDS)} ${pick(rng, SUBJECT_WORDS)} ${i}`;
  const head =
    `Return-Path: <${sender}>${CRLF}` +
    `From: ${sender.split('@')[0]} <${sender}>${CRLF}` +
    `To: Alice <${TO}>${CRLF}` +
    `Subject: ${subject}${CRLF}` +
    `Date: ${dateHeader(i)}${CRLF}` +
    `Message-ID: <bench.${seed}.${stream}.${i}@example.org>${CRLF}` +
    `MIME-Version: 1.0${CRLF}` +
    `Content-Type: text/plain; charset=us-ascii${CRLF}` +
    `Content-Transfer-Encoding: 7bit${CRLF}${CRLF}`;
  return Buffer.from(head + wrap(rng, BODY_WORDS, Math.max(100, size - head.length)), 'latin1');
}

/**
 * The full-text corpus: a vocabulary of distinct 7-letter made-up words, drawn with a skew so that
 * some words are in most messages and some in a handful. All words have the same length and
 * contain no other word, so a substring scan (Dovecot without an FTS plugin) and a word index give
 * the same hits, and the two servers' answers can be compared.
 */
export class FtsCorpus {
  readonly vocabulary: string[];

  constructor(
    private readonly seed: number,
    vocabularySize = 20_000,
  ) {
    const rng = prng(seed * 31 + 17);
    const words = new Set<string>();
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    while (words.size < vocabularySize) {
      let word = '';
      for (let k = 0; k < 7; k++) word += letters[Math.floor(rng() * 26)];
      words.add(word);
    }
    this.vocabulary = [...words];
  }

  /** Rank r (0 = most common) is drawn with probability falling off like a power law. */
  private word(rng: () => number): string {
    return this.vocabulary[Math.floor(this.vocabulary.length * rng() ** 3)];
  }

  /** Message i: about 1 KB of text made of vocabulary words. */
  message(i: number): Buffer {
    const rng = prng(this.seed * 1_000_033 + i);
    const words: string[] = [];
    for (let k = 0; k < 140; k++) words.push(this.word(rng));
    const lines: string[] = [];
    for (let k = 0; k < words.length; k += 9) lines.push(words.slice(k, k + 9).join(' '));
    const sender = SENDERS[i % SENDERS.length];
    return Buffer.from(
      `From: ${sender}${CRLF}To: ${TO}${CRLF}Subject: note ${i}${CRLF}Date: ${dateHeader(i)}${CRLF}` +
        `Message-ID: <fts.${this.seed}.${i}@example.org>${CRLF}MIME-Version: 1.0${CRLF}` +
        `Content-Type: text/plain; charset=us-ascii${CRLF}${CRLF}${lines.join(CRLF)}${CRLF}`,
      'latin1',
    );
  }

  /**
   * The query words: spread over the ranks (a third common, a third middling, a third rare), the
   * same list for both servers.
   */
  queries(count: number): string[] {
    const rng = prng(this.seed * 7 + 3);
    const n = this.vocabulary.length;
    const bands: Array<[number, number]> = [
      [0, Math.floor(n * 0.01)],
      [Math.floor(n * 0.01), Math.floor(n * 0.2)],
      [Math.floor(n * 0.2), n],
    ];
    return Array.from({ length: count }, (_, k) => {
      const [low, high] = bands[k % bands.length];
      return this.vocabulary[low + Math.floor(rng() * (high - low))];
    });
  }
}
