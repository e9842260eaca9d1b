import type { SecureContext } from 'node:tls';

import type { LoginThrottle } from '../directory/login-throttle.ts';
import type { AccountChange, ChangeBus } from '../events/change-bus.ts';
import { MailError } from '../mail/errors.ts';
import { flagPermission, permittedFlags } from '../mail/acl.ts';
import type { MailStore } from '../mail/mail-store.ts';
import type { MailboxAccess } from '../mail/shared-access.ts';
import { isLoopback } from '../smtp/listener.ts';
import type { Principal } from '../store/schema.ts';
import type { LoginContext } from '../directory/audit.ts';
import { capabilities } from './capabilities.ts';
import { COMMANDS, type CommandSpec, type Completion } from './commands/index.ts';
import type { ImapConnection } from './connection.ts';
import { CommandFramer } from './proto/framer.ts';
import { parseCommand } from './proto/parser.ts';
import { continuation, flagList, tagged, untagged, untaggedStatus, type ImapValue } from './proto/serializer.ts';
import { encodeMailboxName } from './proto/mailbox-name.ts';
import type { Command, TaggedCommand } from './proto/types.ts';
import { InvalidSequenceSet, type SelectedMailbox } from './selected-mailbox.ts';
import { announceChanges } from './mailbox-sync.ts';

export interface ImapServices {
  mail: MailStore;
  changes: ChangeBus;
  authenticate(login: string, password: string, context?: LoginContext): Promise<Principal | null>;
  throttle: LoginThrottle;
  tlsContext: SecureContext;
  /** Plaintext LOGIN/AUTHENTICATE from a non-loopback peer without TLS. */
  allowInsecureAuth: boolean;
  appendLimit: number;
  log(line: string): void;
}

export type SessionState = 'notauth' | 'auth' | 'selected' | 'logout';

const UNAUTHENTICATED_TIMEOUT_MS = 60_000;
/** RFC 9051 §5.4: at least 30 minutes of inactivity before an autologout. */
const AUTHENTICATED_TIMEOUT_MS = 30 * 60_000;
const MAX_QUEUED_COMMANDS = 64;
const MAX_FAILED_LOGINS = 3;
const MAX_LINE_BYTES = 64 * 1024;

/** Commands during which EXPUNGE must not be sent (RFC 9051 §7.5.1); their UID forms may. */
const NO_EXPUNGE_DURING = new Set(['FETCH', 'STORE', 'SEARCH', 'SORT', 'THREAD']);

export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

/** One client connection: its state, the commands it sends, and the updates it must be told about. */
export class ImapSession {
  state: SessionState = 'notauth';
  principal: Principal | null = null;
  selected: SelectedMailbox | null = null;
  /** Extensions the client turned on with ENABLE (upper-case), or implicitly (CONDSTORE by a MODSEQ fetch). */
  readonly enabled = new Set<string>();
  failedLogins = 0;

  private framer: CommandFramer;
  /** Bumped by STARTTLS: commands queued before it came in cleartext and are dropped (RFC 9051 §6.2.1). */
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private unsubscribe: (() => void) | null = null;
  /** While a mailbox someone shared is selected: its owner's change feed, which IDLE listens to as well. */
  private unsubscribeShared: (() => void) | null = null;
  /** Set by the change bus when the selected mailbox changed; cleared by a sync. */
  private dirty = false;
  private idleTag: string | null = null;
  private lineWaiter: ((line: string | null) => void) | null = null;

  constructor(
    readonly connection: ImapConnection,
    readonly services: ImapServices,
  ) {
    this.framer = this.newFramer();
    connection.data((chunk) => this.receive(chunk));
    connection.closed$(() => this.closed());
    connection.setIdleTimeout(UNAUTHENTICATED_TIMEOUT_MS, () => this.autologout());
  }

  private newFramer(): CommandFramer {
    return new CommandFramer({ maxLineBytes: MAX_LINE_BYTES, maxLiteralBytes: this.services.appendLimit, maxCommandBytes: this.services.appendLimit + MAX_LINE_BYTES });
  }

  /** Forgets everything the client sent but we have not run yet. */
  resetInput(): void {
    this.generation++;
    this.framer = this.newFramer();
  }

  start(): void {
    this.send(['OK', { raw: `[CAPABILITY ${this.capabilityList().join(' ')}]` }, 'Petrel', 'IMAP4rev2', 'ready']);
  }

  get utf8(): boolean {
    return this.enabled.has('UTF8=ACCEPT');
  }

  get condstore(): boolean {
    return this.enabled.has('CONDSTORE') || this.enabled.has('QRESYNC');
  }

  get qresync(): boolean {
    return this.enabled.has('QRESYNC');
  }

  get rev2(): boolean {
    return this.enabled.has('IMAP4REV2');
  }

  get accountId(): number {
    if (!this.principal) throw new Error('not authenticated');
    return this.principal.id;
  }

  /**
   * The mailbox the user means by `name`, own or shared (`Shared/<owner>/<folder>`), with the
   * user's rights on it; refused unless the rights include every letter of `need` (RFC 4314).
   */
  resolveMailbox(name: string, need = ''): Promise<MailboxAccess> {
    return this.services.mail.access.resolve(this.accountId, name, need);
  }

  get loginAllowed(): boolean {
    return this.connection.isSecure || this.services.allowInsecureAuth || isLoopback(this.connection.remoteAddress);
  }

  capabilityList(): string[] {
    return capabilities({
      authenticated: this.state === 'auth' || this.state === 'selected',
      tls: this.connection.isSecure,
      loginAllowed: this.loginAllowed,
      appendLimit: this.services.appendLimit,
      compressed: this.connection.isCompressed,
    });
  }

  send(values: ImapValue[]): void {
    this.connection.write(untagged(values, { utf8: this.utf8 }));
  }

  /** A mailbox name as this session writes it: modified UTF-7 unless UTF8=ACCEPT is on, always a string. */
  mailboxName(name: string): ImapValue {
    return { string: encodeMailboxName(name, this.utf8) };
  }

  sendRaw(text: string): void {
    this.connection.write(Buffer.from(text, 'utf8'));
  }

  private receive(chunk: Buffer): void {
    // Event by event, not a whole chunk at once: ending IDLE switches the framer back to commands
    // mid-chunk, and clients (iOS) send DONE and their next command in one packet.
    this.framer.feed(chunk);
    for (let event = this.framer.next(); event; event = this.framer.next()) {
      switch (event.type) {
        case 'command':
          this.enqueue(event.bytes);
          break;
        case 'continue':
          this.connection.write(continuation('Ready for literal data'));
          break;
        case 'line':
          this.line(event.text);
          break;
        case 'error':
          if (event.fatal) {
            this.connection.write(untaggedStatus('BYE', event.message));
            this.connection.end();
            return;
          }
          this.connection.write(event.tag ? tagged(event.tag, event.code === 'TOOBIG' ? 'NO' : 'BAD', event.message, event.code) : untaggedStatus('BAD', event.message));
          break;
      }
    }
  }

  private line(text: string): void {
    if (this.lineWaiter) {
      const waiter = this.lineWaiter;
      this.lineWaiter = null;
      waiter(text);
    } else if (this.idleTag !== null) {
      this.endIdle(text);
    }
  }

  /** The next raw line from the client (AUTHENTICATE continuations); null if the connection closes first. */
  readLine(): Promise<string | null> {
    this.framer.lineMode = true;
    return new Promise((resolve) => {
      this.lineWaiter = (line) => {
        this.framer.lineMode = false;
        resolve(line);
      };
    });
  }

  private enqueue(bytes: Buffer): void {
    const generation = this.generation;
    this.queued++;
    if (this.queued >= MAX_QUEUED_COMMANDS) this.connection.pause();
    this.queue = this.queue
      .then(() => (generation === this.generation ? this.run(bytes) : undefined))
      .catch((err: unknown) => this.services.log(`imap: session error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`))
      .finally(() => {
        this.queued--;
        if (this.queued < MAX_QUEUED_COMMANDS / 2) this.connection.resume();
      });
  }

  private async run(bytes: Buffer): Promise<void> {
    if (this.state === 'logout' || this.connection.isClosed) return;
    const parsed = parseCommand(bytes, { utf8Accept: this.utf8 });
    if (!('command' in parsed)) {
      this.connection.write(parsed.tag ? tagged(parsed.tag, parsed.code ? 'NO' : 'BAD', parsed.message, parsed.code) : untaggedStatus('BAD', parsed.message));
      return;
    }
    await this.execute(parsed);
  }

  private async execute({ tag, command }: TaggedCommand): Promise<void> {
    // Indexing the registry by a union of names is too much for the checker; each entry is typed where it is defined.
    const spec = COMMANDS[command.name] as CommandSpec<Command>;
    if (!spec.states.includes(this.state)) {
      this.connection.write(tagged(tag, 'BAD', stateMessage(command.name, this.state)));
      return;
    }
    let completion: Completion;
    try {
      completion = await spec.run(this, command, tag);
    } catch (err) {
      completion = this.failure(err, command);
    }
    if (completion.status === 'IDLE') return;
    if (this.selected && this.state === 'selected' && completion.sync !== false) {
      await this.syncNow(!NO_EXPUNGE_DURING.has(command.name) || ('uid' in command && command.uid));
    }
    this.connection.write(tagged(tag, completion.status, completion.text, completion.code));
    if (completion.after) await completion.after();
  }

  private failure(err: unknown, command: Command): Completion {
    if (err instanceof InvalidSequenceSet) return { status: 'BAD', text: err.message };
    if (err instanceof MailError) {
      const code =
        err.code === 'over_quota'
          ? 'OVERQUOTA'
          : err.code === 'not_found'
            ? command.name === 'APPEND' || command.name === 'COPY' || command.name === 'MOVE'
              ? 'TRYCREATE'
              : 'NONEXISTENT'
            : err.code === 'exists'
              ? 'ALREADYEXISTS'
              : err.code === 'special_use_taken'
                ? 'USEATTR'
              : err.code === 'too_large'
                ? 'TOOBIG'
                : err.code === 'no_permission'
                  ? 'NOPERM'
                  : 'CANNOT';
      return { status: 'NO', code, text: err.message };
    }
    this.services.log(`imap: ${command.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { status: 'NO', code: 'SERVERBUG', text: `${command.name} failed on the server; it has been logged` };
  }

  /** Tells the client about changes others made to the selected mailbox since it was last told. */
  async syncNow(allowExpunge: boolean): Promise<void> {
    if (!this.selected || (!this.dirty && (!allowExpunge || this.selected.pendingExpunge.size === 0))) return;
    this.dirty = false;
    await announceChanges(this, this.selected, allowExpunge);
  }

  /**
   * Turns CONDSTORE on for a command that implies it (RFC 7162 §3.1); with a mailbox selected the
   * client learns its HIGHESTMODSEQ right away.
   */
  enableCondstore(): void {
    if (this.condstore) return;
    this.enabled.add('CONDSTORE');
    if (this.selected) this.send(['OK', { raw: `[HIGHESTMODSEQ ${this.selected.knownModseq}]` }, 'Highest']);
  }

  /**
   * The FLAGS and PERMANENTFLAGS responses for the selected mailbox's flags and known keywords.
   * In a shared mailbox PERMANENTFLAGS lists only the flags the user's rights let them change
   * (RFC 4314 §4): \Seen with s, \Deleted with t, the rest and new keywords with w.
   */
  sendFlagLists(): void {
    const selected = this.selected!;
    const flags = [...SYSTEM_FLAGS, ...selected.keywordNames()];
    this.send(['FLAGS', flagList(flags)]);
    const permission = flagPermission(selected.rights);
    const permanent = selected.readOnly ? [] : [...permittedFlags(permission, flags), ...(permission.others ? ['\\*'] : [])];
    this.send(['OK', { raw: `[PERMANENTFLAGS (${permanent.join(' ')})]` }, selected.readOnly ? 'No permanent flags permitted' : 'Flags permitted']);
  }

  /**
   * Before a FETCH shows a keyword the client has not seen in FLAGS, announces the new FLAGS
   * list, so clients that build their keyword menus from it (and imaptest) stay consistent.
   */
  noteFlags(flags: readonly string[]): void {
    const selected = this.selected;
    if (!selected) return;
    let added = false;
    for (const flag of flags) {
      if (flag.startsWith('\\') || selected.keywords.has(flag.toLowerCase())) continue;
      selected.addKeyword(flag);
      added = true;
    }
    if (added) this.sendFlagLists();
  }

  /** Claims the selected mailbox's not-yet-seen messages as \Recent for this session (IMAP4rev1). */
  async claimRecent(uids: number[]): Promise<void> {
    const selected = this.selected!;
    if (uids.length === 0) return;
    const first = await this.services.mail.claimRecent(selected.accountId, selected.id, !selected.readOnly);
    for (const uid of uids) if (uid >= first) selected.recent.add(uid);
  }

  /** Called once the client is authenticated: subscribes to the account's changes and lengthens the idle timeout. */
  loggedIn(principal: Principal): void {
    this.principal = principal;
    this.state = 'auth';
    this.connection.setIdleTimeout(AUTHENTICATED_TIMEOUT_MS, () => this.autologout());
    this.unsubscribe = this.services.changes.subscribe(principal.id, (change) => this.changed(change));
  }

  select(selected: SelectedMailbox | null): void {
    this.selected = selected;
    this.state = selected ? 'selected' : 'auth';
    this.dirty = false;
    this.unsubscribeShared?.();
    this.unsubscribeShared = null;
    // Changes are published per owning account: others' changes to a shared mailbox come on its owner's feed.
    if (selected && selected.accountId !== this.principal?.id) this.unsubscribeShared = this.services.changes.subscribe(selected.accountId, (change) => this.changed(change));
  }

  private changed(change: AccountChange): void {
    if (!this.selected || !change.mailboxIds.includes(this.selected.id)) return;
    this.dirty = true;
    if (this.idleTag !== null) {
      this.queue = this.queue.then(() => this.syncNow(true)).catch((err: unknown) => this.services.log(`imap: idle sync failed: ${String(err)}`));
    }
  }

  /** RFC 2177: answers with a continuation and reports changes as they happen until DONE. */
  async beginIdle(tag: string): Promise<void> {
    this.idleTag = tag;
    this.framer.lineMode = true;
    this.connection.write(continuation('idling'));
    this.dirty = true;
    await this.syncNow(true);
  }

  private endIdle(text: string): void {
    const tag = this.idleTag!;
    this.idleTag = null;
    this.framer.lineMode = false;
    this.queue = this.queue.then(async () => {
      if (text.trim().toUpperCase() !== 'DONE') {
        this.connection.write(tagged(tag, 'BAD', 'Expected DONE to end IDLE'));
        return;
      }
      await this.syncNow(true);
      this.connection.write(tagged(tag, 'OK', 'IDLE terminated'));
    });
  }

  /** Logs the session out now, e.g. after too many failed logins. */
  bye(text: string): void {
    this.state = 'logout';
    this.connection.write(untaggedStatus('BYE', text));
    this.connection.end();
  }

  private autologout(): void {
    this.bye('Autologout; idle for too long');
  }

  private closed(): void {
    this.state = 'logout';
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unsubscribeShared?.();
    this.unsubscribeShared = null;
    if (this.lineWaiter) this.lineWaiter(null);
  }

  get maxFailedLogins(): number {
    return MAX_FAILED_LOGINS;
  }
}

function stateMessage(name: string, state: SessionState): string {
  if (state === 'notauth') return `${name} needs a login first`;
  if (state === 'auth') return `${name} needs a selected mailbox`;
  return `${name} is not allowed now`;
}
