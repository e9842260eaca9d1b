import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

import type { DNSResolver } from 'mailauth';

/** Records served for one name instead of asking DNS. MX entries read like zone files: "10 mx.example.org". */
export interface DnsOverrideRecords {
  MX?: string[];
  A?: string[];
  AAAA?: string[];
  TXT?: string[];
  /** As in a zone file: "<priority> <weight> <port> <target>". */
  SRV?: string[];
  CNAME?: string[];
}

export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  /** Target without the trailing dot; "" for "." (the service is deliberately not offered, RFC 2782). */
  name: string;
}

/** Keyed by lower-case name without the trailing dot. */
export type DnsOverrides = Record<string, DnsOverrideRecords>;

export interface MxRecord {
  /** Host name without the trailing dot; "" for a null MX (RFC 7505). */
  exchange: string;
  priority: number;
}

/** The lookups outbound delivery and the mailauth checks need, with the same errors node:dns throws. */
export interface MailResolver {
  resolveMx(name: string): Promise<MxRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolveTxt(name: string): Promise<string[][]>;
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolveCname(name: string): Promise<string[]>;
  /** For mailauth's `resolver` option: `(name, rrtype)` answering like `dns.promises.resolve`. */
  mailauthResolver: DNSResolver;
}

export interface ResolverOptions {
  overrides?: DnsOverrides;
  /** Ask the system's DNS servers for names without an override; default true. */
  system?: boolean;
  /** Per-query timeout handed to the c-ares resolver; default 5 s. */
  timeoutMs?: number;
  /** DNS servers to ask instead of the system's ("192.0.2.53" or "192.0.2.53:5353"), e.g. an internal resolver. */
  servers?: string[];
}

/** Shaped like the errors node:dns throws, so code that checks `err.code` works against both. */
export class DnsError extends Error {
  constructor(
    readonly code: 'ENOTFOUND' | 'ENODATA' | 'ENOTIMP',
    readonly syscall: string,
    readonly hostname: string,
  ) {
    super(`${syscall} ${code} ${hostname}`);
  }
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function parseMx(entry: string, name: string): MxRecord {
  const match = /^\s*(\d+)\s+(\S+)\s*$/.exec(entry);
  if (!match) throw new Error(`DNS override for ${name}: MX "${entry}" is not "<priority> <host>"`);
  // node:dns reports the root name of a null MX as "", so overrides do the same.
  return { priority: Number(match[1]), exchange: normalizeName(match[2]) };
}

function parseSrv(entry: string, name: string): SrvRecord {
  const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s*$/.exec(entry);
  if (!match) throw new Error(`DNS override for ${name}: SRV "${entry}" is not "<priority> <weight> <port> <target>"`);
  return { priority: Number(match[1]), weight: Number(match[2]), port: Number(match[3]), name: normalizeName(match[4]) };
}

/** Overrides as served: MX and SRV entries parsed once, so a typo fails at start-up rather than at the first lookup. */
interface ParsedRecords {
  MX?: MxRecord[];
  A?: string[];
  AAAA?: string[];
  TXT?: string[][];
  SRV?: SrvRecord[];
  CNAME?: string[];
}

const POSITIVE_TTL_MS = 5 * 60_000;
// RFC 2308 lets resolvers remember "no such name / no such record" too; a short time, so a
// record just published is seen soon.
const NEGATIVE_TTL_MS = 60_000;
const MAX_CACHED = 10_000;
const NEGATIVE_CODES = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Every inbound message asks for the sender domain's SPF and DMARC records, and most come from a
 * few domains: without a cache each delivery waits on the network (and a lossy resolver's
 * retries). node:dns exposes no TTL for TXT and MX answers, so answers are kept for a fixed,
 * short time; identical queries in flight share one request; failures other than "does not
 * exist" (timeouts, SERVFAIL) are never cached.
 */
class AnswerCache {
  private readonly entries = new Map<string, { expires: number; answer: Promise<unknown> }>();

  get<T>(key: string, ask: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.answer as Promise<T>;
    if (this.entries.size >= MAX_CACHED) this.entries.delete(this.entries.keys().next().value as string);
    const answer = ask();
    const entry = { expires: Number.POSITIVE_INFINITY, answer: answer as Promise<unknown> };
    this.entries.set(key, entry);
    answer.then(
      () => {
        entry.expires = Date.now() + POSITIVE_TTL_MS;
      },
      (err: NodeJS.ErrnoException) => {
        if (NEGATIVE_CODES.has(err.code ?? '')) entry.expires = Date.now() + NEGATIVE_TTL_MS;
        else if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return answer;
  }
}

export function createResolver(opts: ResolverOptions = {}): MailResolver {
  const overrides = new Map<string, ParsedRecords>();
  for (const [name, records] of Object.entries(opts.overrides ?? {})) {
    overrides.set(normalizeName(name), {
      MX: records.MX?.map((entry) => parseMx(entry, name)),
      A: records.A,
      AAAA: records.AAAA,
      // A TXT record is a list of <=255-byte strings; an override is one record given as one string.
      TXT: records.TXT?.map((text) => [text]),
      SRV: records.SRV?.map((entry) => parseSrv(entry, name)),
      CNAME: records.CNAME?.map(normalizeName),
    });
  }
  const system = opts.system === false ? null : new Resolver({ timeout: opts.timeoutMs ?? 5_000, tries: 2 });
  const cache = new AnswerCache();
  if (system && opts.servers) system.setServers(opts.servers);

  /**
   * An overridden name answers only from its overrides: a missing record type is ENODATA, never a
   * fall-through to public DNS, so a test or an air-gapped site sees exactly what it configured.
   */
  async function lookup<K extends keyof ParsedRecords>(
    name: string,
    type: K,
    syscall: string,
    ask: (r: Resolver, n: string) => Promise<NonNullable<ParsedRecords[K]>>,
  ): Promise<NonNullable<ParsedRecords[K]>> {
    const key = normalizeName(name);
    const records = overrides.get(key);
    if (records) {
      const values = records[type];
      if (!values || values.length === 0) throw new DnsError('ENODATA', syscall, key);
      // A copy: callers sort answers in place (mailauth's SPF does), which must not reorder the overrides.
      return structuredClone(values);
    }
    if (!system) throw new DnsError('ENOTFOUND', syscall, key);
    return structuredClone(await cache.get(`${type} ${key}`, () => ask(system, key)));
  }

  const resolver = {
    resolveMx: (name: string) =>
      lookup(name, 'MX', 'queryMx', async (r, n) =>
        (await r.resolveMx(n)).map((mx) => ({ priority: mx.priority, exchange: normalizeName(mx.exchange) })),
      ),
    resolve4: (name: string) => lookup(name, 'A', 'queryA', (r, n) => r.resolve4(n)),
    resolve6: (name: string) => lookup(name, 'AAAA', 'queryAaaa', (r, n) => r.resolve6(n)),
    resolveTxt: (name: string) => lookup(name, 'TXT', 'queryTxt', (r, n) => r.resolveTxt(n)),
    resolveSrv: (name: string) =>
      lookup(name, 'SRV', 'querySrv', async (r, n) => (await r.resolveSrv(n)).map((srv) => ({ ...srv, name: normalizeName(srv.name) }))),
    resolveCname: (name: string) => lookup(name, 'CNAME', 'queryCname', async (r, n) => (await r.resolveCname(n)).map(normalizeName)),
  };

  async function mailauthResolver(name: string, rrtype: string): Promise<string[] | string[][]> {
    switch (rrtype.toUpperCase()) {
      case 'TXT':
        return resolver.resolveTxt(name);
      case 'A':
        return resolver.resolve4(name);
      case 'AAAA':
        return resolver.resolve6(name);
      case 'MX':
        // mailauth's typings allow only strings, but its SPF "mx" mechanism reads
        // `.exchange` and `.priority` from what dns.resolve(name, 'MX') returns (lib/spf/spf-verify.js).
        return (await resolver.resolveMx(name)) as unknown as string[];
      case 'PTR': {
        // SPF "ptr" (RFC 7208 §5.5) queries reverse names, which overrides do not describe.
        const key = normalizeName(name);
        if (overrides.has(key)) throw new DnsError('ENODATA', 'queryPtr', key);
        if (!system) throw new DnsError('ENOTFOUND', 'queryPtr', key);
        return system.resolvePtr(key);
      }
      default:
        throw new DnsError('ENOTIMP', `query${rrtype}`, normalizeName(name));
    }
  }

  return { ...resolver, mailauthResolver };
}

export interface MailHost {
  host: string;
  priority: number;
}

/** Why a domain has no host to deliver to; `permanent` tells bounce from retry. */
export class MailHostError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** RFC 3463 enhanced status code for the DSN. */
    readonly enhanced: string,
  ) {
    super(message);
  }
}

function isNoRecords(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENODATA' || code === 'ENOTFOUND';
}

/** Shuffles in place (Fisher–Yates) with the given random source. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * The hosts to try for a recipient domain, in order (RFC 5321 §5.1).
 * Throws MailHostError: permanent when the domain cannot receive mail, temporary when DNS failed.
 */
export async function findMailHosts(resolver: MailResolver, domain: string, random: () => number = Math.random): Promise<MailHost[]> {
  // RFC 5321 §4.1.3 / §5.1: an address literal names the host itself, no DNS involved.
  const literal = /^\[(?:IPv6:)?([^\]]+)\]$/i.exec(domain);
  if (literal) {
    if (isIP(literal[1]) === 0) throw new MailHostError(`invalid address literal ${domain}`, true, '5.1.2');
    return [{ host: literal[1], priority: 0 }];
  }
  const name = domainToASCII(normalizeName(domain));
  if (!name) throw new MailHostError(`invalid domain name ${domain}`, true, '5.1.2');

  let records: MxRecord[];
  try {
    records = await resolver.resolveMx(name);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOTFOUND') throw new MailHostError(`domain ${name} does not exist`, true, '5.1.2');
    if ((err as { code?: unknown }).code !== 'ENODATA') throw new MailHostError(`MX lookup for ${name} failed: ${(err as Error).message}`, false, '4.4.3');
    records = [];
  }

  // RFC 7505 §3-4: a lone MX for the root name says the domain accepts no mail at all.
  const isNull = (mx: MxRecord) => mx.exchange === '' || mx.exchange === '.';
  if (records.length === 1 && isNull(records[0])) {
    throw new MailHostError(`domain ${name} does not accept mail (null MX)`, true, '5.1.10');
  }
  // A null MX mixed with real ones is a misconfiguration; the root name can never be connected to.
  const usable = records.filter((mx) => !isNull(mx));
  if (usable.length > 0) {
    // Lowest preference first; equal preferences in random order to spread the load (§5.1).
    const byPriority = new Map<number, MxRecord[]>();
    for (const mx of usable) byPriority.set(mx.priority, [...(byPriority.get(mx.priority) ?? []), mx]);
    return [...byPriority.keys()]
      .sort((a, b) => a - b)
      .flatMap((priority) => shuffle(byPriority.get(priority) ?? [], random))
      .map((mx) => ({ host: mx.exchange, priority: mx.priority }));
  }

  // No MX: the domain itself is the implicit MX with preference 0, if it has an address (§5.1).
  const [a, aaaa] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const found = [a, aaaa].some((r) => r.status === 'fulfilled' && r.value.length > 0);
  if (found) return [{ host: name, priority: 0 }];
  const failed = [a, aaaa].find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isNoRecords(r.reason));
  if (failed) throw new MailHostError(`address lookup for ${name} failed: ${(failed.reason as Error).message}`, false, '4.4.3');
  throw new MailHostError(`domain ${name} has no MX and no address records`, true, '5.1.2');
}
