import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

import type { PetrelConfig } from '../config/config.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { DialectName } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import { findMailHosts, MailHostError, type MailResolver } from './dns-resolver.ts';
import { buildDsn, type DsnRecipient } from './dsn.ts';
import { finishIfDone } from './outbound-queue.ts';
import { deliverToRemote, type RecipientResult, type RemoteHost } from './remote-delivery.ts';
import { nextAttemptDelay } from './retry-schedule.ts';
import type { MessageRouter } from './router.ts';

const CLAIM_BATCH = 100;
const CLAIM_LEASE_MS = 10 * 60_000;
const PARALLEL_GROUPS = 8;
const EXPIRED = '5.4.7';

interface ClaimedRow {
  id: number;
  queue_message_id: number;
  recipient: string;
  domain: string;
  orcpt: string | null;
  notify: string | null;
  attempts: number;
  delay_notified: number;
  sender: string;
  blob_hash: string;
  envelope_id: string | null;
  ret: string | null;
  created_at: number;
  expires_at: number;
}

interface Outcome {
  row: ClaimedRow;
  result: Pick<RecipientResult, 'status' | 'message' | 'code' | 'enhanced' | 'host'>;
}

/**
 * The reply as the remote MTA wrote it, for Diagnostic-Code (RFC 3464 §2.3.6). remote-delivery's
 * message is already the whole reply line when it came from the peer; prefixing the code again
 * gave "550 550 5.1.1 …".
 */
function smtpReply(code: number, message: string): string {
  return /^\d{3}(?:[ -]|$)/.test(message) ? message : `${code} ${message}`;
}

function wants(notify: string | null, what: 'FAILURE' | 'DELAY'): boolean {
  // RFC 3461 §4.1: without NOTIFY the server acts as if FAILURE,DELAY were given.
  return notify === null || notify.toUpperCase().split(',').includes(what);
}

/**
 * Sends what the outbound queue holds: claims due recipients (several nodes may run this at
 * once; a lease and SKIP LOCKED keep them apart), delivers them per destination domain, and
 * records each recipient's fate: sent, retry later with backoff, or failed with a bounce.
 */
export class OutboundWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly nodeId = randomBytes(6).toString('hex');

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      dialect: DialectName;
      blobs: BlobStore;
      resolver: MailResolver;
      config: PetrelConfig;
      router: () => MessageRouter;
      log: (line: string) => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.deps.config.outbound.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Runs a pass now (or right after the current one) instead of at the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          while ((await this.runOnce()) > 0 && !this.stopped);
        } catch (err) {
          this.deps.log(`outbound: queue pass failed: ${(err as Error).message}`);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
  }

  /** One pass over due recipients; returns how many were attempted. */
  async runOnce(now = Date.now()): Promise<number> {
    const rows = await this.claim(now);
    const groups = new Map<string, ClaimedRow[]>();
    for (const row of rows) {
      const key = this.deps.config.outbound.smarthost ? `${row.queue_message_id}` : `${row.queue_message_id}|${row.domain}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const pending = [...groups.values()];
    const workers = Array.from({ length: Math.min(PARALLEL_GROUPS, pending.length) }, async () => {
      for (let group = pending.shift(); group; group = pending.shift()) await this.deliverGroup(group);
    });
    await Promise.all(workers);
    return rows.length;
  }

  private async claim(now: number): Promise<ClaimedRow[]> {
    const { db, dialect } = this.deps;
    return db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('queue_recipients')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where('locked_until', '<', now)
        .orderBy('next_attempt_at')
        .limit(CLAIM_BATCH);
      if (dialect === 'postgres') query = query.forUpdate().skipLocked();
      const ids = (await query.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      await trx.updateTable('queue_recipients').set({ locked_until: now + CLAIM_LEASE_MS, locked_by: this.nodeId }).where('id', 'in', ids).execute();
      return trx
        .selectFrom('queue_recipients as r')
        .innerJoin('queue_messages as m', 'm.id', 'r.queue_message_id')
        .select(['r.id', 'r.queue_message_id', 'r.recipient', 'r.domain', 'r.orcpt', 'r.notify', 'r.attempts', 'r.delay_notified', 'm.sender', 'm.blob_hash', 'm.envelope_id', 'm.ret', 'm.created_at', 'm.expires_at'])
        .where('r.id', 'in', ids)
        .execute();
    });
  }

  private async hostsFor(domain: string): Promise<RemoteHost[]> {
    const { outbound } = this.deps.config;
    if (outbound.smarthost) return [{ host: outbound.smarthost.host, port: outbound.smarthost.port }];
    const hosts = await findMailHosts(this.deps.resolver, domain);
    return hosts.map((h) => ({ host: h.host, port: outbound.mxPort }));
  }

  private async deliverGroup(rows: ClaimedRow[]): Promise<void> {
    const first = rows[0];
    const { outbound, hostname } = this.deps.config;
    let outcomes: Outcome[];
    let raw: Buffer | null = null;
    try {
      raw = await this.deps.blobs.read(first.blob_hash);
      const hosts = await this.hostsFor(first.domain);
      const smarthost = outbound.smarthost;
      const result = await deliverToRemote({
        hosts,
        heloName: hostname,
        sender: first.sender,
        recipients: rows.map((r) => r.recipient),
        message: raw,
        requireTls: outbound.requireTls,
        auth: smarthost?.user && smarthost.pass ? { user: smarthost.user, pass: smarthost.pass } : undefined,
        dsn: {
          ret: first.ret === 'FULL' || first.ret === 'HDRS' ? first.ret : undefined,
          envid: first.envelope_id ?? undefined,
          notify: Object.fromEntries(rows.filter((r) => r.notify).map((r) => [r.recipient, r.notify as string])),
          orcpt: Object.fromEntries(rows.filter((r) => r.orcpt).map((r) => [r.recipient, r.orcpt as string])),
        },
        tls: { rejectUnauthorized: outbound.verifyTls },
        resolver: this.deps.resolver,
      });
      outcomes = rows.map((row) => ({
        row,
        result: result.recipients.find((r) => r.recipient === row.recipient) ?? { status: 'temporary', message: 'no result from the remote delivery' },
      }));
    } catch (err) {
      const permanent = err instanceof MailHostError && err.permanent;
      const enhanced = err instanceof MailHostError ? err.enhanced : '4.4.1';
      outcomes = rows.map((row) => ({ row, result: { status: permanent ? 'permanent' : 'temporary', message: (err as Error).message, enhanced } }));
    }
    await this.record(outcomes, raw);
  }

  /**
   * Records each recipient's fate. The notices go out before the fates are committed: a crash in
   * between leaves the recipients pending under their lease, so the attempt (and perhaps the
   * notice) is repeated, but a bounce is never lost (RFC 5321 §6.1). Committing first, as this
   * once did, made a crash at that point drop the bounce for good.
   */
  private async record(outcomes: Outcome[], raw: Buffer | null): Promise<void> {
    const now = Date.now();
    const { config } = this.deps;
    const fates = outcomes.map((outcome) => {
      const { row, result } = outcome;
      if (result.status === 'sent') return { outcome, fate: 'sent' as const, notifyDelay: false };
      if (result.status === 'permanent') return { outcome, fate: 'failed' as const, notifyDelay: false };
      // RFC 3463 §3.5: giving up after the retry period is 5.4.7, "delivery time expired"; the
      // last temporary reply stays as the diagnostic.
      if (now >= row.expires_at) return { outcome: { row, result: { ...result, enhanced: EXPIRED } }, fate: 'failed' as const, notifyDelay: false };
      const notifyDelay = !row.delay_notified && now - row.created_at >= config.outbound.delayNoticeAfterMs;
      return { outcome, fate: 'pending' as const, notifyDelay };
    });
    const failed = fates.filter((f) => f.fate === 'failed').map((f) => f.outcome);
    const delayed = fates.filter((f) => f.notifyDelay).map((f) => f.outcome);
    for (const outcome of failed) this.deps.log(`outbound: ${outcome.row.recipient} failed: ${outcome.result.message}`);
    if (raw) {
      await this.notify(failed.filter((o) => wants(o.row.notify, 'FAILURE')), 'failed', raw);
      await this.notify(delayed.filter((o) => wants(o.row.notify, 'DELAY')), 'delayed', raw);
    }
    const messageIds = [...new Set(outcomes.map((o) => o.row.queue_message_id))];
    // One commit for the fates and the clean-up, so a crash cannot leave a finished message behind.
    await this.deps.db.transaction().execute(async (trx) => {
      for (const { outcome, fate, notifyDelay } of fates) {
        const { row, result } = outcome;
        const attempts = row.attempts + 1;
        const base = { attempts, last_attempt_at: now, last_error: fate === 'sent' ? null : result.message, remote_mta: result.host ?? null, locked_until: 0, locked_by: null };
        const next = fate === 'pending' ? { next_attempt_at: now + nextAttemptDelay(attempts), delay_notified: notifyDelay ? 1 : row.delay_notified } : {};
        await trx.updateTable('queue_recipients').set({ ...base, ...next, status: fate }).where('id', '=', row.id).execute();
      }
      for (const id of messageIds) await finishIfDone(trx, id);
    });
  }

  /** Sends the sender a DSN (RFC 3464) for failed or delayed recipients; a bounce never gets one. */
  private async notify(outcomes: Outcome[], action: 'failed' | 'delayed', raw: Buffer): Promise<void> {
    if (outcomes.length === 0) return;
    const first = outcomes[0].row;
    if (first.sender === '') return;
    const recipients: DsnRecipient[] = outcomes.map(({ row, result }) => ({
      recipient: row.recipient,
      orcpt: row.orcpt ?? undefined,
      action,
      status: result.enhanced ?? (action === 'failed' ? '5.0.0' : '4.0.0'),
      remoteMta: result.host,
      smtpReply: result.code ? smtpReply(result.code, result.message) : undefined,
      reason: result.code ? undefined : result.message,
      lastAttemptDate: new Date(),
      willRetryUntil: action === 'delayed' ? new Date(row.expires_at) : undefined,
    }));
    const dsn = buildDsn({
      reportingMta: this.deps.config.hostname,
      to: first.sender,
      arrivalDate: new Date(first.created_at),
      envid: first.envelope_id ?? undefined,
      ret: first.ret === 'HDRS' ? 'HDRS' : first.ret === 'FULL' ? 'FULL' : undefined,
      original: raw,
      recipients,
    });
    try {
      await this.deps.router().route({ sender: '', recipients: [{ address: dsn.recipient, notify: 'NEVER' }], raw: dsn.message });
    } catch (err) {
      this.deps.log(`outbound: could not send the ${action} notice to ${first.sender}: ${(err as Error).message}`);
    }
  }
}
