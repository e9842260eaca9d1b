import { dmarc, type DMARCOptions, type DMARCResult, type DNSResolver } from 'mailauth';

import { recordingResolver, stillAnswered, type Lookup } from './dns-replay.ts';

const MAX_ENTRIES = 10_000;

/**
 * mailauth's DMARC check (RFC 7489), remembered per From domain and per what it weighs: the
 * domains that passed SPF and DKIM and the ARC verdict. Its result names no more of the From
 * address than the domain, and is read from the DNS answers alone besides, so it is reused while
 * the resolver still gives those answers (stillAnswered). Only a single From address is
 * remembered (several make mailauth give up at once), and never after a DNS failure.
 * The result served is the one remembered: callers only read it.
 */
export class DmarcCache {
  private readonly entries = new Map<string, { lookups: Lookup[]; result: DMARCResult | false }>();
  /** Checks answered from the cache; for tests and monitoring. */
  hits = 0;

  constructor(private readonly resolver: DNSResolver) {}

  async check(opts: Omit<DMARCOptions, 'resolver'>): Promise<DMARCResult | false> {
    const from = Array.isArray(opts.headerFrom) ? (opts.headerFrom.length === 1 ? opts.headerFrom[0] : null) : opts.headerFrom;
    if (from === null) return dmarc({ ...opts, resolver: this.resolver });
    // The domain as mailauth takes it from the address (lib/dmarc/verify.js).
    const domain = from.slice(from.indexOf('@') + 1).toLowerCase().trim();
    const key = JSON.stringify([domain, opts.spfDomains ?? null, opts.dkimDomains ?? null, opts.arcResult?.status?.result ?? null]);
    const entry = this.entries.get(key);
    if (entry && (await stillAnswered(this.resolver, entry.lookups))) {
      this.hits++;
      return entry.result;
    }
    const recording = recordingResolver(this.resolver, () => true);
    const result = await dmarc({ ...opts, resolver: recording.resolver });
    if (recording.reusable() && (!result || result.status.result !== 'temperror')) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, { lookups: recording.lookups, result });
    } else if (entry) {
      this.entries.delete(key);
    }
    return result;
  }
}
