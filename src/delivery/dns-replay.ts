import type { DNSResolver } from 'mailauth';

/** One DNS question a check asked and what it got, as a string to compare answers by. */
export interface Lookup {
  name: string;
  type: string;
  answer: string;
}

const NEGATIVE_CODES = new Set(['ENOTFOUND', 'ENODATA']);

function negativeCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NEGATIVE_CODES.has(code) ? code : null;
}

/**
 * A resolver that notes every answer it hands out, for a result computed from them to be reused
 * while they last (see stillAnswered). `reusable` turns false at any failure other than "does not
 * exist" (a timeout must be asked again) or when `accept` refuses an answer.
 */
export function recordingResolver(resolver: DNSResolver, accept: (type: string, answer: string) => boolean): { resolver: DNSResolver; lookups: Lookup[]; reusable(): boolean } {
  const lookups: Lookup[] = [];
  let reusable = true;
  const recording: DNSResolver = async (name, type) => {
    try {
      const answer = await resolver(name, type);
      // Noted before the caller sees it: mailauth sorts MX answers in place.
      const text = JSON.stringify(answer);
      if (!accept(type, text)) reusable = false;
      lookups.push({ name, type, answer: text });
      return answer;
    } catch (err) {
      const code = negativeCode(err);
      if (code && accept(type, `error ${code}`)) lookups.push({ name, type, answer: `error ${code}` });
      else reusable = false;
      throw err;
    }
  };
  return { resolver: recording, lookups, reusable: () => reusable };
}

/**
 * Whether the resolver still gives every answer noted: each is asked again (from the resolver's
 * cache, which applies its own expiry) and compared, so a result reused on this condition never
 * outlives the DNS data it came from. A check is a function of its inputs and these answers.
 */
export async function stillAnswered(resolver: DNSResolver, lookups: readonly Lookup[]): Promise<boolean> {
  for (const lookup of lookups) {
    let answer: string;
    try {
      answer = JSON.stringify(await resolver(lookup.name, lookup.type));
    } catch (err) {
      const code = negativeCode(err);
      if (!code) return false;
      answer = `error ${code}`;
    }
    if (answer !== lookup.answer) return false;
  }
  return true;
}
