import { hostname } from 'node:os';
import { isIP } from 'node:net';

import { arc, dkimVerify, type ARCData, type DMARCResult, type DNSResolver } from 'mailauth';

import { DmarcCache } from './dmarc-cache.ts';
import { foldLines } from './mailauth-internals.ts';
import { SpfCache } from './spf-cache.ts';

export interface AuthenticationRequest {
  ip: string;
  helo: string;
  /** MAIL FROM. */
  sender: string;
  /** Our authserv-id. */
  mta: string;
}

export interface Authentication {
  /** The Received-SPF and Authentication-Results fields, CRLF-terminated. */
  headers: string;
  dmarc: DMARCResult | false;
}

/** Where the header block of `raw` ends (after its empty line), or -1 when it has none. */
function headerEnd(raw: Buffer): number {
  // mailauth's parser ends the header block at the first empty line, LF or CRLF (a bare LF counts
  // as a line break there).
  const lf = raw.indexOf('\n\n');
  const crlf = raw.indexOf('\n\r\n');
  if (lf === -1 && crlf === -1) return -1;
  return lf === -1 ? crlf + 3 : crlf === -1 ? lf + 2 : Math.min(lf + 2, crlf + 3);
}

/**
 * The From fields of a header block, grouped and keyed as mailauth's parseHeaders (lib/tools.js)
 * does, as a header block of their own; null when that could read differently from the whole
 * block (a field with a stray CR, a first line that starts with white space) or there is no From.
 */
function fromFieldsOnly(header: string): Buffer | null {
  const rows: string[][] = [];
  for (const line of header.replace(/[\r\n]+$/, '').split(/\r?\n/)) {
    if (rows.length > 0 && /^\s/.test(line)) rows[rows.length - 1].push(line);
    else rows.push([line]);
  }
  const fields: string[] = [];
  for (const row of rows) {
    const field = row.join('\r\n');
    if (field.match(/^[^:]+/)?.[0].trim().toLowerCase() !== 'from') continue;
    if (/^\s/.test(row[0]) || row.some((line) => line.includes('\r'))) return null;
    fields.push(field);
  }
  return fields.length === 0 ? null : Buffer.from(`${fields.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * What mailauth's DKIM verifier needs to read of a message. It hashes the body only for a
 * DKIM-Signature or the newest ARC set (RFC 6376 §3.7, RFC 8617 §4.1.2). Without either in the
 * header block (a plain substring test, so a doubtful message is always checked whole) nothing
 * is verified and all it takes from the message is the From addresses DMARC aligns with, so it is
 * handed the From fields alone and spared streaming the rest through its parser byte by byte.
 */
function dkimInput(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  if (end === -1) return raw;
  const header = raw.toString('latin1', 0, end);
  const lower = header.toLowerCase();
  if (lower.includes('dkim-signature') || lower.includes('arc-')) return raw;
  return fromFieldsOnly(header) ?? raw.subarray(0, end);
}

/** Per resolver, as the DNS answers they reuse results of are. */
const caches = new WeakMap<DNSResolver, { spf: SpfCache; dmarc: DmarcCache }>();

/**
 * mailauth's `authenticate` with BIMI off and no ARC sealing, step by step as it does it
 * (lib/mailauth.js), minus what Petrel throws away (its parse of every Received field), with SPF
 * and DMARC answered through SpfCache and DmarcCache. The header fields are byte for byte the
 * ones `authenticate` writes.
 */
export async function authenticateMessage(raw: Buffer, request: AuthenticationRequest, resolver: DNSResolver): Promise<Authentication> {
  const mta = request.mta || hostname();
  const dkimResult = await dkimVerify(dkimInput(raw), { resolver, sender: request.sender });

  let helo = request.helo || request.ip;
  if (helo && isIP(helo)) helo = `[${helo}]`;
  let cache = caches.get(resolver);
  if (!cache) caches.set(resolver, (cache = { spf: new SpfCache(resolver), dmarc: new DmarcCache(resolver) }));
  const spfResult = await cache.spf.check({ ip: request.ip, helo, sender: request.sender, mta });

  // dkimVerify's `arc` is the chain data `arc` takes, though the typings name it differently.
  const arcResult = await arc(dkimResult.arc as unknown as ARCData, { resolver });

  const rows = dkimResult.results.map((row) => foldLines(row.info, 160));
  rows.push(foldLines(spfResult.info, 160));
  if (arcResult.info) rows.push(foldLines(arcResult.info, 160));

  let dmarcResult: DMARCResult | false = false;
  if (dkimResult.headerFrom) {
    dmarcResult = await cache.dmarc.check({
      headerFrom: dkimResult.headerFrom,
      spfDomains: spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [],
      dkimDomains: dkimResult.results
        .filter((r) => r.status.result === 'pass')
        .map((r) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned, underSized: r.status.underSized })),
      arcResult,
    });
    if (dmarcResult && dmarcResult.info) rows.push(foldLines(dmarcResult.info, 160));
  }

  const headers = [spfResult.header, `Authentication-Results: ${mta};\r\n ` + rows.join(';\r\n ')];
  return { headers: headers.join('\r\n') + '\r\n', dmarc: dmarcResult };
}
