import { setTimeout as delay } from 'node:timers/promises';

import { MailError } from '../mail/errors.ts';
import type { MailStore } from '../mail/mail-store.ts';
import { findMailbox } from '../mail/mailboxes.ts';
import { isLoopback } from '../smtp/listener.ts';
import type { Principal } from '../store/schema.ts';
import type { LoginContext } from '../directory/audit.ts';
import { capabilities, CONTINUATION, decodePlain, err, multiline, ok, parseCommand, stuffMessage, uniqueId, type Pop3Command } from './proto.ts';

/** The connection as the session sees it; the listener implements it over a socket. */
export interface Pop3Transport {
  readonly remoteAddress: string;
  /** TLS is on: the implicit-TLS port, or after STLS. */
  readonly secure: boolean;
  /** Resolves once the bytes are handed to the kernel, so a big RETR waits for a slow reader. */
  write(data: string | Buffer): Promise<void>;
  /** Upgrades the connection after `+OK` to STLS, dropping anything the client sent behind the command. */
  startTls(): Promise<void>;
  /** Flushes what was written and ends the connection. */
  close(): void;
}

/** The INBOX as it was at login: RFC 1939 §8's maildrop, numbered from 1 in UID order. */
export interface Maildrop {
  mailboxId: number;
  uidValidity: number;
  messages: { uid: number; size: number }[];
}

/** What the session needs from the directory and the mail core. */
export interface Pop3Backend {
  authenticate(login: string, password: string, context?: LoginContext): Promise<Principal | null>;
  /** Throws MailError('not_found') for an account without an INBOX (the admin login). */
  openMaildrop(accountId: number): Promise<Maildrop>;
  /** The stored bytes, or null when the entry left the INBOX after the snapshot (IMAP or another POP3 session expunged it). */
  readMessage(accountId: number, uid: number): Promise<Buffer | null>;
  expunge(accountId: number, mailboxId: number, uids: number[]): Promise<number[]>;
}

export interface Pop3SessionOptions {
  /** The plain port, where STLS upgrades the connection. */
  stlsAvailable: boolean;
  /** Cleartext login from a non-loopback peer (the admin's choice; off by default). */
  allowInsecureAuth: boolean;
  /** The wait before answering the n-th failed login is n times this, to slow password guessing. */
  failureDelayMs: number;
  log: (line: string) => void;
}

const MAX_AUTH_FAILURES = 3;
/** Consecutive unparseable or misplaced commands before we stop listening to a confused or hostile peer. */
const MAX_BAD_COMMANDS = 10;

type State = { name: 'authorization' } | { name: 'transaction'; account: Principal; drop: Maildrop } | { name: 'closed' };

/**
 * One POP3 connection: AUTHORIZATION until a login succeeds, then TRANSACTION over a snapshot of
 * the INBOX; QUIT is the UPDATE state, the only moment DELE'd messages are really expunged
 * (RFC 1939 §6), so a dropped connection deletes nothing.
 */
export class Pop3Session {
  private state: State = { name: 'authorization' };
  private pendingUser: string | null = null;
  private awaitingSaslResponse = false;
  private authFailures = 0;
  private badCommands = 0;
  /** Message numbers marked by DELE; RSET clears them. */
  private readonly deleted = new Set<number>();

  constructor(
    private readonly transport: Pop3Transport,
    private readonly backend: Pop3Backend,
    private readonly options: Pop3SessionOptions,
  ) {}

  get closed(): boolean {
    return this.state.name === 'closed';
  }

  greeting(): Promise<void> {
    // No APOP timestamp in the greeting: APOP needs the cleartext password on our side (RFC 1939 §7).
    return this.transport.write(ok('Petrel POP3 ready'));
  }

  async handleLine(line: string): Promise<void> {
    if (this.closed) return;
    try {
      if (this.awaitingSaslResponse) {
        this.awaitingSaslResponse = false;
        return await this.finishPlain(line);
      }
      const parsed = parseCommand(line);
      if (!parsed.ok) return await this.refuse(parsed.error);
      await this.execute(parsed.command);
    } catch (error) {
      this.options.log(`pop3: internal error: ${(error as Error).stack ?? String(error)}`);
      await this.transport.write(err('internal error, please try again later', 'SYS/TEMP'));
    }
  }

  /** Cleartext credentials only over TLS or from this machine, unless the admin allowed otherwise (RFC 2595 §2). */
  private get loginAllowed(): boolean {
    return this.transport.secure || this.options.allowInsecureAuth || isLoopback(this.transport.remoteAddress);
  }

  private async refuse(reason: string): Promise<void> {
    this.badCommands++;
    if (this.badCommands >= MAX_BAD_COMMANDS) {
      await this.transport.write(err('too many bad commands, closing'));
      return this.close();
    }
    await this.transport.write(err(reason));
  }

  private async execute(command: Pop3Command): Promise<void> {
    switch (command.name) {
      case 'CAPA':
        return this.accept(
          multiline(
            'capability list follows',
            capabilities({ stls: this.options.stlsAvailable && !this.transport.secure, login: this.loginAllowed, authorization: this.state.name === 'authorization' }),
          ),
        );
      case 'NOOP':
        if (this.state.name !== 'transaction') return this.refuse('NOOP is only valid after login');
        return this.accept(ok());
      case 'QUIT':
        return this.quit();
      case 'STLS':
      case 'USER':
      case 'PASS':
      case 'AUTH':
        if (this.state.name !== 'authorization') return this.refuse('already logged in');
        this.badCommands = 0;
        return this.authorization(command);
      default:
        if (this.state.name !== 'transaction') return this.refuse(`${command.name} is only valid after login`);
        this.badCommands = 0;
        return this.transaction(command, this.state.drop, this.state.account);
    }
  }

  private accept(reply: string): Promise<void> {
    this.badCommands = 0;
    return this.transport.write(reply);
  }

  private async authorization(command: Extract<Pop3Command, { name: 'STLS' | 'USER' | 'PASS' | 'AUTH' }>): Promise<void> {
    if (command.name === 'STLS') {
      if (!this.options.stlsAvailable || this.transport.secure) return this.transport.write(err('TLS is already active'));
      await this.transport.write(ok('Begin TLS negotiation'));
      // RFC 2595 §4: nothing learnt before the handshake survives it.
      this.pendingUser = null;
      return this.transport.startTls();
    }
    if (!this.loginAllowed) return this.transport.write(err('plaintext authentication disallowed on non-secure connections, use STLS', 'AUTH'));
    switch (command.name) {
      case 'USER':
        // Always +OK, so that USER does not tell a stranger which logins exist (RFC 1939 §7).
        this.pendingUser = command.argument;
        return this.transport.write(ok());
      case 'PASS': {
        const login = this.pendingUser;
        this.pendingUser = null;
        if (login === null) return this.transport.write(err('send USER first'));
        return this.login(login, command.argument);
      }
      case 'AUTH':
        if (command.mechanism === null) return this.transport.write(multiline('SASL mechanisms follow', ['PLAIN']));
        if (command.mechanism !== 'PLAIN') return this.transport.write(err('unsupported authentication mechanism'));
        if (command.initialResponse !== null) return this.finishPlain(command.initialResponse);
        this.awaitingSaslResponse = true;
        return this.transport.write(CONTINUATION);
    }
  }

  private async finishPlain(response: string): Promise<void> {
    // RFC 5034 §4: `*` cancels the exchange, and the server answers -ERR.
    if (response === '*') return this.transport.write(err('authentication cancelled'));
    const credentials = decodePlain(response);
    // We act for nobody else: an authorization identity other than the login is a failure.
    if (!credentials || (credentials.authzid !== '' && credentials.authzid.toLowerCase() !== credentials.authcid.toLowerCase())) return this.loginFailed();
    return this.login(credentials.authcid, credentials.password);
  }

  private async login(login: string, password: string): Promise<void> {
    const principal = await this.backend.authenticate(login, password, { protocol: 'pop3', remoteAddress: this.transport.remoteAddress });
    if (!principal) return this.loginFailed();
    let drop: Maildrop;
    try {
      drop = await this.backend.openMaildrop(principal.id);
    } catch (error) {
      if (error instanceof MailError && error.code === 'not_found') return this.transport.write(err('this account has no mailbox', 'SYS/PERM'));
      throw error;
    }
    this.state = { name: 'transaction', account: principal, drop };
    const { count, octets } = this.totals(drop);
    return this.transport.write(ok(`logged in, ${count} messages (${octets} octets)`));
  }

  private async loginFailed(): Promise<void> {
    this.authFailures++;
    await delay(this.options.failureDelayMs * this.authFailures);
    if (this.closed) return;
    if (this.authFailures >= MAX_AUTH_FAILURES) {
      await this.transport.write(err('authentication failed, too many attempts', 'AUTH'));
      return this.close();
    }
    return this.transport.write(err('authentication failed', 'AUTH'));
  }

  private totals(drop: Maildrop): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    drop.messages.forEach((message, index) => {
      if (this.deleted.has(index + 1)) return;
      count++;
      octets += message.size;
    });
    return { count, octets };
  }

  /** The message behind a number, or the -ERR to send: numbers past the snapshot and DELE'd ones are refused (RFC 1939 §5). */
  private lookup(drop: Maildrop, number: number): { uid: number; size: number } | string {
    const message = drop.messages[number - 1];
    if (!message) return err('no such message');
    if (this.deleted.has(number)) return err(`message ${number} already deleted`);
    return message;
  }

  private async transaction(command: Exclude<Pop3Command, { name: 'CAPA' | 'NOOP' | 'QUIT' | 'STLS' | 'USER' | 'PASS' | 'AUTH' }>, drop: Maildrop, account: Principal): Promise<void> {
    switch (command.name) {
      case 'STAT': {
        const { count, octets } = this.totals(drop);
        return this.transport.write(ok(`${count} ${octets}`));
      }
      case 'LIST':
      case 'UIDL': {
        const describe = (number: number, message: { uid: number; size: number }) =>
          `${number} ${command.name === 'LIST' ? message.size : uniqueId(drop.uidValidity, message.uid)}`;
        if (command.message !== null) {
          const message = this.lookup(drop, command.message);
          return this.transport.write(typeof message === 'string' ? message : ok(describe(command.message, message)));
        }
        const lines = drop.messages.flatMap((message, index) => (this.deleted.has(index + 1) ? [] : [describe(index + 1, message)]));
        const { count, octets } = this.totals(drop);
        return this.transport.write(multiline(command.name === 'LIST' ? `${count} messages (${octets} octets)` : 'unique-id listing follows', lines));
      }
      case 'RETR':
      case 'TOP': {
        const message = this.lookup(drop, command.message);
        if (typeof message === 'string') return this.transport.write(message);
        const raw = await this.backend.readMessage(account.id, message.uid);
        if (raw === null) return this.transport.write(err(`message ${command.message} is no longer available`));
        await this.transport.write(command.name === 'RETR' ? ok(`${raw.length} octets`) : ok('top of message follows'));
        for (const chunk of stuffMessage(raw, command.name === 'TOP' ? command.lines : undefined)) await this.transport.write(chunk);
        return;
      }
      case 'DELE': {
        const message = this.lookup(drop, command.message);
        if (typeof message === 'string') return this.transport.write(message);
        this.deleted.add(command.message);
        return this.transport.write(ok(`message ${command.message} deleted`));
      }
      case 'RSET': {
        this.deleted.clear();
        const { count, octets } = this.totals(drop);
        return this.transport.write(ok(`maildrop has ${count} messages (${octets} octets)`));
      }
    }
  }

  private async quit(): Promise<void> {
    if (this.state.name === 'transaction' && this.deleted.size > 0) {
      const { account, drop } = this.state;
      const uids = [...this.deleted].map((number) => drop.messages[number - 1].uid);
      try {
        // Entries IMAP already expunged are simply not there any more; that is not a failure.
        await this.backend.expunge(account.id, drop.mailboxId, uids);
      } catch (error) {
        this.options.log(`pop3: expunge on QUIT failed: ${(error as Error).stack ?? String(error)}`);
        await this.transport.write(err('some deleted messages not removed', 'SYS/TEMP'));
        return this.close();
      }
    }
    await this.transport.write(ok('Petrel POP3 server signing off'));
    this.close();
  }

  close(): void {
    this.state = { name: 'closed' };
    this.transport.close();
  }
}

/** The backend over the mail core and the directory: the INBOX of the account that logged in. */
export function mailStoreBackend(mail: MailStore, authenticate: Pop3Backend['authenticate']): Pop3Backend {
  return {
    authenticate,
    async openMaildrop(accountId) {
      const inbox = await findMailbox(mail.store.db, accountId, 'INBOX');
      const entries = await mail.listEntries(accountId, 'INBOX');
      return { mailboxId: inbox.id, uidValidity: inbox.uidvalidity, messages: entries.map((e) => ({ uid: e.uid, size: e.size })) };
    },
    async readMessage(accountId, uid) {
      const present = async () =>
        mail.messageAt(accountId, 'INBOX', uid).then(
          (row) => row,
          (error: unknown) => {
            if (error instanceof MailError && error.code === 'not_found') return null;
            throw error;
          },
        );
      const row = await present();
      if (!row) return null;
      try {
        return await mail.readRaw(accountId, Number(row.id));
      } catch (error) {
        // An expunge between the lookup and the read takes the message and its bytes with it.
        if ((await present()) === null) return null;
        throw error;
      }
    },
    expunge: (accountId, mailboxId, uids) => mail.expunge(accountId, mailboxId, uids),
  };
}
