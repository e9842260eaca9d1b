// FETCH attributes and modifiers (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 CONDSTORE/QRESYNC,
// RFC 8474 OBJECTID, RFC 8970 PREVIEW, RFC 8514 SAVEDATE) and STORE (RFC 9051 §6.4.6).
import type { FetchAttribute, Partial, Section } from './types.ts';
import type { Reader } from './tokenizer.ts';

type SimpleType = Exclude<FetchAttribute['type'], 'BODY' | 'BODY[]' | 'BINARY' | 'BINARY.SIZE' | 'PREVIEW'>;

const SIMPLE: ReadonlySet<string> = new Set<SimpleType>([
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODYSTRUCTURE',
  'UID',
  'MODSEQ',
  'EMAILID',
  'THREADID',
  'SAVEDATE',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
]);

const simple = (type: SimpleType): FetchAttribute => ({ type });

// RFC 9051 §6.4.5 macros; they stand alone, never inside a list.
const MACROS: Record<string, SimpleType[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  // FULL adds BODY, which is not a SimpleType.
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
};

export interface FetchArguments {
  attributes: FetchAttribute[];
  changedSince?: number;
  vanished: boolean;
}

/** Everything after `FETCH sequence-set SP`. */
export function parseFetchArguments(r: Reader, uid: boolean): FetchArguments {
  const attributes: FetchAttribute[] = [];
  if (r.peek() === 0x28) {
    attributes.push(...r.list(() => parseAttribute(r), false, 'fetch attribute list'));
  } else {
    const word = peekAtom(r).toUpperCase();
    const macro = MACROS[word];
    if (macro) {
      r.pos += word.length;
      attributes.push(...macro.map(simple));
      if (word === 'FULL') attributes.push({ type: 'BODY' });
    } else {
      attributes.push(parseAttribute(r));
    }
  }
  let changedSince: number | undefined;
  let vanished = false;
  if (r.more()) {
    r.list(
      () => {
        const name = r.atom('fetch modifier').toUpperCase();
        if (name === 'CHANGEDSINCE') {
          r.sp('mod-sequence after CHANGEDSINCE');
          // iOS Mail sends CHANGEDSINCE 0; RFC 7162 asks for mod-sequence-value, which allows 0.
          changedSince = r.modSequence();
        } else if (name === 'VANISHED') {
          vanished = true;
        } else {
          r.fail(`Unknown FETCH modifier ${name}`);
        }
      },
      false,
      'fetch modifiers',
    );
  }
  r.expectEnd();
  // RFC 7162 §3.2.6: VANISHED only with UID FETCH and CHANGEDSINCE.
  if (vanished && (!uid || changedSince === undefined)) r.fail('VANISHED requires UID FETCH with CHANGEDSINCE');
  // UID FETCH always returns UID (RFC 9051 §6.4.9); CHANGEDSINCE implies MODSEQ (RFC 7162 §3.1.4.1).
  if (uid && !attributes.some((a) => a.type === 'UID')) attributes.push({ type: 'UID' });
  if (changedSince !== undefined && !attributes.some((a) => a.type === 'MODSEQ')) attributes.push({ type: 'MODSEQ' });
  return { attributes, changedSince, vanished };
}

function peekAtom(r: Reader): string {
  let end = r.pos;
  while (end < r.buf.length && r.buf[end] > 0x20 && r.buf[end] !== 0x28 && r.buf[end] !== 0x5b) end++;
  return r.buf.toString('latin1', r.pos, end);
}

function attributeName(r: Reader): string {
  const start = r.pos;
  while (r.pos < r.buf.length) {
    const b = r.buf[r.pos];
    if (b <= 0x20 || b === 0x28 || b === 0x29 || b === 0x5b || b === 0x3c) break;
    r.pos++;
  }
  if (r.pos === start) r.fail(`Missing fetch attribute before ${r.excerpt()}`);
  return r.buf.toString('latin1', start, r.pos).toUpperCase();
}

function parseAttribute(r: Reader): FetchAttribute {
  const name = attributeName(r);
  if (SIMPLE.has(name)) return simple(name as SimpleType);
  switch (name) {
    case 'BODY':
    case 'BODY.PEEK': {
      if (r.peek() !== 0x5b) {
        if (name === 'BODY.PEEK') r.fail('BODY.PEEK needs a section, e.g. BODY.PEEK[]');
        return { type: 'BODY' };
      }
      const section = parseSection(r);
      return { type: 'BODY[]', peek: name === 'BODY.PEEK', section, partial: parsePartial(r) };
    }
    // Outlook sends this obsolete form (never in any RFC); it means the whole message without \Seen.
    case 'RFC822.PEEK':
      return { type: 'BODY[]', peek: true, section: { part: [] } };
    case 'BINARY':
    case 'BINARY.PEEK': {
      const part = parseBinarySection(r, name);
      return { type: 'BINARY', peek: name === 'BINARY.PEEK', part, partial: parsePartial(r) };
    }
    case 'BINARY.SIZE':
      return { type: 'BINARY.SIZE', part: parseBinarySection(r, name) };
    case 'PREVIEW': {
      let lazy = false;
      // RFC 8970 §3: PREVIEW [SP "(" preview-mod *(SP preview-mod) ")"], only modifier LAZY.
      if (r.peek() === 0x20 && r.peek(1) === 0x28) {
        r.sp();
        r.list(
          () => {
            const mod = r.atom('preview modifier').toUpperCase();
            if (mod !== 'LAZY') r.fail(`Unknown PREVIEW modifier ${mod}`);
            lazy = true;
          },
          false,
          'preview modifiers',
        );
      }
      return { type: 'PREVIEW', lazy };
    }
    default:
      return r.fail(`Unknown fetch attribute ${name}`);
  }
}

function parsePartNumbers(r: Reader): number[] {
  const part: number[] = [];
  while (r.peek() >= 0x30 && r.peek() <= 0x39) {
    part.push(r.nzNumber('section part'));
    if (r.peek() === 0x2e && r.peek(1) >= 0x30 && r.peek(1) <= 0x39) r.pos++;
    else break;
  }
  return part;
}

/** `[` section-spec `]` (RFC 9051 §9 `section`). */
function parseSection(r: Reader): Section {
  r.expectChar(0x5b, '"["');
  const part = parsePartNumbers(r);
  const section: Section = { part };
  if (r.peek() !== 0x5d) {
    if (part.length > 0) r.expectChar(0x2e, '"." after the part number');
    const start = r.pos;
    while (r.pos < r.buf.length && /[A-Za-z.]/.test(String.fromCharCode(r.buf[r.pos]))) r.pos++;
    const text = r.buf.toString('latin1', start, r.pos).toUpperCase();
    if (text === 'HEADER' || text === 'TEXT' || text === 'MIME') {
      if (text === 'MIME' && part.length === 0) r.fail('MIME needs a part number, e.g. BODY[1.MIME]');
      section.text = text;
    } else if (text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT') {
      section.text = text;
      r.sp(`header list after ${text}`);
      section.fields = r.list(() => r.astring('header field name'), false, 'header list');
    } else {
      r.fail(`Invalid section ${text || r.excerpt()}`);
    }
  }
  r.expectChar(0x5d, '"]" to end the section');
  return section;
}

function parseBinarySection(r: Reader, name: string): number[] {
  if (r.peek() !== 0x5b) r.fail(`${name} needs a section, e.g. ${name}[1]`);
  r.pos++;
  const part = parsePartNumbers(r);
  r.expectChar(0x5d, `"]" to end the ${name} section`);
  return part;
}

/** `<offset.length>` (RFC 9051 §9 `partial`). */
function parsePartial(r: Reader): Partial | undefined {
  if (!r.tryChar(0x3c)) return undefined;
  const offset = r.number('partial offset');
  r.expectChar(0x2e, '"." in the partial range');
  const length = r.nzNumber('partial length');
  r.expectChar(0x3e, '">" to end the partial range');
  return { offset, length };
}

export interface StoreArguments {
  mode: 'add' | 'remove' | 'replace';
  silent: boolean;
  flags: string[];
  unchangedSince?: number;
}

/** Everything after `STORE sequence-set SP`. */
export function parseStoreArguments(r: Reader): StoreArguments {
  let unchangedSince: number | undefined;
  if (r.peek() === 0x28) {
    r.list(
      () => {
        const name = r.atom('store modifier').toUpperCase();
        if (name !== 'UNCHANGEDSINCE') r.fail(`Unknown STORE modifier ${name}`);
        r.sp('mod-sequence after UNCHANGEDSINCE');
        unchangedSince = r.modSequence();
      },
      false,
      'store modifiers',
    );
    r.sp('flags item');
  }
  const item = r.atom('flags item (FLAGS, +FLAGS or -FLAGS)').toUpperCase();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
  if (!m) r.fail(`Invalid STORE item ${item} (expected FLAGS, +FLAGS or -FLAGS)`);
  const mode = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace';
  r.sp('flag list');
  let flags: string[];
  if (r.peek() === 0x28) {
    flags = r.flagList();
    r.expectEnd();
  } else {
    flags = [r.flag()];
    while (r.more()) flags.push(r.flag());
  }
  return { mode, silent: m[2] !== undefined, flags, unchangedSince };
}
