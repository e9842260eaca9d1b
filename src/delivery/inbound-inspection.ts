import type { ParsedMessage } from '../mail/mime/index.ts';
import { prepareMessage } from '../mail/prepared-message.ts';
import type { SearchText } from '../store/fulltext.ts';
import type { MailResolver } from './dns-resolver.ts';
import { authenticateMessage } from './mail-authentication.ts';
import { removeForgedAuthResults } from './trace-headers.ts';

/**
 * Everything about one inbound message that depends only on its bytes and its envelope: the
 * authentication checks, the trace header block, the MIME parse, the search text and the hash.
 * Plain data in and out, so it can run in a worker thread (inbound-pool.ts) or inline with
 * identical results.
 */
export interface InspectionRequest {
  raw: Uint8Array;
  mailFrom: string;
  /** Our authserv-id and MTA name. */
  hostname: string;
  /** Trace fields (Received) to put above the message, under the Authentication-Results. */
  traceHeaders: string;
  /** SPF/DKIM/DMARC/ARC inputs, or null when the sender is trusted (LMTP from our MTA). */
  check: { ip: string; helo: string } | null;
}

export type Inspection =
  | { refusedByDmarc: string }
  | { refusedByDmarc: null; message: Uint8Array; hash: string; parsed: ParsedMessage; searchText: SearchText };

/**
 * RFC 5321 §4.4: the delivering server puts the envelope's reverse-path at the top of a message it
 * delivers into a mailbox (`<>` for a bounce). Only at final delivery: a relayed or queued copy
 * never carries one.
 */
export function returnPathField(mailFrom: string): string {
  return `Return-Path: <${mailFrom}>\r\n`;
}

export async function inspectInbound(request: InspectionRequest, resolver: MailResolver): Promise<Inspection> {
  let raw = Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength);
  let prefix = request.traceHeaders;
  if (request.check) {
    raw = removeForgedAuthResults(raw, request.hostname);
    const result = await authenticateMessage(
      raw,
      { ip: request.check.ip, helo: request.check.helo, sender: request.mailFrom, mta: request.hostname },
      resolver.mailauthResolver,
    );
    // RFC 7489 §6.6.2: honour p=reject (mailauth reports the policy that applies, pct included).
    if (result.dmarc && result.dmarc.status.result === 'fail' && result.dmarc.policy === 'reject') {
      return { refusedByDmarc: result.dmarc.domain };
    }
    prefix = result.headers + prefix;
  }
  const message = Buffer.concat([Buffer.from(returnPathField(request.mailFrom) + prefix, 'utf8'), raw]);
  const { hash, parsed, searchText } = prepareMessage(message);
  return { refusedByDmarc: null, message, hash, parsed, searchText };
}
