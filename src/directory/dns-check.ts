import type { MailResolver } from '../delivery/dns-resolver.ts';
import type { DnsRecord } from './dns-records.ts';

/**
 * ok: published as `petrel dns` says; missing: nothing there; wrong: something else there;
 * error: DNS did not answer (timeout, SERVFAIL), so we cannot tell.
 */
export type DnsCheckStatus = 'ok' | 'missing' | 'wrong' | 'error';

export interface DnsCheckLine {
  /** Fully qualified, with the trailing dot, as in `petrel dns`. */
  name: string;
  type: DnsRecord['type'];
  purpose: string;
  /** Mail flow or trust breaks without it; the rest (autoconfig, SRV) only helps clients. */
  required: boolean;
  status: DnsCheckStatus;
  expected: string;
  /** What DNS answered for this name and type (TXT: only the records of the same kind). */
  found: string[];
  /** Why it is not ok, in a sentence. */
  problem?: string;
}

export interface DnsCheckReport {
  domain: string;
  hostname: string;
  /** Every required record is ok. */
  ok: boolean;
  records: DnsCheckLine[];
  summary: { ok: number; missing: number; wrong: number; error: number; requiredFailing: number };
}

const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');

function isAbsent(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENODATA' || code === 'ENOTFOUND';
}

type Answer<T> = { values: T[] } | { absent: true } | { error: string };

async function ask<T>(lookup: () => Promise<T[]>): Promise<Answer<T>> {
  try {
    const values = await lookup();
    return values.length ? { values } : { absent: true };
  } catch (err) {
    if (isAbsent(err)) return { absent: true };
    return { error: (err as Error).message };
  }
}

/** TXT answers come as lists of <=255-octet strings that form one value (RFC 7208 §3.3, RFC 6376 §3.6.2.2). */
async function txtRecords(resolver: MailResolver, name: string): Promise<Answer<string>> {
  const answer = await ask(() => resolver.resolveTxt(bare(name)));
  return 'values' in answer ? { values: answer.values.map((chunks) => chunks.join('')) } : answer;
}

/** `tag=value; tag=value` as used by DKIM (RFC 6376 §3.2) and DMARC (RFC 7489 §6.4). */
function tags(record: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/g, ''));
  }
  return out;
}

type Verdict = Pick<DnsCheckLine, 'status' | 'found' | 'problem'>;

function notAnswered(answer: { absent: true } | { error: string }, what: string): Verdict {
  if ('error' in answer) return { status: 'error', found: [], problem: `lookup failed: ${answer.error}` };
  return { status: 'missing', found: [], problem: `no ${what} published` };
}

async function checkMx(resolver: MailResolver, record: DnsRecord, hostname: string): Promise<Verdict> {
  const answer = await ask(() => resolver.resolveMx(bare(record.name)));
  if (!('values' in answer)) return notAnswered(answer, 'MX record');
  const found = answer.values.map((mx) => `${mx.priority} ${mx.exchange}.`);
  if (answer.values.some((mx) => mx.exchange === bare(hostname))) return { status: 'ok', found };
  return { status: 'wrong', found, problem: `no MX points at ${bare(hostname)}` };
}

async function checkSpf(resolver: MailResolver, record: DnsRecord): Promise<Verdict> {
  const answer = await txtRecords(resolver, record.name);
  const found = 'values' in answer ? answer.values.filter((v) => /^v=spf1(\s|$)/i.test(v)) : [];
  if (!('values' in answer) || found.length === 0) return notAnswered('values' in answer ? { absent: true } : answer, 'SPF record');
  // RFC 7208 §4.5: more than one SPF record is a permanent error, so receivers ignore them all.
  if (found.length > 1) return { status: 'wrong', found, problem: `${found.length} SPF records; receivers treat that as a permanent error, keep exactly one` };
  const terms = new Set(found[0].toLowerCase().split(/\s+/));
  // The mechanisms that authorise this server; the "all" qualifier is the domain owner's choice.
  const needed = record.value.toLowerCase().split(/\s+/).filter((t) => t !== 'v=spf1' && !/^[-~?+]?all$/.test(t));
  const lacking = needed.filter((t) => !terms.has(t) && !terms.has(`+${t}`));
  if (lacking.length) return { status: 'wrong', found, problem: `SPF record lacks ${lacking.map((t) => `"${t}"`).join(', ')}` };
  return { status: 'ok', found };
}

async function checkDkim(resolver: MailResolver, record: DnsRecord): Promise<Verdict> {
  const answer = await txtRecords(resolver, record.name);
  const found = 'values' in answer ? answer.values.filter((v) => tags(v).has('p')) : [];
  if (!('values' in answer) || found.length === 0) return notAnswered('values' in answer ? { absent: true } : answer, 'DKIM key at this selector');
  const key = tags(record.value).get('p');
  if (found.some((v) => tags(v).get('p') === key)) return { status: 'ok', found };
  return { status: 'wrong', found, problem: 'the published p= key is not the active signing key' };
}

async function checkDmarc(resolver: MailResolver, record: DnsRecord): Promise<Verdict> {
  const answer = await txtRecords(resolver, record.name);
  const found = 'values' in answer ? answer.values.filter((v) => /^v=DMARC1\s*(;|$)/i.test(v)) : [];
  if (!('values' in answer) || found.length === 0) return notAnswered('values' in answer ? { absent: true } : answer, 'DMARC record');
  // RFC 7489 §6.6.3: with more than one record, receivers apply no DMARC policy at all.
  if (found.length > 1) return { status: 'wrong', found, problem: `${found.length} DMARC records; receivers ignore them all, keep exactly one` };
  const policy = tags(found[0]).get('p')?.toLowerCase();
  if (!policy || !['none', 'quarantine', 'reject'].includes(policy)) return { status: 'wrong', found, problem: 'DMARC record has no valid p= policy (none, quarantine or reject)' };
  return { status: 'ok', found };
}

async function addresses(resolver: MailResolver, name: string): Promise<Answer<string>> {
  const [a, aaaa] = await Promise.all([ask(() => resolver.resolve4(name)), ask(() => resolver.resolve6(name))]);
  const values = [a, aaaa].flatMap((r) => ('values' in r ? r.values : []));
  if (values.length) return { values };
  const failed = [a, aaaa].find((r): r is { error: string } => 'error' in r);
  return failed ?? { absent: true };
}

/**
 * An alias is fine when it is a CNAME to the host name, or when its A/AAAA records copy the host
 * name's addresses (some DNS hosting cannot put a CNAME where the admin wants one).
 */
async function checkAlias(resolver: MailResolver, record: DnsRecord, hostname: string): Promise<Verdict> {
  const cname = await ask(() => resolver.resolveCname(bare(record.name)));
  if ('values' in cname) {
    if (cname.values.includes(bare(hostname))) return { status: 'ok', found: cname.values };
    return { status: 'wrong', found: cname.values, problem: `CNAME points at ${cname.values.join(', ')}, not ${bare(hostname)}` };
  }
  const answer = await addresses(resolver, bare(record.name));
  if (!('values' in answer)) return notAnswered(answer, 'CNAME or address record');
  const found = answer.values;
  const ours = await addresses(resolver, bare(hostname));
  if (!('values' in ours)) return { status: 'error', found, problem: `cannot compare: ${bare(hostname)} itself has no address (${'error' in ours ? ours.error : 'no A/AAAA'})` };
  if (found.some((ip) => ours.values.includes(ip))) return { status: 'ok', found };
  return { status: 'wrong', found, problem: `resolves to ${found.join(', ')}, but ${bare(hostname)} is ${ours.values.join(', ')}` };
}

/** RFC 6186: the service's port and target, or target "." where the service is deliberately off. */
async function checkSrv(resolver: MailResolver, record: DnsRecord): Promise<Verdict> {
  const answer = await ask(() => resolver.resolveSrv(bare(record.name)));
  if (!('values' in answer)) return notAnswered(answer, 'SRV record');
  const [, , port, target] = record.value.split(/\s+/);
  const found = answer.values.map((srv) => `${srv.priority} ${srv.weight} ${srv.port} ${srv.name || '.'}`);
  const wanted = answer.values.some((srv) => String(srv.port) === port && srv.name === bare(target));
  return wanted ? { status: 'ok', found } : { status: 'wrong', found, problem: `expected port ${port} on ${target}` };
}

/** Compares the records `petrel dns` says to publish with what DNS answers, one line per record. */
export async function checkDnsRecords(resolver: MailResolver, domain: string, hostname: string, records: DnsRecord[]): Promise<DnsCheckReport> {
  const d = `${bare(domain)}.`;
  const lines: DnsCheckLine[] = [];
  for (const record of records) {
    let verdict: Verdict;
    let required = true;
    if (record.type === 'MX') verdict = await checkMx(resolver, record, hostname);
    else if (record.type === 'TXT' && record.name === d && /^v=spf1/i.test(record.value)) verdict = await checkSpf(resolver, record);
    else if (record.type === 'TXT' && record.name.includes('._domainkey.')) verdict = await checkDkim(resolver, record);
    else if (record.type === 'TXT' && record.name.startsWith('_dmarc.')) verdict = await checkDmarc(resolver, record);
    else if (record.type === 'CNAME') {
      required = false;
      verdict = await checkAlias(resolver, record, hostname);
    } else {
      required = false;
      verdict = await checkSrv(resolver, record);
    }
    lines.push({ name: record.name, type: record.type, purpose: record.purpose, required, expected: record.value, ...verdict });
  }
  const count = (status: DnsCheckStatus) => lines.filter((l) => l.status === status).length;
  const requiredFailing = lines.filter((l) => l.required && l.status !== 'ok').length;
  return {
    domain: bare(domain),
    hostname: bare(hostname),
    ok: requiredFailing === 0,
    records: lines,
    summary: { ok: count('ok'), missing: count('missing'), wrong: count('wrong'), error: count('error'), requiredFailing },
  };
}

const MARKS: Record<DnsCheckStatus, string> = { ok: 'ok     ', missing: 'MISSING', wrong: 'WRONG  ', error: 'ERROR  ' };

/** One line per record (plus expected/found under each problem) and a summary line. */
export function formatDnsCheck(report: DnsCheckReport): string {
  const out: string[] = [];
  for (const line of report.records) {
    const optional = line.required || line.status === 'ok' ? '' : ' (optional)';
    out.push(`[${MARKS[line.status]}] ${line.type.padEnd(5)} ${line.name}${optional}${line.problem ? ` — ${line.problem}` : ''}`);
    if (line.status === 'missing' || line.status === 'wrong') {
      out.push(`            expected: ${line.expected}`);
      for (const found of line.found) out.push(`            found:    ${found}`);
    }
  }
  const s = report.summary;
  const parts = [`${s.ok} ok`, `${s.missing} missing`, `${s.wrong} wrong`];
  if (s.error) parts.push(`${s.error} lookup errors`);
  out.push(
    report.ok
      ? `${report.domain}: all required records are in place (${parts.join(', ')})`
      : `${report.domain}: ${s.requiredFailing} required record${s.requiredFailing === 1 ? '' : 's'} need${s.requiredFailing === 1 ? 's' : ''} fixing (${parts.join(', ')})`,
  );
  return `${out.join('\n')}\n`;
}
