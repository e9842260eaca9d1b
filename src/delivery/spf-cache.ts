import { hostname } from 'node:os';

import { spf, type DNSResolver, type SPFResult } from 'mailauth';

import { recordingResolver, stillAnswered, type Lookup } from './dns-replay.ts';
import { escapeCommentValue, foldLines, formatAuthHeaderRow } from './mailauth-internals.ts';

export interface SpfQuery {
  ip: string;
  helo: string;
  /** MAIL FROM, as mailauth's `sender`. */
  sender: string;
  mta: string;
}

interface Entry {
  lookups: Lookup[];
  response: SPFResult;
}

const MAX_ENTRIES = 10_000;

/**
 * mailauth's wording of each result it can take from a record without a macro, by the sender:
 * the only part of its answer that changes with the local part. Errors are left out (their text
 * comes from inside the evaluation, and a temporary one must be retried anyway).
 */
const COMMENTS: Record<string, (mta: string, sender: string, ip: string, domain: string) => string> = {
  pass: (mta, sender, ip) => `${mta}: domain of ${sender} designates ${ip} as permitted sender`,
  softfail: (mta, sender, ip) => `${mta}: domain of transitioning ${sender} does not designate ${ip} as permitted sender`,
  fail: (mta, sender, ip) => `${mta}: domain of ${sender} does not designate ${ip} as permitted sender`,
  neutral: (mta, sender, ip) => `${mta}: ${ip} is neither permitted nor denied by domain of ${sender}`,
  none: (mta, _sender, _ip, domain) => `${mta}: ${domain} does not designate permitted sender hosts`,
};

/** The reverse-path as mailauth's SPF check reads it (lib/spf/index.js), and its domain. */
function envelopeSender(sender: string, helo: string): { sender: string; domain: string } {
  let full = sender || `postmaster@${helo}`;
  const at = full.indexOf('@');
  if (at < 0) full = `postmaster@${full}`;
  else if (at === 0) full = `postmaster${full}`;
  return { sender: full, domain: full.split('@').pop()!.toLowerCase().trim() || '-' };
}

/** `cached` as mailauth words it for another sender of the same domain. */
function forSender(cached: SPFResult, sender: string, mta: string): SPFResult {
  const { result } = cached.status;
  const ip = cached['client-ip'];
  const comment = COMMENTS[result](mta, sender, ip, cached.domain);
  const status = { result, comment, smtp: { ...cached.status.smtp, mailfrom: sender } };
  const header = foldLines(`Received-SPF: ${result} (${escapeCommentValue(comment)}) client-ip=${ip};`, 160);
  return { ...cached, 'envelope-from': sender, status, header, info: formatAuthHeaderRow('spf', status) };
}

/**
 * mailauth's SPF check (RFC 7208), remembered per client IP, HELO name, MTA name and sender
 * domain. Every inbound message pays for one, and most come from a few hosts of a few domains; the
 * evaluation itself (parsing the record and every address range in it) costs far more than the
 * cached DNS answers it reads.
 *
 * Without a macro (RFC 7208 §7) in any record read, the evaluation depends on nothing but those
 * keys and the DNS answers, so a result is reused for another sender of the domain, reworded.
 * It is reused only while the resolver still gives every answer the evaluation read: each is asked
 * again (from the resolver's cache, which applies its own expiry) and compared, so a result never
 * outlives the DNS data it came from. Temporary and permanent errors, answers with macros and PTR
 * lookups (not cached by the resolver) are never remembered.
 */
export class SpfCache {
  private readonly entries = new Map<string, Entry>();
  /** Checks answered from the cache; for tests and monitoring. */
  hits = 0;

  constructor(private readonly resolver: DNSResolver) {}

  async check(query: SpfQuery): Promise<SPFResult> {
    const mta = query.mta || hostname();
    const { sender, domain } = envelopeSender(query.sender, query.helo);
    const key = JSON.stringify([query.ip, query.helo, mta, domain]);
    const entry = this.entries.get(key);
    if (entry && (await stillAnswered(this.resolver, entry.lookups))) {
      this.hits++;
      return forSender(entry.response, sender, mta);
    }

    // A macro can bring the local part into any name asked (RFC 7208 §7.3); PTR answers are not
    // cached by the resolver, so asking them again would cost what the check does.
    const recording = recordingResolver(this.resolver, (type, answer) => type !== 'PTR' && !answer.includes('%'));
    const response = await spf({ ip: query.ip, helo: query.helo, sender: query.sender, mta: query.mta, resolver: recording.resolver });
    if (recording.reusable() && this.rewordable(response, sender, mta, domain)) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, { lookups: recording.lookups, response });
    } else if (entry) {
      this.entries.delete(key);
    }
    return response;
  }

  /**
   * Whether rewording reproduces what mailauth wrote for this very sender: a result kind left
   * out of COMMENTS, or a mailauth that words it differently, is not cached.
   */
  private rewordable(response: SPFResult, sender: string, mta: string, domain: string): boolean {
    if (!Object.hasOwn(COMMENTS, response.status.result) || response.domain !== domain) return false;
    const reworded = forSender(response, sender, mta);
    return (
      reworded.header === response.header &&
      reworded.info === response.info &&
      reworded.status.comment === response.status.comment &&
      reworded['envelope-from'] === response['envelope-from']
    );
  }
}
