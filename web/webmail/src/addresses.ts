// Recipient fields as people type them: "Ann Lee <ann@example.com>, bob@example.com; \"Lee, Ann\" <ann@…>".
import type { EmailAddress } from './types.ts';

// A practical check, not RFC 5322's full grammar: one @, no spaces or separators, a dotted domain.
const ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\.]+$/;

export interface ParsedAddresses {
  addresses: EmailAddress[];
  /** The pieces that are not addresses, as typed. */
  invalid: string[];
}

/** Splits on commas and semicolons that are outside quotes and angle brackets. */
function pieces(input: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (const ch of input) {
    if (ch === '"' && !angle) quoted = !quoted;
    else if (ch === '<' && !quoted) angle = true;
    else if (ch === '>' && !quoted) angle = false;
    if ((ch === ',' || ch === ';') && !quoted && !angle) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

function one(piece: string): EmailAddress | null {
  const angled = /^(.*)<([^<>]*)>$/.exec(piece);
  const email = (angled ? angled[2] : piece).trim();
  if (!ADDRESS.test(email)) return null;
  const name = angled ? angled[1].trim().replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1').trim() : '';
  return { name: name || null, email };
}

export function parseAddresses(input: string): ParsedAddresses {
  const addresses: EmailAddress[] = [];
  const invalid: string[] = [];
  for (const piece of pieces(input)) {
    const parsed = one(piece);
    if (parsed) addresses.push(parsed);
    else invalid.push(piece);
  }
  return { addresses, invalid };
}

/** The text form of a list, which parseAddresses reads back to the same list. */
export function formatAddresses(list: EmailAddress[] | null | undefined): string {
  return (list ?? [])
    .map((a) => {
      if (!a.name) return a.email;
      const name = /[",;<>@\\]/.test(a.name) ? `"${a.name.replace(/(["\\])/g, '\\$1')}"` : a.name;
      return `${name} <${a.email}>`;
    })
    .join(', ');
}
