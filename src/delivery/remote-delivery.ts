import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

import type { NodemailerError } from 'nodemailer/lib/errors';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPConnectionOptions, SMTPConnectionSendInfo, SMTPEnvelope } from 'nodemailer/lib/smtp-connection';

import type { MailResolver } from './dns-resolver.ts';

export interface RemoteHost {
  host: string;
  port: number;
}

/** RFC 3461 parameters to pass on; sent only to a peer that announces DSN. */
export interface DsnParameters {
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  /** Per recipient NOTIFY value (RFC 3461 §4.1), e.g. "FAILURE,DELAY" or "NEVER". */
  notify?: Record<string, string>;
  /** Per recipient ORCPT value, decoded (RFC 3461 §4.2), e.g. "rfc822;user@example.org". */
  orcpt?: Record<string, string>;
}

export interface RemoteDeliveryOptions {
  /** In the order to try them: MX hosts by preference, or a smarthost. */
  hosts: RemoteHost[];
  heloName: string;
  /** Envelope sender; "" for a DSN (MAIL FROM:<>). */
  sender: string;
  recipients: string[];
  /** The message, or a factory that opens a fresh stream for every transaction. */
  message: Buffer | (() => Readable);
  /** Message size for SIZE (RFC 1870); taken from the Buffer when not given. */
  size?: number;
  /** The message has 8-bit content, sent with BODY=8BITMIME (RFC 6152); detected for a Buffer. */
  eightBit?: boolean;
  /** Fail a host that cannot do STARTTLS instead of sending in cleartext. */
  requireTls?: boolean;
  /** Credentials for a smarthost; only ever sent over TLS. */
  auth?: { user: string; pass: string };
  dsn?: DsnParameters;
  /** The longest wait for any one reply; default 10 minutes (RFC 5321 §4.5.3.2, DATA termination). */
  timeoutMs?: number;
  /**
   * Certificate checking; off by default because MX TLS is opportunistic (RFC 7435 §1.3). Without
   * requireTls a failed check still falls back to cleartext, so verifying only means something with it.
   */
  tls?: { rejectUnauthorized: boolean };
  /** Resolves host names to addresses, so DNS overrides apply; without it the system resolver is used. */
  resolver?: MailResolver;
}

export type RecipientStatus = 'sent' | 'temporary' | 'permanent';

export interface RecipientResult {
  recipient: string;
  status: RecipientStatus;
  /** The remote SMTP reply code, when the verdict came from a reply. */
  code?: number;
  /** RFC 3463 status, from the reply or chosen by us; its class matches `status`. */
  enhanced?: string;
  /** The remote reply (one line) or what went wrong locally. */
  message: string;
  /** The host that gave the verdict, for Remote-MTA. */
  host?: string;
  /** Accepted by a peer without DSN although NOTIFY asked for SUCCESS: a "relayed" DSN is owed (RFC 3461 §5.2.2). */
  relayedWithoutDsn?: true;
}

export interface RemoteDeliveryResult {
  recipients: RecipientResult[];
}

/** A host or address that did not take the transaction; the recipients move on to the next one. */
interface SessionFailure {
  failure: true;
  message: string;
  code?: number;
  enhanced: string;
  host?: string;
  /** Only a 5xx greeting or HELO from the last host makes the carried recipients bounce. */
  permanent: boolean;
}

interface Target {
  host: string;
  port: number;
  /** Resolved through opts.resolver; the connection goes here, SNI and reports name `host`. */
  address?: string;
}

interface PeerExtensions {
  keywords: Set<string>;
  /** 0 when the peer announced no limit. */
  sizeLimit: number;
}

interface Session {
  conn: SMTPConnection;
  target: Target;
  /** null when the EHLO reply was not the last one seen (STARTTLS refused), so nothing is assumed. */
  extensions: PeerExtensions | null;
  ended: Promise<void>;
}

type Outcome = { kind: 'final'; results: RecipientResult[] } | { kind: 'carry'; failure: SessionFailure };

/** Postfix caps tries per delivery similarly (smtp_mx_address_limit); a domain listing 50 dead MX must not stall the queue. */
const MAX_TARGETS = 10;
/** Connecting gets its own shorter limit, like Postfix's smtp_connect_timeout: a dead host should not cost the whole reply timeout. */
const CONNECT_TIMEOUT_MS = 30_000;
/** How long to wait for the peer to close after QUIT before leaving the socket to nodemailer's own close timer. */
const QUIT_WAIT_MS = 6_000;

const NON_ASCII = /[^\x00-\x7f]/;
const BAD_ADDRESS = /[\r\n<>]/;

export async function deliverToRemote(opts: RemoteDeliveryOptions): Promise<RemoteDeliveryResult> {
  const results = new Map<string, RecipientResult>();
  const finish = (r: RecipientResult) => results.set(r.recipient, r);
  let pending = precheckAddresses(opts, finish);
  let last: SessionFailure = { failure: true, message: 'no mail host to try', enhanced: '4.4.4', permanent: false };
  let tried = 0;

  for (const host of opts.hosts) {
    if (pending.length === 0 || tried >= MAX_TARGETS) break;
    const targets = await resolveTargets(host, opts.resolver);
    if ('failure' in targets) {
      last = targets;
      continue;
    }
    for (const target of targets) {
      if (pending.length === 0 || tried >= MAX_TARGETS) break;
      tried++;
      const session = await openSession(target, opts, false);
      if ('failure' in session) {
        last = session;
        continue;
      }
      const { carried, failure } = await deliverOverSession(session, pending, opts, finish);
      await closeSession(session);
      pending = carried;
      if (failure) last = failure;
    }
  }

  // RFC 5321 §4.5.4.1: whatever no host took is retried later, unless the last host refused service outright.
  for (const recipient of pending) {
    finish({
      recipient,
      status: last.permanent ? 'permanent' : 'temporary',
      code: last.code,
      enhanced: last.enhanced,
      message: last.message,
      host: last.host,
    });
  }
  return { recipients: [...new Set(opts.recipients)].map((r) => results.get(r) as RecipientResult) };
}

/** Addresses nodemailer would refuse to put on the wire fail now, each with its own reason. */
function precheckAddresses(opts: RemoteDeliveryOptions, finish: (r: RecipientResult) => void): string[] {
  const recipients = [...new Set(opts.recipients)];
  if (BAD_ADDRESS.test(opts.sender)) {
    for (const recipient of recipients) finish({ recipient, status: 'permanent', enhanced: '5.1.7', message: `invalid sender address ${JSON.stringify(opts.sender)}` });
    return [];
  }
  return recipients.filter((recipient) => {
    if (recipient && !BAD_ADDRESS.test(recipient)) return true;
    finish({ recipient, status: 'permanent', enhanced: '5.1.3', message: `invalid recipient address ${JSON.stringify(recipient)}` });
    return false;
  });
}

async function resolveTargets(host: RemoteHost, resolver: MailResolver | undefined): Promise<Target[] | SessionFailure> {
  if (!resolver || isIP(host.host) !== 0) return [{ ...host }];
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host.host), resolver.resolve6(host.host)]);
  // IPv4 first: receivers are stricter with IPv6 senders (Gmail refuses IPv6 mail lacking reverse DNS or authentication).
  const addresses = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  if (addresses.length === 0) {
    return { failure: true, message: `no address records for ${host.host}`, enhanced: '4.4.4', host: host.host, permanent: false };
  }
  return addresses.map((address) => ({ ...host, address }));
}

function connectionOptions(target: Target, opts: RemoteDeliveryOptions, ignoreTls: boolean): SMTPConnectionOptions {
  const timeout = opts.timeoutMs ?? 10 * 60_000;
  return {
    host: target.address ?? target.host,
    port: target.port,
    servername: isIP(target.host) === 0 ? target.host : undefined,
    name: opts.heloName,
    requireTLS: opts.requireTls === true,
    ignoreTLS: ignoreTls,
    // RFC 3207 §4: a refused STARTTLS leaves the session usable; opportunistic delivery goes on in cleartext.
    opportunisticTLS: opts.requireTls !== true,
    tls: { rejectUnauthorized: opts.tls?.rejectUnauthorized ?? false },
    connectionTimeout: Math.min(timeout, CONNECT_TIMEOUT_MS),
    dnsTimeout: Math.min(timeout, CONNECT_TIMEOUT_MS),
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
  };
}

async function openSession(target: Target, opts: RemoteDeliveryOptions, ignoreTls: boolean): Promise<Session | SessionFailure> {
  const conn = new SMTPConnection(connectionOptions(target, opts, ignoreTls));
  const ended = new Promise<void>((resolve) => conn.once('end', resolve));
  try {
    await connect(conn);
  } catch (err) {
    // A handshake error (e.g. an unverifiable certificate) arrives as a socket error while upgrading.
    const handshakeFailed = conn.upgrading === true;
    conn.close();
    const e = err as NodemailerError;
    if (handshakeFailed && opts.requireTls !== true && !ignoreTls) {
      // RFC 7435 §1.3: a failed opportunistic handshake must not cost the delivery; retry the same host without TLS.
      return openSession(target, opts, true);
    }
    const failure = sessionFailure(e, target, '4.4.1');
    // Our reading beats the server's code ("502 5.5.1" to STARTTLS): X.7.4 STARTTLS refused although
    // required, X.7.5 the handshake failed (RFC 3463 §3.8).
    if (handshakeFailed) failure.enhanced = '4.7.5';
    else if (e.code === 'ETLS') failure.enhanced = '4.7.4';
    return failure;
  }
  // Read now: after AUTH the last reply is no longer the EHLO one.
  const extensions = parseExtensions(conn.lastServerResponse);
  if (opts.auth) {
    if (!conn.secure) {
      conn.close();
      // RFC 4954 §4 / RFC 8314 §5.1: no password in cleartext. X.7.10: encryption needed.
      return { failure: true, message: `${target.host} offers no TLS; credentials not sent`, enhanced: '4.7.10', host: target.host, permanent: false };
    }
    const { user, pass } = opts.auth;
    const loginError = await new Promise<NodemailerError | null>((resolve) => conn.login({ user, pass }, (err) => resolve(err)));
    if (loginError) {
      conn.close();
      // Credentials are the operator's to fix; the message waits for that rather than bouncing.
      return sessionFailure(loginError, target, '4.7.8');
    }
  }
  return { conn, target, extensions, ended };
}

function connect(conn: SMTPConnection): Promise<void> {
  return new Promise((resolve, reject) => {
    // Kept for the life of the connection: without an 'error' listener the emitter would throw.
    // Errors after set-up also reach the callback of the send in flight, so later calls change nothing.
    conn.on('error', reject);
    conn.once('end', () => reject(new Error('connection closed during session set-up')));
    conn.connect((err) => (err ? reject(err) : resolve()));
  });
}

async function closeSession(session: Session): Promise<void> {
  session.conn.quit();
  await Promise.race([session.ended, delay(QUIT_WAIT_MS, undefined, { ref: false })]);
}

function parseExtensions(reply: string | false): PeerExtensions | null {
  if (!reply || !/^250[ -]/.test(reply)) return null;
  const lines = reply
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.replace(/^\d{3}[ -]/, '').trim());
  const keywords = new Set(lines.map((line) => line.split(/\s+/)[0].toUpperCase()));
  const size = lines.map((line) => /^SIZE\s+(\d+)/i.exec(line)).find((m) => m);
  return { keywords, sizeLimit: size ? Number(size[1]) : 0 };
}

/** Runs one transaction per distinct set of DSN parameters; returns the recipients the next host should get. */
async function deliverOverSession(
  session: Session,
  recipients: string[],
  opts: RemoteDeliveryOptions,
  finish: (r: RecipientResult) => void,
): Promise<{ carried: string[]; failure?: SessionFailure }> {
  const host = session.target.host;
  const ext = session.extensions;
  const size = messageSize(opts);
  if (ext && ext.sizeLimit > 0 && size !== undefined && size > ext.sizeLimit) {
    // RFC 1870 §6.1: the peer would refuse it after the whole transfer anyway.
    const message = `message of ${size} bytes exceeds the ${ext.sizeLimit} byte limit announced by ${host}`;
    for (const recipient of recipients) finish({ recipient, status: 'permanent', enhanced: '5.3.4', message, host });
    return { carried: [] };
  }

  let eligible = recipients;
  if (ext && !ext.keywords.has('SMTPUTF8')) {
    // RFC 6531 §3.2: a non-ASCII mailbox cannot be named to a server without SMTPUTF8 (X.6.7, §3.7.4).
    const refuse = (recipient: string) =>
      finish({ recipient, status: 'permanent', enhanced: '5.6.7', message: `${host} does not support SMTPUTF8, needed for a non-ASCII address`, host });
    if (NON_ASCII.test(opts.sender)) {
      recipients.forEach(refuse);
      return { carried: [] };
    }
    eligible = [];
    for (const recipient of recipients) {
      if (NON_ASCII.test(recipient)) refuse(recipient);
      else eligible.push(recipient);
    }
  }

  const carried: string[] = [];
  let failure: SessionFailure | undefined;
  for (const [index, group] of groupByDsn(eligible, opts.dsn).entries()) {
    if (failure) {
      carried.push(...group);
      continue;
    }
    // RSET between transactions: a refused one may have left the server mid-envelope (RFC 5321 §4.1.1.5).
    const resetError = index > 0 ? await new Promise<NodemailerError | null>((resolve) => session.conn.reset((err) => resolve(err))) : null;
    const outcome = resetError ? carry(resetError, session.target) : await sendTransaction(session, group, opts);
    if (outcome.kind === 'carry') {
      failure = outcome.failure;
      carried.push(...group);
    } else {
      outcome.results.forEach(finish);
    }
  }
  return { carried, failure };
}

function messageSize(opts: RemoteDeliveryOptions): number | undefined {
  return opts.size ?? (Buffer.isBuffer(opts.message) ? opts.message.length : undefined);
}

/** nodemailer sends one NOTIFY/ORCPT for the whole envelope, so recipients that differ go in separate transactions. */
function groupByDsn(recipients: string[], dsn: DsnParameters | undefined): string[][] {
  const groups = new Map<string, string[]>();
  for (const recipient of recipients) {
    const key = `${dsn?.notify?.[recipient] ?? ''}\n${dsn?.orcpt?.[recipient] ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), recipient]);
  }
  return [...groups.values()];
}

async function sendTransaction(session: Session, group: string[], opts: RemoteDeliveryOptions): Promise<Outcome> {
  const { dsn } = opts;
  const envelope: SMTPEnvelope = {
    from: opts.sender,
    to: group,
    size: messageSize(opts),
    use8BitMime: opts.eightBit ?? (Buffer.isBuffer(opts.message) && opts.message.some((byte) => byte > 0x7f)),
    dsn: dsn && { ret: dsn.ret, envid: dsn.envid, notify: dsn.notify?.[group[0]], orcpt: dsn.orcpt?.[group[0]] },
  };
  const message = Buffer.isBuffer(opts.message) ? opts.message : opts.message();
  const sent = await new Promise<{ err: NodemailerError | null; info?: SMTPConnectionSendInfo }>((resolve) =>
    session.conn.send(envelope, message, (err, info) => resolve({ err, info })),
  );
  const host = session.target.host;
  if (sent.err) return classifySendError(sent.err, group, session.target);

  const info = sent.info as SMTPConnectionSendInfo;
  const noDsn = session.extensions !== null && !session.extensions.keywords.has('DSN');
  const byRecipient = new Map<string, RecipientResult>();
  for (const recipient of info.accepted) {
    const result = fromReply(recipient, info.response, host);
    const wantsSuccess = /\bSUCCESS\b/i.test(dsn?.notify?.[recipient] ?? '');
    byRecipient.set(recipient, noDsn && wantsSuccess ? { ...result, relayedWithoutDsn: true } : result);
  }
  for (const rejected of info.rejectedErrors ?? []) {
    if (rejected.recipient) byRecipient.set(rejected.recipient, fromError(rejected.recipient, rejected, host));
  }
  return { kind: 'final', results: group.map((r) => byRecipient.get(r) ?? fromError(r, {}, host)) };
}

/**
 * Turns a failed transaction into per-recipient verdicts, or into "try the next host" when this one
 * did not get as far as judging the recipients (RFC 5321 §5.1: try each host until one takes it).
 */
function classifySendError(err: NodemailerError, group: string[], target: Target): Outcome {
  const host = target.host;
  const all = (make: (recipient: string) => RecipientResult): Outcome => ({ kind: 'final', results: group.map(make) });
  if (err.code === 'ESTREAM') {
    // Our own message store failed to read; another host would not help.
    return all((recipient) => ({ recipient, status: 'temporary', enhanced: '4.3.0', message: `reading the queued message failed: ${err.message}` }));
  }
  if (err.command === 'API') {
    // nodemailer refused our input (e.g. an invalid NOTIFY value); the same input fails again.
    return all((recipient) => ({ recipient, status: 'permanent', enhanced: '5.3.0', message: err.message }));
  }
  if (err.command === 'RCPT TO' && err.rejectedErrors?.length) {
    const byRecipient = new Map(err.rejectedErrors.map((e) => [e.recipient, e]));
    return all((recipient) => fromError(recipient, byRecipient.get(recipient) ?? err, host));
  }
  const code = err.responseCode;
  // RFC 5321 §4.2.2: 421 is the server going away, whatever it was answering.
  if (code && code !== 421) {
    // A reply to the end of data judges the message for every accepted recipient. nodemailer does not
    // report the per-RCPT replies then, so recipients refused at RCPT get this verdict too.
    if (err.code === 'EMESSAGE' || code >= 500) return all((recipient) => fromError(recipient, err, host));
  }
  // 4xx to MAIL FROM or DATA, 421, a dropped connection or a timeout: another host may take it.
  return carry(err, target);
}

function carry(err: NodemailerError, target: Target): Outcome {
  return { kind: 'carry', failure: sessionFailure(err, target, '4.4.2') };
}

function sessionFailure(err: NodemailerError, target: Target, fallbackEnhanced: string): SessionFailure {
  const reply = err.response;
  const code = err.responseCode;
  // RFC 5321 §3.1: a 554 greeting (or HELO refusal) means this host will not serve us at all.
  const permanent = !!code && code >= 500 && (err.command === 'CONN' || err.command === 'HELO');
  const enhanced = reply ? parseEnhanced(reply) : undefined;
  return {
    failure: true,
    message: reply ? oneLine(reply) : `${target.host}${target.address ? ` [${target.address}]` : ''}:${target.port}: ${err.message}`,
    code,
    // The class must agree with how we treat it, whatever the server's own code said.
    enhanced: enhanced ? `${permanent ? 5 : 4}${enhanced.slice(1)}` : permanent ? '5.0.0' : fallbackEnhanced,
    host: target.host,
    permanent,
  };
}

function fromError(recipient: string, err: { response?: string; message?: string }, host: string): RecipientResult {
  if (err.response && /^\d{3}/.test(err.response)) return fromReply(recipient, err.response, host);
  return { recipient, status: 'temporary', enhanced: '4.4.2', message: err.message ?? 'no reply for this recipient', host };
}

function fromReply(recipient: string, reply: string, host: string): RecipientResult {
  const code = Number(reply.slice(0, 3));
  const status: RecipientStatus = code >= 500 ? 'permanent' : code >= 400 ? 'temporary' : 'sent';
  // RFC 3463 §3: a server without enhanced codes gets the undetailed X.0.0 of its reply class.
  const enhanced = parseEnhanced(reply) ?? `${String(code)[0]}.0.0`;
  return { recipient, status, code, enhanced, message: oneLine(reply), host };
}

/** RFC 2034 §4: the enhanced code follows the reply code on each line. */
function parseEnhanced(reply: string): string | undefined {
  return /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?=\s|$)/.exec(reply)?.[1];
}

function oneLine(reply: string): string {
  return reply.replace(/\s*\r?\n\s*/g, ' ').trim();
}
