import { EventEmitter } from 'node:events';

/** "Something changed in account X at modseq N", for IMAP IDLE, JMAP push and webmail. */
export interface AccountChange {
  accountId: number;
  modseq: number;
  /** Mailboxes whose entries or attributes changed; empty when only account-level data did. */
  mailboxIds: number[];
}

/**
 * In-process delivery of change notices. A multi-node deployment puts PostgreSQL LISTEN/NOTIFY
 * behind the same two calls, so subscribers do not know which one they have.
 */
export class ChangeBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every IDLE session subscribes; thousands of them are normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  publish(change: AccountChange): void {
    this.emitter.emit(String(change.accountId), change);
  }

  subscribe(accountId: number, listener: (change: AccountChange) => void): () => void {
    const key = String(accountId);
    this.emitter.on(key, listener);
    return () => this.emitter.off(key, listener);
  }
}
